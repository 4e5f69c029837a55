namespace Cachka.Layers;

/// <summary>
/// One storage level of the pipeline (memory, SQLite, or your own). The pipeline calls it
/// through this contract only: it catches and counts whatever a layer throws, so a layer may throw
/// on I/O failure, but should return a miss (and remove the entry) for data it cannot read back.
/// Sync members are called on the sync path and async members on the async path; neither may block on the other.
/// </summary>
public interface ICacheLayer : IAsyncDisposable, IDisposable
{
    /// <summary>Name in metrics and health reports.</summary>
    string Name { get; }

    /// <summary>
    /// True for layers that leave the process (disk, network): the pipeline guards them with a circuit
    /// breaker. False for in-process memory, which is never gated.
    /// </summary>
    bool IsRemote { get; }

    /// <summary>
    /// Reads an entry; expired entries are a miss. An entry stored with a later <c>keepUntil</c> (fail-safe) is
    /// returned until then, with its own expiry in <see cref="CacheLayerHit{T}.ExpiresAt"/>.
    /// </summary>
    CacheLayerHit<T> Get<T>(string key);

    /// <inheritdoc cref="Get{T}(string)"/>
    ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken);

    /// <summary>Stores a value until <paramref name="expiresAt"/> (absolute UTC); a layer may cap it.</summary>
    void Set<T>(string key, T value, DateTimeOffset expiresAt);

    /// <inheritdoc cref="Set{T}(string, T, DateTimeOffset)"/>
    ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a value written with tags. A layer that keeps entries beyond this process (on disk, on a
    /// server) should record the tags, so <see cref="InvalidateTag"/> finds entries written by other
    /// processes or before a restart. By default the tags are ignored: the pipeline still removes the
    /// keys tagged in this process from every layer.
    /// </summary>
    void Set<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string> tags) => Set(key, value, expiresAt);

    /// <inheritdoc cref="Set{T}(string, T, DateTimeOffset, IReadOnlyList{string})"/>
    ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string> tags, CancellationToken cancellationToken) =>
        SetAsync(key, value, expiresAt, cancellationToken);

    /// <summary>
    /// Stores a value that is fresh until <paramref name="expiresAt"/> and is kept after it, until
    /// <paramref name="keepUntil"/>, as a fail-safe fallback (<see cref="CacheEntryOptions.FailSafeMaxDuration"/>); a
    /// read after <paramref name="expiresAt"/> returns it with both instants (<see cref="CacheLayerHit{T}.KeepUntil"/>)
    /// and the pipeline serves it only when the factory that should replace it fails. By default the layer does not
    /// keep the value past its TTL (it stores it until <paramref name="expiresAt"/>), which is always safe.
    /// </summary>
    void Set<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags)
    {
        if (tags is { Count: > 0 })
            Set(key, value, expiresAt, tags);
        else
            Set(key, value, expiresAt);
    }

    /// <inheritdoc cref="Set{T}(string, T, DateTimeOffset, DateTimeOffset, IReadOnlyList{string})"/>
    ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags, CancellationToken cancellationToken) =>
        tags is { Count: > 0 } ? SetAsync(key, value, expiresAt, tags, cancellationToken) : SetAsync(key, value, expiresAt, cancellationToken);

    /// <summary>
    /// Removes every entry this layer recorded with <paramref name="tag"/> and returns their keys (the
    /// pipeline then removes those keys from the other layers too). By default nothing: the layer records no tags.
    /// </summary>
    IReadOnlyCollection<string> InvalidateTag(string tag) => [];

    /// <inheritdoc cref="InvalidateTag"/>
    ValueTask<IReadOnlyCollection<string>> InvalidateTagAsync(string tag, CancellationToken cancellationToken) =>
        new(Array.Empty<string>());

    /// <summary>Removes the key; true when something was removed.</summary>
    bool Delete(string key);

    /// <inheritdoc cref="Delete(string)"/>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Removes expired entries and returns how many were removed.</summary>
    int CleanupExpired();

    /// <inheritdoc cref="CleanupExpired"/>
    ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Periodic maintenance (every <c>CacheConfig.VacuumInterval</c>): by default removes expired
    /// entries; storage layers may also compact. Must never remove live entries.
    /// </summary>
    ValueTask<int> RunMaintenanceAsync(CancellationToken cancellationToken) => CleanupExpiredAsync(cancellationToken);
}

/// <summary>The result of a layer read: found or not, the value, and when it expires (for promotion with the remaining TTL).</summary>
public readonly struct CacheLayerHit<T>
{
    public CacheLayerHit(T value, DateTimeOffset expiresAt)
        : this(value, expiresAt, expiresAt)
    {
    }

    /// <summary>A hit on an entry that the layer keeps until <paramref name="keepUntil"/>, after its TTL ends at <paramref name="expiresAt"/>.</summary>
    public CacheLayerHit(T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil)
    {
        Found = true;
        Value = value;
        ExpiresAt = expiresAt;
        KeepUntil = keepUntil > expiresAt ? keepUntil : expiresAt;
    }

    /// <summary>A miss.</summary>
    public static CacheLayerHit<T> Miss => default;

    public bool Found { get; }

    public T Value { get; }

    /// <summary>When the entry's TTL ends: a read after it is stale (fail-safe), not a hit.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>When the layer drops the entry: <see cref="ExpiresAt"/> unless fail-safe keeps it longer.</summary>
    public DateTimeOffset KeepUntil { get; }
}

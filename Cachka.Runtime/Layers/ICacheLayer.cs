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

    /// <summary>Reads a live entry; expired entries are a miss.</summary>
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
    {
        Found = true;
        Value = value;
        ExpiresAt = expiresAt;
    }

    /// <summary>A miss.</summary>
    public static CacheLayerHit<T> Miss => default;

    public bool Found { get; }

    public T Value { get; }

    public DateTimeOffset ExpiresAt { get; }
}

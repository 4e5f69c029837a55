using Cachka.Serialization;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace Cachka.Layers.Distributed;

/// <summary>
/// An <see cref="IDistributedCache"/> registered in the container, as a layer below the configured ones (what
/// Microsoft's HybridCache uses as its L2). Values are stored in Cachka's envelope (which carries the expiry, so a
/// promotion keeps the remaining TTL) with the entry's expiry as the distributed cache's absolute expiration. It
/// is remote: its failures are counted and its breaker cuts it off. It keeps no tags (an <c>IDistributedCache</c>
/// cannot list keys): tag invalidation reaches the keys this process wrote with the tag.
/// </summary>
internal sealed class DistributedCacheLayer(IDistributedCache cache, string name, CacheLayerContext context) : ICacheLayer
{
    private readonly ValueCodec _codec = new(name, JsonCacheSerializer.Default, cipher: null, int.MaxValue, context.ReportError, context.LoggerFactory.CreateLogger("Cachka"));
    private readonly TimeProvider _time = context.Time;

    public string Name => name;

    public bool IsRemote => true;

    public CacheLayerHit<T> Get<T>(string key)
    {
        if (Open(key, cache.Get(key), out CacheLayerHit<T> hit))
            return hit;
        cache.Remove(key);
        return CacheLayerHit<T>.Miss;
    }

    public async ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken)
    {
        if (Open(key, await cache.GetAsync(key, cancellationToken).ConfigureAwait(false), out CacheLayerHit<T> hit))
            return hit;
        await cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        return CacheLayerHit<T>.Miss;
    }

    public void Set<T>(string key, T value, DateTimeOffset expiresAt) => Set(key, value, expiresAt, expiresAt, tags: null);

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        SetAsync(key, value, expiresAt, expiresAt, tags: null, cancellationToken);

    // The distributed entry expires at keepUntil (fail-safe keeps it past its TTL); the envelope says when its TTL ends.
    public void Set<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags)
    {
        if (_codec.Seal(key, value, expiresAt, keepUntil) is { } sealedValue)
            cache.Set(key, sealedValue, Expiry(expiresAt, keepUntil));
        else
            cache.Remove(key); // not stored here: the older value must not be served
    }

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags, CancellationToken cancellationToken) =>
        new(_codec.Seal(key, value, expiresAt, keepUntil) is { } sealedValue
            ? cache.SetAsync(key, sealedValue, Expiry(expiresAt, keepUntil), cancellationToken)
            : cache.RemoveAsync(key, cancellationToken));

    // An IDistributedCache does not say whether it held the key.
    public bool Delete(string key)
    {
        cache.Remove(key);
        return false;
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        return false;
    }

    // Expiry is the distributed cache's own.
    public int CleanupExpired() => 0;

    public ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken) => new(0);

    public void Dispose()
    {
    }

    public ValueTask DisposeAsync() => default;

    private static DistributedCacheEntryOptions Expiry(DateTimeOffset expiresAt, DateTimeOffset keepUntil) =>
        new() { AbsoluteExpiration = keepUntil > expiresAt ? keepUntil : expiresAt };

    // False for an entry that cannot be read back (another key's, a foreign value): counted, and the caller removes it.
    private bool Open<T>(string key, byte[]? stored, out CacheLayerHit<T> hit)
    {
        hit = CacheLayerHit<T>.Miss;
        if (stored is null)
            return true;
        var opened = _codec.Open<T>(stored, key, _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (opened.InvalidReason is not null)
        {
            _codec.Dropped(opened.InvalidReason);
            return false;
        }

        if (opened.Found)
            hit = new CacheLayerHit<T>(opened.Value, opened.ExpiresAt, opened.KeepUntil);
        return true;
    }
}

/// <summary>The configuration that appends a container's <see cref="IDistributedCache"/> as a layer (<c>AddCachka</c> does it).</summary>
internal sealed record DistributedCacheLayerConfig(IDistributedCache Cache) : CacheLayerConfig
{
    public override string Name { get; init; } = "distributed_cache";

    public override ICacheLayer CreateLayer(CacheLayerContext context) => new DistributedCacheLayer(Cache, Name, context);
}

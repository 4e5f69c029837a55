using System.Runtime.CompilerServices;
using Cachka.Layers;
using StackExchange.Redis;

namespace Cachka.Redis;

// Reads: one GET per lookup (the envelope carries the expiry, so value and expiry come back in one round trip).
internal sealed partial class RedisCacheLayer
{
    public CacheLayerHit<T> Get<T>(string key)
    {
        var storageKey = StorageKey(key);
        using (Enter())
        {
            using var stored = _database.StringGetLease(storageKey);
            return Open<T>(key, storageKey, stored);
        }
    }

    // Pooled: awaited once, by the pipeline; a miss that reaches a remote layer allocates no state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken)
    {
        var storageKey = StorageKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        using (await EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            using var stored = await _database.StringGetLeaseAsync(storageKey).ConfigureAwait(false);
            return Open<T>(key, storageKey, stored);
        }
    }

    // An entry that cannot be read back (another key's, a foreign or damaged value, a key it cannot decrypt)
    // is a miss, counted, and removed.
    private CacheLayerHit<T> Open<T>(string key, RedisKey storageKey, Lease<byte>? stored)
    {
        if (stored is null)
            return CacheLayerHit<T>.Miss;
        var opened = _codec.Open<T>(stored.Span, key, NowMs);
        if (opened.InvalidReason is not null)
        {
            _codec.Dropped(opened.InvalidReason);
            _database.KeyDelete(storageKey, CommandFlags.FireAndForget);
            return CacheLayerHit<T>.Miss;
        }

        return opened.Found ? new CacheLayerHit<T>(opened.Value, opened.ExpiresAt, opened.KeepUntil) : CacheLayerHit<T>.Miss;
    }
}

using Cachka.Internal;
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

    // The reply is opened when it arrives, without a state machine (see Continued); only a caller beyond
    // MaxConnections takes an async method, to wait for a slot.
    public ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken)
    {
        var storageKey = StorageKey(key);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<CacheLayerHit<T>>(cancellationToken);
        return TryTakeSlot() ? Fetch<T>(key, storageKey) : GetAfterSlotAsync<T>(key, storageKey, cancellationToken);
    }

    private async ValueTask<CacheLayerHit<T>> GetAfterSlotAsync<T>(string key, RedisKey storageKey, CancellationToken cancellationToken)
    {
        _ = await WaitForSlotAsync(cancellationToken).ConfigureAwait(false); // the slot Fetch releases
        return await Fetch<T>(key, storageKey).ConfigureAwait(false);
    }

    // With a slot taken: GET, then the envelope opened and the slot released.
    private ValueTask<CacheLayerHit<T>> Fetch<T>(string key, RedisKey storageKey)
    {
        ValueTask<Lease<byte>?> reply;
        try
        {
            reply = new ValueTask<Lease<byte>?>(_database.StringGetLeaseAsync(storageKey));
        }
        catch (Exception error)
        {
            reply = ValueTask.FromException<Lease<byte>?>(error);
        }

        return Continued<Lease<byte>?, CacheLayerHit<T>, Opening<T>>.After(reply, new Opening<T>(this, key, storageKey));
    }

    private readonly struct Opening<T>(RedisCacheLayer layer, string key, RedisKey storageKey) : IContinuation<Lease<byte>?, CacheLayerHit<T>>
    {
        public CacheLayerHit<T> Continue(ValueTask<Lease<byte>?> completed)
        {
            try
            {
                using var stored = completed.GetAwaiter().GetResult();
                return layer.Open<T>(key, storageKey, stored);
            }
            finally
            {
                layer.ReleaseSlot();
            }
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

using Cachka.Internal;
using Cachka.Layers;
using StackExchange.Redis;

namespace Cachka.Redis;

// Reads: one GET per lookup (the envelope carries the expiry, so value and expiry come back in one round trip), or
// one MGET for a burst (see Batches). The reply comes as a byte[] (RedisValue), not a pooled lease: with 64 callers,
// renting from and returning to the shared array pool on different threads cost more than the allocation.
internal sealed partial class RedisCacheLayer : IContinuedLayer
{
    public CacheLayerHit<T> Get<T>(string key)
    {
        var storageKey = StorageKey(key);
        using (Enter())
        {
            return Open<T>(key, storageKey, _database.StringGet(storageKey));
        }
    }

    public ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken) =>
        GetAsync<T, CacheLayerHit<T>, Unchanged<CacheLayerHit<T>>>(key, default, cancellationToken);

    // The reply is opened when it arrives and the caller's next step runs with it, in one pooled step (see
    // Continued); in a burst it joins a batch (see Batches); only a caller beyond MaxConnections takes an async
    // method, to wait for a slot.
    public ValueTask<TOut> GetAsync<T, TOut, TNext>(string key, in TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<CacheLayerHit<T>, TOut>
    {
        RedisKey storageKey;
        try
        {
            storageKey = StorageKey(key);
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (Exception error)
        {
            return Continued<CacheLayerHit<T>, TOut, TNext>.After(ValueTask.FromException<CacheLayerHit<T>>(error), in next);
        }

        if (TryJoinBatch(storageKey, out var batched))
            return Continued<RedisValue, TOut, Opening<T, TOut, TNext>>.After(batched, new Opening<T, TOut, TNext>(this, key, storageKey, next, ownsSlot: false));
        return TryTakeSlot() ? Fetch<T, TOut, TNext>(key, storageKey, in next) : GetAfterSlotAsync<T, TOut, TNext>(key, storageKey, next, cancellationToken);
    }

    // A caller beyond MaxConnections: its GET gets what the wait left of OperationTimeout.
    private async ValueTask<TOut> GetAfterSlotAsync<T, TOut, TNext>(string key, RedisKey storageKey, TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<CacheLayerHit<T>, TOut>
    {
        CacheLayerHit<T> hit;
        try
        {
            using var slot = await WaitForSlotAsync(cancellationToken).ConfigureAwait(false);
            hit = Open<T>(key, storageKey, await slot.Within(_database.StringGetAsync(storageKey)).ConfigureAwait(false));
        }
        catch (Exception error)
        {
            return next.Continue(ValueTask.FromException<CacheLayerHit<T>>(error));
        }

        return next.Continue(new ValueTask<CacheLayerHit<T>>(hit));
    }

    // With a slot taken: GET, then the envelope opened, the slot released, and the next step.
    private ValueTask<TOut> Fetch<T, TOut, TNext>(string key, RedisKey storageKey, in TNext next)
        where TNext : struct, IContinuation<CacheLayerHit<T>, TOut>
    {
        ValueTask<RedisValue> reply;
        try
        {
            reply = new ValueTask<RedisValue>(_database.StringGetAsync(storageKey));
        }
        catch (Exception error)
        {
            reply = ValueTask.FromException<RedisValue>(error);
        }

        return Continued<RedisValue, TOut, Opening<T, TOut, TNext>>.After(reply, new Opening<T, TOut, TNext>(this, key, storageKey, next, ownsSlot: true));
    }

    // A read sent alone releases its slot here; a batched read's slot is the batch's.
    private readonly struct Opening<T, TOut, TNext>(RedisCacheLayer layer, string key, RedisKey storageKey, TNext next, bool ownsSlot) : IContinuation<RedisValue, TOut>
        where TNext : struct, IContinuation<CacheLayerHit<T>, TOut>
    {
        public TOut Continue(ValueTask<RedisValue> completed)
        {
            CacheLayerHit<T> hit;
            try
            {
                hit = layer.Open<T>(key, storageKey, Completed.Outcome(completed));
            }
            catch (Exception error)
            {
                return next.Continue(ValueTask.FromException<CacheLayerHit<T>>(error));
            }
            finally
            {
                if (ownsSlot)
                    layer.ReleaseSlot();
            }

            return next.Continue(new ValueTask<CacheLayerHit<T>>(hit));
        }
    }

    // An entry that cannot be read back (another key's, a foreign or damaged value, a key it cannot decrypt)
    // is a miss, counted, and removed.
    private CacheLayerHit<T> Open<T>(string key, RedisKey storageKey, RedisValue stored)
    {
        if (stored.IsNull)
            return CacheLayerHit<T>.Miss;
        var opened = _codec.Open<T>(((ReadOnlyMemory<byte>)stored).Span, key, NowMs);
        if (opened.InvalidReason is not null)
        {
            _codec.Dropped(opened.InvalidReason);
            _database.KeyDelete(storageKey, CommandFlags.FireAndForget);
            return CacheLayerHit<T>.Miss;
        }

        return opened.Found ? new CacheLayerHit<T>(opened.Value, opened.ExpiresAt, opened.KeepUntil) : CacheLayerHit<T>.Miss;
    }
}

using System.Runtime.CompilerServices;
using Cachka.Internal;
using StackExchange.Redis;

namespace Cachka.Redis;

// Writes and deletes: SET with the remaining TTL as the key's expiry (tag memberships first, so an entry is never
// in Redis without them), DEL; each then tells the other processes through the backplane.
internal sealed partial class RedisCacheLayer
{
    public void Set<T>(string key, T value, DateTimeOffset expiresAt) => Set(key, value, expiresAt, expiresAt, []);

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        SetAsync(key, value, expiresAt, expiresAt, [], cancellationToken);

    public void Set<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string> tags) => Set(key, value, expiresAt, expiresAt, tags);

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string> tags, CancellationToken cancellationToken) =>
        SetAsync(key, value, expiresAt, expiresAt, tags, cancellationToken);

    // The Redis key expires at keepUntil (fail-safe keeps it past its TTL); the envelope says when its TTL ends.
    public void Set<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags)
    {
        tags ??= [];
        var write = Prepare(key, value, expiresAt, keepUntil);
        using (Enter())
        {
            if (write.Blob is null)
            {
                _database.KeyDelete(write.StorageKey);
            }
            else
            {
                foreach (var tag in tags)
                    _database.ScriptEvaluate(TagScripts.Add, [TagKey(tag)], write.TagArguments(key));
                _database.StringSet(write.StorageKey, write.Blob, write.Ttl);
            }
        }

        _backplane?.Publish(key);
    }

    // Pooled: awaited once, by the pipeline; a miss that reaches a remote layer allocates no state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        tags ??= [];
        var write = Prepare(key, value, expiresAt, keepUntil);
        cancellationToken.ThrowIfCancellationRequested();
        using (var slot = await EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            if (write.Blob is null || tags.Count == 0)
            {
                await slot.Within(Send(in write)).ConfigureAwait(false);
            }
            else
            {
                // One round trip: the memberships and the value pipelined in order.
                var batch = _database.CreateBatch();
                var sent = new Task[tags.Count + 1];
                for (var i = 0; i < tags.Count; i++)
                    sent[i] = batch.ScriptEvaluateAsync(TagScripts.Add, [TagKey(tags[i])], write.TagArguments(key));
                sent[tags.Count] = batch.StringSetAsync(write.StorageKey, write.Blob, write.Ttl);
                batch.Execute();
                await slot.Within(Task.WhenAll(sent)).ConfigureAwait(false);
            }
        }

        _backplane?.Publish(key);
    }

    // Without tags, the SET and the caller's next step run as one pooled step when Redis answers (see Continued): in a
    // burst the SET joins the writes being sent together (see Batches), otherwise it goes at once with a slot of its
    // own, or after a wait for one. With tags, the write above, then the next step.
    public ValueTask SetAsync<T, TNext>(string key, T value, in EntryTimes times, IReadOnlyList<string>? tags, in TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<bool, bool>
    {
        var keepUntil = times.IsKept ? times.KeepUntil : times.ExpiresAt;
        if (tags is { Count: > 0 })
            return SetThenAsync(key, value, times.ExpiresAt, keepUntil, tags, next, cancellationToken);
        PreparedWrite write;
        try
        {
            // Sent now or within a moment: the time left is counted from the instant the times came from.
            write = Prepare(key, value, times.ExpiresAt, keepUntil, times.Origin);
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (Exception error)
        {
            return Continued<bool, bool, Stored<TNext>>.AfterWithoutResult(ValueTask.FromException<bool>(error), new Stored<TNext>(this, key, SlotShare.None, null, next));
        }

        if (write.Blob is not null && TryJoinWrites(in write, out var batch, out var batched))
            return Continued<bool, bool, Stored<TNext>>.AfterWithoutResult(new ValueTask<bool>(batched), new Stored<TNext>(this, key, SlotShare.Batch, batch, next));
        if (!TryTakeSlot())
            return SendAfterSlotAsync(key, write, next, cancellationToken);
        ValueTask<bool> sent;
        try
        {
            sent = new ValueTask<bool>(Send(in write));
        }
        catch (Exception error)
        {
            sent = ValueTask.FromException<bool>(error);
        }

        return Continued<bool, bool, Stored<TNext>>.AfterWithoutResult(sent, new Stored<TNext>(this, key, SlotShare.Own, null, next));
    }

    private async ValueTask SetThenAsync<T, TNext>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags, TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<bool, bool>
    {
        ValueTask<bool> outcome;
        try
        {
            await SetAsync(key, value, expiresAt, keepUntil, tags, cancellationToken).ConfigureAwait(false);
            outcome = new ValueTask<bool>(true);
        }
        catch (Exception error)
        {
            outcome = ValueTask.FromException<bool>(error);
        }

        next.Continue(outcome);
    }

    // A write beyond MaxConnections: its SET gets what the wait left of OperationTimeout.
    private async ValueTask SendAfterSlotAsync<TNext>(string key, PreparedWrite write, TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<bool, bool>
    {
        ValueTask<bool> outcome;
        try
        {
            using (var slot = await WaitForSlotAsync(cancellationToken).ConfigureAwait(false))
                await slot.Within(Send(in write)).ConfigureAwait(false);
            _backplane?.Publish(key);
            outcome = new ValueTask<bool>(true);
        }
        catch (Exception error)
        {
            outcome = ValueTask.FromException<bool>(error);
        }

        next.Continue(outcome);
    }

    // What a write sent from the pooled step holds of MaxConnections: a slot of its own, a share of its batch's, or
    // nothing (it failed before it was sent).
    private enum SlotShare : byte
    {
        None,
        Own,
        Batch,
    }

    // The write's end: its slot (or its batch's share) released, the other processes told, then the next step.
    private readonly struct Stored<TNext>(RedisCacheLayer layer, string key, SlotShare share, WriteBatch? batch, TNext next) : IContinuation<bool, bool>
        where TNext : struct, IContinuation<bool, bool>
    {
        public bool Continue(ValueTask<bool> completed)
        {
            try
            {
                Completed.Outcome(completed);
            }
            catch (Exception error)
            {
                return next.Continue(ValueTask.FromException<bool>(error));
            }
            finally
            {
                if (share == SlotShare.Own)
                    layer.ReleaseSlot();
                else if (share == SlotShare.Batch)
                    batch!.Answered();
            }

            layer._backplane?.Publish(key);
            return next.Continue(new ValueTask<bool>(true));
        }
    }

    // A refused or expired value removes any older entry; any other is stored with its remaining TTL as Redis expiry.
    private Task<bool> Send(in PreparedWrite write) =>
        write.Blob is null ? _database.KeyDeleteAsync(write.StorageKey) : _database.StringSetAsync(write.StorageKey, write.Blob, write.Ttl);

    public bool Delete(string key)
    {
        var storageKey = StorageKey(key);
        bool removed;
        using (Enter())
            removed = _database.KeyDelete(storageKey);
        _backplane?.Publish(key);
        return removed;
    }

    // Pooled: awaited once, by the pipeline; a miss that reaches a remote layer allocates no state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var storageKey = StorageKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        bool removed;
        using (var slot = await EnterAsync(cancellationToken).ConfigureAwait(false))
            removed = await slot.Within(_database.KeyDeleteAsync(storageKey)).ConfigureAwait(false);
        _backplane?.Publish(key);
        return removed;
    }

    // A value that is refused, too large or already expired is not stored, and any older entry is removed
    // (it would be outdated): Blob is null then.
    // origin: the instant the expiry was computed from, a moment ago (default: unknown, read the clock).
    private PreparedWrite Prepare<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, DateTimeOffset origin = default)
    {
        var storageKey = StorageKey(key);
        var ttl = TimeToLive(keepUntil > expiresAt ? keepUntil : expiresAt, origin);
        var blob = ttl is null ? null : _codec.Seal(key, value, expiresAt, keepUntil);
        return new PreparedWrite(storageKey, blob, ttl ?? TimeSpan.Zero);
    }

    private readonly record struct PreparedWrite(RedisKey StorageKey, byte[]? Blob, TimeSpan Ttl)
    {
        public RedisValue[] TagArguments(string key) => [key, (long)Math.Ceiling(Ttl.TotalMilliseconds)];
    }
}

using System.Runtime.CompilerServices;
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
        using (await EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            if (write.Blob is null)
            {
                await _database.KeyDeleteAsync(write.StorageKey).ConfigureAwait(false);
            }
            else if (tags.Count == 0)
            {
                await _database.StringSetAsync(write.StorageKey, write.Blob, write.Ttl).ConfigureAwait(false);
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
                await Task.WhenAll(sent).ConfigureAwait(false);
            }
        }

        _backplane?.Publish(key);
    }

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
        using (await EnterAsync(cancellationToken).ConfigureAwait(false))
            removed = await _database.KeyDeleteAsync(storageKey).ConfigureAwait(false);
        _backplane?.Publish(key);
        return removed;
    }

    // A value that is refused, too large or already expired is not stored, and any older entry is removed
    // (it would be outdated): Blob is null then.
    private PreparedWrite Prepare<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil)
    {
        var storageKey = StorageKey(key);
        var ttl = TimeToLive(keepUntil > expiresAt ? keepUntil : expiresAt);
        var blob = ttl is null ? null : _codec.Seal(key, value, expiresAt, keepUntil);
        return new PreparedWrite(storageKey, blob, ttl ?? TimeSpan.Zero);
    }

    private readonly record struct PreparedWrite(RedisKey StorageKey, byte[]? Blob, TimeSpan Ttl)
    {
        public RedisValue[] TagArguments(string key) => [key, (long)Math.Ceiling(Ttl.TotalMilliseconds)];
    }
}

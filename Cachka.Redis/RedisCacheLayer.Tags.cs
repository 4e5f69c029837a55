using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Cachka.Redis;

// Tags: a Redis set per tag (under the auxiliary prefix) holding the cache keys written with it, so an
// invalidation finds entries written by any process. A set's expiry follows the longest-lived entry added
// to it. Taking a tag reads and removes its set in one script (one key: valid in a cluster); the entries,
// which may live on other slots, are then deleted one slot at a time.
internal sealed partial class RedisCacheLayer
{
    public IReadOnlyCollection<string> InvalidateTag(string tag)
    {
        string[] keys;
        using (Enter())
        {
            keys = Members(_database.ScriptEvaluate(TagScripts.Take, [TagKey(tag)]));
            foreach (var group in BySlot(keys))
                _database.KeyDelete(group);
        }

        _backplane?.Publish(keys);
        return keys;
    }

    // Pooled: awaited once, by the pipeline; a miss that reaches a remote layer allocates no state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<IReadOnlyCollection<string>> InvalidateTagAsync(string tag, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string[] keys;
        using (var slot = await EnterAsync(cancellationToken).ConfigureAwait(false))
        {
            keys = Members(await slot.Within(_database.ScriptEvaluateAsync(TagScripts.Take, [TagKey(tag)])).ConfigureAwait(false));
            var deletes = new List<Task>();
            foreach (var group in BySlot(keys))
                deletes.Add(_database.KeyDeleteAsync(group));
            await slot.Within(Task.WhenAll(deletes)).ConfigureAwait(false);
        }

        _backplane?.Publish(keys);
        return keys;
    }

    private static string[] Members(RedisResult result)
    {
        var members = (RedisValue[]?)result ?? [];
        var keys = new string[members.Length];
        for (var i = 0; i < members.Length; i++)
            keys[i] = members[i]!;
        return keys;
    }

    // A multi-key DEL must stay within one hash slot in a cluster; elsewhere every key goes in one command.
    private IEnumerable<RedisKey[]> BySlot(string[] keys)
    {
        if (keys.Length == 0)
            yield break;
        var storageKeys = Array.ConvertAll(keys, StorageKey);
        if (!IsCluster)
        {
            yield return storageKeys;
            yield break;
        }

        foreach (var group in storageKeys.GroupBy(_connection.HashSlot))
            yield return [.. group];
    }

    private bool IsCluster => _connection.GetServers().Any(static server => server.ServerType == ServerType.Cluster);
}

internal static class TagScripts
{
    /// <summary>Adds ARGV[1] to the set KEYS[1] and extends the set's expiry to at least ARGV[2] ms.</summary>
    public const string Add = """
        redis.call('SADD', KEYS[1], ARGV[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 1
        """;

    /// <summary>Returns the members of the set KEYS[1] and removes it, atomically.</summary>
    public const string Take = """
        local members = redis.call('SMEMBERS', KEYS[1])
        redis.call('DEL', KEYS[1])
        return members
        """;
}

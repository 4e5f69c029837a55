using Cachka.Redis;
using StackExchange.Redis;

namespace Cachka.Tests.Redis;

/// <summary>The layer and the backplane against a local 3-master Redis Cluster: keys and tags spread over every master.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisClusterTests
{
    private RedisCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartCluster() => _cluster = await RedisCluster.StartAsync();

    [OneTimeTearDown]
    public async Task StopCluster() => await _cluster.DisposeAsync();

    private LayeredCache Node(string name, string prefix, bool memory = true) => (LayeredCache)new CacheConfig
    {
        Name = name,
        Layers = memory ? [new MemoryCacheConfig(), _cluster.Layer(prefix)] : [_cluster.Layer(prefix)],
        VacuumInterval = null,
        CleanupOnStart = false,
    }.CreateCache();

    [Test]
    public async Task Values_written_on_every_master_read_back_sync_and_async()
    {
        await using var writer = Node("w", "rw:", memory: false);
        await using var reader = Node("r", "rw:", memory: false);
        for (var i = 0; i < 60; i++)
        {
            if (i % 2 == 0)
                writer.Set("item:" + i, i, TimeSpan.FromMinutes(5));
            else
                await writer.SetAsync("item:" + i, i, TimeSpan.FromMinutes(5));
        }

        for (var i = 0; i < 60; i++)
            Assert.That(i % 2 == 0 ? reader.Get<int>("item:" + i) : await reader.GetAsync<int>("item:" + i), Is.EqualTo(i));

        // The keys really are spread over the masters.
        var redis = (RedisCacheLayer)writer.Layers[0];
        var slots = Enumerable.Range(0, 60).Select(i => redis.Connection.HashSlot("rw:item:" + i)).ToList();
        var masters = slots.Select(slot => redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]).ClusterConfiguration!.GetBySlot(slot)!.EndPoint).Distinct().Count();
        Assert.That(masters, Is.EqualTo(3));
    }

    [Test]
    public async Task A_burst_of_reads_over_every_master_gets_each_callers_own_value_and_batches_only_keys_of_one_slot()
    {
        await using var cache = Node("b", "burst:", memory: false);
        var layer = (RedisCacheLayer)cache.Layers[0];
        // Keys spread over the masters, and keys that share a hash tag (one slot).
        var keys = Enumerable.Range(0, 60).Select(i => "item:" + i).Concat(Enumerable.Range(0, 40).Select(i => "{team}:" + i)).ToList();
        for (var i = 0; i < keys.Count; i++)
            cache.Set(keys[i], i, TimeSpan.FromMinutes(5));

        var held = RedisBatchTests.HoldUntilReadsBatch(layer);
        var results = await Task.WhenAll(keys.Select(key => cache.TryGetAsync<int>(key).AsTask()));
        held.ForEach(slot => slot.Dispose());

        // An MGET across slots would fail in a cluster: every caller then would miss.
        Assert.That(results.Select(r => r.Value), Is.EqualTo(Enumerable.Range(0, keys.Count)));
        Assert.That(layer.BatchedReads.Reads, Is.GreaterThan(1));
    }

    [Test]
    public async Task A_tag_whose_entries_live_on_different_slots_is_invalidated_everywhere([Values] bool async)
    {
        await using var writer = Node("w", async ? "ta:" : "ts:", memory: false);
        await using var other = Node("o", async ? "ta:" : "ts:", memory: false);
        for (var i = 0; i < 30; i++)
            writer.Set("member:" + i, i, new CacheEntryOptions(TimeSpan.FromMinutes(5), ["team"]));
        writer.Set("outsider", -1, TimeSpan.FromMinutes(5));

        if (async)
            await other.InvalidateTagAsync("team");
        else
            other.InvalidateTag("team");

        for (var i = 0; i < 30; i++)
            Assert.That(writer.TryGet<int>("member:" + i).HasValue, Is.False, "member:" + i);
        Assert.That(writer.Get<int>("outsider"), Is.EqualTo(-1));
    }

    [Test]
    public async Task The_backplane_works_across_the_cluster()
    {
        await using var a = Node("a", "bp:");
        await using var b = Node("b", "bp:");
        a.Set("k", "v1", TimeSpan.FromMinutes(5));
        await RedisLayerTests.WaitUntil(() => ((RedisCacheLayer)b.Layers[1]).Backplane!.Received >= 1, seconds: 10);
        Assert.That(b.Get<string>("k"), Is.EqualTo("v1"));
        a.Delete("k");
        await RedisLayerTests.WaitUntil(() => !b.TryGet<string>("k").HasValue, seconds: 10);
    }
}

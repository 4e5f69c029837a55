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
        // Keys that share a hash tag (one slot: each joins the batch forming, or starts one), then keys spread over the
        // masters (a key of another slot than the batch forming goes alone).
        var keys = Enumerable.Range(0, 40).Select(i => "{team}:" + i).Concat(Enumerable.Range(0, 60).Select(i => "item:" + i)).ToList();
        for (var i = 0; i < keys.Count; i++)
            cache.Set(keys[i], i, TimeSpan.FromMinutes(5));

        var held = RedisBatchTests.HoldUntilReadsBatch(layer);
        var results = await Task.WhenAll(keys.Select(key => cache.TryGetAsync<int>(key).AsTask()));
        held.ForEach(slot => slot.Dispose());

        // An MGET across slots would fail in a cluster: every caller then would miss.
        Assert.That(results.Select(r => r.Value), Is.EqualTo(Enumerable.Range(0, keys.Count)), string.Join("\n", cache.GetMetricsText().Split('\n').Where(l => l.Contains("error"))));
        Assert.That(layer.BatchedReads.Reads, Is.GreaterThanOrEqualTo(40), "the keys of one slot went in batches");
    }

    [Test]
    public async Task A_burst_of_writes_over_every_master_stores_each_callers_own_value()
    {
        await using var cache = Node("b", "wburst:", memory: false);
        var layer = (RedisCacheLayer)cache.Layers[0];
        // Keys spread over the masters in one batch: each SET goes to its own key's master.
        var keys = Enumerable.Range(0, 100).Select(i => "item:" + i).ToList();

        var held = RedisBatchTests.HoldUntilReadsBatch(layer);
        await Task.WhenAll(keys.Select((key, i) => cache.SetAsync(key, i, TimeSpan.FromMinutes(5)).AsTask()));
        held.ForEach(slot => slot.Dispose());

        Assert.That(layer.BatchedWrites.Writes, Is.EqualTo(keys.Count), "every write went in a batch");
        for (var i = 0; i < keys.Count; i++)
            Assert.That(await cache.GetAsync<int>(keys[i]), Is.EqualTo(i), keys[i] + "\n" + cache.GetMetricsText());
    }

    [Test]
    public async Task A_batch_whose_keys_span_slots_of_a_cluster_not_yet_seen_as_one_is_read_again_key_by_key()
    {
        // Two hash tags whose slots differ but live on the same master.
        using var writer = Node("w", "blind:", memory: false);
        var redis = ((RedisCacheLayer)writer.Layers[0]).Connection;
        var layout = redis.GetServer(redis.GetEndPoints()[0]).ClusterConfiguration!;
        var owner = (System.Net.IPEndPoint)layout.GetBySlot(redis.HashSlot("blind:{team}"))!.EndPoint!;
        var other = Enumerable.Range(0, 1000).Select(i => "{x" + i + "}")
            .First(tag => redis.HashSlot("blind:" + tag) != redis.HashSlot("blind:{team}") && owner.Equals(layout.GetBySlot(redis.HashSlot("blind:" + tag))!.EndPoint));
        var keys = Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? "{team}:" : other + ":") + i).ToList();
        for (var i = 0; i < keys.Count; i++)
            writer.Set(keys[i], i, TimeSpan.FromMinutes(5));

        // Without the CLUSTER command StackExchange.Redis cannot learn the layout and places no key in a slot, as just
        // after it connects: a batch then mixes slots, and Redis refuses its MGET (CROSSSLOT).
        var options = ConfigurationOptions.Parse($"127.0.0.1:{owner.Port}");
        options.CommandMap = CommandMap.Create(["CLUSTER"], available: false);
        await using var blind = await ConnectionMultiplexer.ConnectAsync(options);
        await using var cache = (LayeredCache)new CacheConfig
        {
            Layers = [_cluster.Layer("blind:") with { Connection = blind, EnableBackplane = false }],
            VacuumInterval = null,
            CleanupOnStart = false,
        }.CreateCache();
        var layer = (RedisCacheLayer)cache.Layers[0];
        Assume.That(blind.HashSlot("blind:{team}:0"), Is.LessThan(0), "the connection places no key in a slot");

        var held = RedisBatchTests.HoldUntilReadsBatch(layer);
        var results = await Task.WhenAll(keys.Select(key => cache.TryGetAsync<int>(key).AsTask()));
        held.ForEach(slot => slot.Dispose());

        Assert.That(results.Select(r => r.Value), Is.EqualTo(Enumerable.Range(0, keys.Count)), "each read of the refused batch was read again alone\n" + cache.GetMetricsText());
        Assert.That(layer.BatchedReads.Reads, Is.GreaterThan(1), "the reads went in a batch first");
        Assert.That(cache.GetMetricsText(), Does.Not.Contain("RedisServerException"), "a refused batch is no caller's failure");
        await RedisLayerTests.WaitUntil(() => layer.InFlight == 0);

        // Known to span slots now: the next burst goes key by key, and still reads every value.
        held = RedisBatchTests.HoldUntilReadsBatch(layer);
        var again = await Task.WhenAll(keys.Select(key => cache.TryGetAsync<int>(key).AsTask()));
        held.ForEach(slot => slot.Dispose());
        Assert.That(again.Select(r => r.Value), Is.EqualTo(Enumerable.Range(0, keys.Count)));
        Assert.That(layer.BatchedReads.Reads, Is.EqualTo(results.Length), "no key without a slot is batched any more");
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

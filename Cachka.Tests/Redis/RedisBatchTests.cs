using Cachka.Encryption;
using Cachka.Redis;

namespace Cachka.Tests.Redis;

/// <summary>
/// Reads in a burst go to Redis as MGETs (<see cref="RedisCacheLayer.BatchFrom"/> commands in flight and more): each
/// caller still gets exactly its own key's value, or a miss where its own GET would have missed. Writes in a burst go
/// as their SETs sent together: each still stores its own value with its own expiry, and gets its own outcome.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisBatchTests : RedisServerFixture
{
    private LayeredCache RedisOnly(bool encrypted = false, int maxConnections = 50) => (LayeredCache)new CacheConfig
    {
        Layers = [Server.Layer(prefix: "batch:", backplane: false) with { EnableEncryption = encrypted, EncryptionKey = encrypted ? CacheEncryptionKey.Generate() : null, MaxConnections = maxConnections }],
        VacuumInterval = null,
        CleanupOnStart = false,
    }.CreateCache();

    // Commands held in flight so that every read of the burst joins a batch.
    internal static List<IDisposable> HoldUntilReadsBatch(RedisCacheLayer layer) =>
        Enumerable.Range(0, RedisCacheLayer.BatchFrom).Select(_ => layer.HoldSlot()).ToList();

    [Test]
    public async Task Each_caller_in_a_burst_gets_its_own_keys_value_and_a_miss_where_its_entry_is_absent_or_damaged([Values] bool encrypted)
    {
        // A slot for every batch even if each read went in a batch of its own (see the write burst below).
        const int Keys = 150;
        await using var cache = RedisOnly(encrypted, maxConnections: Keys + 3 + RedisCacheLayer.BatchFrom);
        var layer = (RedisCacheLayer)cache.Layers[0];
        for (var i = 0; i < Keys; i++)
        {
            if (i % 10 != 3)
                await cache.SetAsync("k" + i, "value-" + i, TimeSpan.FromMinutes(10));
        }

        // k9 holds bytes that are no envelope at all; encrypted, k7 holds k8's entry (bound to k8 by its tag).
        await Db.StringSetAsync("batch:k9", "not an envelope");
        if (encrypted)
            await Db.StringSetAsync("batch:k7", await Db.StringGetAsync("batch:k8"));
        string? Expected(int i) => i % 10 == 3 || i == 9 || (encrypted && i == 7) ? null : "value-" + i;

        var held = HoldUntilReadsBatch(layer);
        // The same key asked twice in one burst, and keys in an order unlike the one they were written in.
        var order = Enumerable.Range(0, Keys).Reverse().Concat([8, 8, 7]).ToList();
        var reads = order.Select(i => cache.TryGetAsync<string>("k" + i).AsTask()).ToList();
        var results = await Task.WhenAll(reads);
        held.ForEach(slot => slot.Dispose());

        for (var n = 0; n < order.Count; n++)
        {
            var expected = Expected(order[n]);
            Assert.That(results[n].HasValue, Is.EqualTo(expected is not null), "k" + order[n]);
            Assert.That(results[n].Value, Is.EqualTo(expected), "k" + order[n]);
        }

        var (batchedReads, batches) = layer.BatchedReads;
        Assert.That(batchedReads, Is.EqualTo(order.Count), "every read of the burst went in a batch");
        Assert.That(batches, Is.InRange((order.Count + RedisCacheLayer.MaxBatch - 1) / RedisCacheLayer.MaxBatch, order.Count - 1));
        await RedisLayerTests.WaitUntil(async () => !await Db.KeyExistsAsync("batch:k9") && !(encrypted && await Db.KeyExistsAsync("batch:k7")));
        await RedisLayerTests.WaitUntil(() => layer.InFlight == 0);
        Assert.That(cache.GetMetricsText(), Does.Contain("envelope_invalid"));
        if (encrypted)
            Assert.That(cache.GetMetricsText(), Does.Contain("decrypt_failed"), "another key's entry does not open");
    }

    [Test]
    public async Task A_read_alone_or_beside_few_others_goes_at_once_without_a_batch()
    {
        await using var cache = RedisOnly();
        var layer = (RedisCacheLayer)cache.Layers[0];
        cache.Set("k", "v", TimeSpan.FromMinutes(1));

        for (var i = 0; i < 20; i++)
            Assert.That(await cache.GetAsync<string>("k"), Is.EqualTo("v"));
        var few = await Task.WhenAll(Enumerable.Range(0, RedisCacheLayer.BatchFrom).Select(_ => cache.GetAsync<string>("k").AsTask()));

        Assert.That(few, Has.All.EqualTo("v"));
        Assert.That(layer.BatchedReads, Is.EqualTo((0L, 0L)));
    }

    [Test]
    public async Task Reads_beyond_a_full_batch_start_the_next_one()
    {
        await using var cache = RedisOnly();
        var layer = (RedisCacheLayer)cache.Layers[0];
        for (var i = 0; i < 3 * RedisCacheLayer.MaxBatch; i++)
            await cache.SetAsync("n" + i, i, TimeSpan.FromMinutes(1));

        var held = HoldUntilReadsBatch(layer);
        var results = await Task.WhenAll(Enumerable.Range(0, 3 * RedisCacheLayer.MaxBatch).Select(i => cache.GetAsync<int>("n" + i).AsTask()));
        held.ForEach(slot => slot.Dispose());

        Assert.That(results, Is.EqualTo(Enumerable.Range(0, 3 * RedisCacheLayer.MaxBatch)));
        Assert.That(layer.BatchedReads.Batches, Is.GreaterThanOrEqualTo(3), "no MGET asks for more than MaxBatch keys");
    }

    [Test]
    public async Task Each_write_in_a_burst_stores_its_own_value_with_its_own_expiry([Values] bool encrypted)
    {
        // A slot for every batch even if each write went in a batch of its own (under load, batches go out before
        // they fill and wait long for replies; with the slots all taken a write waits in line and goes alone). Only
        // async calls here: more slots reserve no threads.
        const int Writes = 150;
        await using var cache = RedisOnly(encrypted, maxConnections: Writes + RedisCacheLayer.BatchFrom);
        var layer = (RedisCacheLayer)cache.Layers[0];

        var held = HoldUntilReadsBatch(layer);
        // Each key its own TTL; values of several types; no two writes of one key (overlapping writes of one key have no order).
        var writes = Enumerable.Range(0, Writes)
            .Select(i => (i % 3 == 0 ? cache.SetAsync("w" + i, i, TimeSpan.FromSeconds(600 + (7 * i))) : cache.SetAsync("w" + i, "value-" + i, TimeSpan.FromSeconds(600 + (7 * i)))).AsTask())
            .ToList();
        await Task.WhenAll(writes);
        held.ForEach(slot => slot.Dispose());

        var (batchedWrites, batches) = layer.BatchedWrites;
        Assert.That(batchedWrites, Is.EqualTo(Writes), "every write of the burst went in a batch");
        Assert.That(batches, Is.InRange((Writes + RedisCacheLayer.MaxBatch - 1) / RedisCacheLayer.MaxBatch, Writes - 1), "no batch holds more than MaxBatch writes");
        await RedisLayerTests.WaitUntil(() => layer.InFlight == 0);

        // Read back from Redis (the cache has no memory layer), with Redis's own expiry.
        for (var i = 0; i < Writes; i++)
        {
            if (i % 3 == 0)
                Assert.That(await cache.GetAsync<int>("w" + i), Is.EqualTo(i));
            else
                Assert.That(await cache.GetAsync<string>("w" + i), Is.EqualTo("value-" + i));
            var ttl = await Db.KeyTimeToLiveAsync("batch:w" + i);
            Assert.That(ttl, Is.Not.Null, "w" + i);
            Assert.That(ttl!.Value.TotalSeconds, Is.InRange(600 + (7 * i) - 60, 600 + (7 * i)), "w" + i + ": its own TTL as Redis expiry");
        }
    }

    [Test]
    public async Task A_write_alone_or_beside_few_others_goes_at_once_without_a_batch()
    {
        await using var cache = RedisOnly();
        var layer = (RedisCacheLayer)cache.Layers[0];

        for (var i = 0; i < 20; i++)
            await cache.SetAsync("k" + i, i, TimeSpan.FromMinutes(1));
        await Task.WhenAll(Enumerable.Range(0, RedisCacheLayer.BatchFrom).Select(i => cache.SetAsync("few" + i, i, TimeSpan.FromMinutes(1)).AsTask()));

        Assert.That(layer.BatchedWrites, Is.EqualTo((0L, 0L)));
        Assert.That(await cache.GetAsync<int>("few3"), Is.EqualTo(3));
    }

    [Test]
    public async Task A_burst_of_writes_beyond_MaxConnections_stores_every_write_through_batches_and_the_slot_line()
    {
        // One slot left beside those held: the batch forming takes it; writes that come once it has gone wait in line.
        await using var cache = (LayeredCache)new CacheConfig
        {
            Layers = [Server.Layer(prefix: "batch:", backplane: false) with { MaxConnections = RedisCacheLayer.BatchFrom + 1 }],
            VacuumInterval = null,
            CleanupOnStart = false,
        }.CreateCache();
        var layer = (RedisCacheLayer)cache.Layers[0];

        var held = HoldUntilReadsBatch(layer);
        var writes = Enumerable.Range(0, 100).Select(i => cache.SetAsync("slot" + i, i, TimeSpan.FromMinutes(1)).AsTask()).ToList();
        Assert.That(layer.InFlight, Is.LessThanOrEqualTo(RedisCacheLayer.BatchFrom + 1), "a batch holds one slot");
        await Task.WhenAll(writes);
        held.ForEach(slot => slot.Dispose());

        Assert.That(layer.BatchedWrites.Writes, Is.GreaterThanOrEqualTo(1));
        await RedisLayerTests.WaitUntil(() => layer.InFlight == 0 && layer.SlotWaiters == 0);
        for (var i = 0; i < 100; i++)
            Assert.That(await cache.GetAsync<int>("slot" + i), Is.EqualTo(i), "slot" + i);
        Assert.That(cache.GetMetricsText(), Does.Not.Contain("error_type="), "no write failed");
    }

    [Test]
    public async Task Batched_writes_that_cannot_reach_Redis_fail_no_caller_and_never_leave_their_older_value_to_be_served()
    {
        await using var cache = RedisOnly();
        var layer = (RedisCacheLayer)cache.Layers[0];
        for (var i = 0; i < 40; i++)
            await cache.SetAsync("old" + i, "before", TimeSpan.FromMinutes(10));

        Server.Freeze();
        try
        {
            var held = HoldUntilReadsBatch(layer);
            var writes = Enumerable.Range(0, 40).Select(i => cache.SetAsync("old" + i, "after", TimeSpan.FromMinutes(10)).AsTask()).ToList();
            await Task.WhenAll(writes); // no caller sees the layer's failure
            held.ForEach(slot => slot.Dispose());
            Assert.That(layer.BatchedWrites.Writes, Is.EqualTo(40), "the writes went in batches");
        }
        finally
        {
            Server.Thaw();
        }

        await RedisLayerTests.WaitUntil(() => layer.InFlight == 0);
        // Redis may have kept "before" (the SETs timed out unsent) or taken "after" (answered too late): either way the
        // pipeline marked the keys missed, so Redis never serves "before" as if it were current.
        for (var i = 0; i < 40; i++)
            Assert.That(await cache.TryGetAsync<string>("old" + i), Is.Not.EqualTo(new CacheResult<string>(true, "before")), "old" + i);
    }
}

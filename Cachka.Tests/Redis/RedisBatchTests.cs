using Cachka.Encryption;
using Cachka.Redis;

namespace Cachka.Tests.Redis;

/// <summary>
/// Reads in a burst go to Redis as MGETs (<see cref="RedisCacheLayer.BatchFrom"/> commands in flight and more): each
/// caller still gets exactly its own key's value, or a miss where its own GET would have missed.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisBatchTests : RedisServerFixture
{
    private LayeredCache RedisOnly(bool encrypted = false) => (LayeredCache)new CacheConfig
    {
        Layers = [Server.Layer(prefix: "batch:", backplane: false) with { EnableEncryption = encrypted, EncryptionKey = encrypted ? CacheEncryptionKey.Generate() : null }],
        VacuumInterval = null,
        CleanupOnStart = false,
    }.CreateCache();

    // Commands held in flight so that every read of the burst joins a batch.
    internal static List<IDisposable> HoldUntilReadsBatch(RedisCacheLayer layer) =>
        Enumerable.Range(0, RedisCacheLayer.BatchFrom).Select(_ => layer.HoldSlot()).ToList();

    [Test]
    public async Task Each_caller_in_a_burst_gets_its_own_keys_value_and_a_miss_where_its_entry_is_absent_or_damaged([Values] bool encrypted)
    {
        await using var cache = RedisOnly(encrypted);
        var layer = (RedisCacheLayer)cache.Layers[0];
        const int Keys = 150;
        for (var i = 0; i < Keys; i++)
        {
            if (i % 10 != 3)
                cache.Set("k" + i, "value-" + i, TimeSpan.FromMinutes(10));
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
}

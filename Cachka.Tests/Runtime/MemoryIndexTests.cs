using Cachka.Internal;
using Cachka.Layers.Memory;

namespace Cachka.Tests.Runtime;

/// <summary>
/// The memory layer's index (EntryIndex): entries are their own chain nodes, read without a lock while writers add,
/// replace and remove them and the table grows. The adversarial side: a key that is always present is never missed
/// and never answered with another key's entry, whatever runs beside the reader.
/// </summary>
public class MemoryIndexTests
{
    [TestCase(1)]
    [TestCase(3)]
    [TestCase(8)]
    public void Every_entry_is_found_after_the_table_grows_and_the_bound_still_holds(int shards)
    {
        const int maxSize = 40_000;
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = maxSize, Shards = shards }.Settings, TestCaches.Clock());
        var initial = layer.Index.BucketCount;
        for (var i = 0; i < maxSize; i++)
            layer.Set($"key-{i}", i, DateTimeOffset.MaxValue);

        Assert.That(layer.Index.BucketCount, Is.GreaterThanOrEqualTo(maxSize).And.GreaterThan(initial), "the table grew to a bucket per entry");
        // Each shard holds its exact share of MaxSize, so with several shards one may evict before the layer is full.
        Assert.That(FoundOf(layer, maxSize), Is.EqualTo(layer.Count), "every entry the layer counts is found");

        for (var i = maxSize; i < 3 * maxSize; i++)
            layer.Set($"key-{i}", i, DateTimeOffset.MaxValue);
        Assert.That(layer.Count, Is.EqualTo(maxSize), "a full layer holds exactly MaxSize");
        Assert.That(FoundOf(layer, 3 * maxSize), Is.EqualTo(maxSize), "every entry the layer counts is found");
    }

    // How many of key-0 .. key-(n-1) the layer finds, each with its own value.
    private static int FoundOf(MemoryCacheLayer layer, int n)
    {
        var found = 0;
        for (var i = 0; i < n; i++)
        {
            var hit = layer.Get<int>($"key-{i}");
            if (hit.Found)
            {
                Assert.That(hit.Value, Is.EqualTo(i), $"key-{i}");
                found++;
            }
        }

        return found;
    }

    [Test]
    public void Deleting_and_replacing_inside_a_chain_keeps_the_rest_of_it()
    {
        // 5,000 keys in 8,192 buckets: about a thousand buckets hold chains of two or more.
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = 5_000, Shards = 1 }.Settings, TestCaches.Clock());
        for (var i = 0; i < 5_000; i++)
            layer.Set($"key-{i}", i, DateTimeOffset.MaxValue);
        for (var i = 0; i < 5_000; i += 3)
            Assert.That(layer.Delete($"key-{i}"), Is.True);
        for (var i = 1; i < 5_000; i += 3)
            layer.Set($"key-{i}", -i, DateTimeOffset.MaxValue);

        for (var i = 0; i < 5_000; i++)
        {
            var hit = layer.Get<int>($"key-{i}");
            switch (i % 3)
            {
                case 0:
                    Assert.That(hit.Found, Is.False, $"key-{i} was deleted");
                    break;
                case 1:
                    Assert.That(hit.Value, Is.EqualTo(-i), $"key-{i} was replaced");
                    break;
                default:
                    Assert.That(hit.Value, Is.EqualTo(i), $"key-{i} was left alone");
                    break;
            }
        }

        Assert.That(layer.Count, Is.EqualTo(5_000 - 1_667));
    }

    [TestCase(1)]
    [TestCase(3)]
    public void A_key_that_is_always_present_is_never_missed_while_others_come_and_go_and_the_table_grows(int shards)
    {
        const int stable = 64;
        const int churn = 120_000;
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = 150_000, Shards = shards }.Settings, TestCaches.Clock());
        var expiry = DateTimeOffset.MaxValue;
        for (var i = 0; i < stable; i++)
            layer.Set($"stable-{i}", $"stable-{i}#0", expiry);

        using var stop = new CancellationTokenSource();
        long missed = 0, wrong = 0, reads = 0;
        var readers = Enumerable.Range(0, 2).Select(r => new Thread(() =>
        {
            var i = r;
            while (!stop.IsCancellationRequested)
            {
                var key = $"stable-{i++ % stable}";
                var entry = layer.Find(key, countMiss: false);
                if (entry is null)
                    Interlocked.Increment(ref missed);
                else if (entry.Value is not string value || !value.StartsWith(key + "#", StringComparison.Ordinal))
                    Interlocked.Increment(ref wrong);
                Interlocked.Increment(ref reads);
            }
        })).ToList();

        // Writers: new keys (growing the table several times over), deletes of half of them, and overwrites of the
        // stable keys (replaced in place, never removed).
        var writers = Enumerable.Range(0, 2).Select(w => new Thread(() =>
        {
            for (var i = w; i < churn; i += 2)
            {
                layer.Set($"churn-{i}", i, expiry);
                if (i % 4 == 0)
                    layer.Delete($"churn-{i / 2}");
                if (i % 16 == 0)
                    layer.Set($"stable-{i % stable}", $"stable-{i % stable}#{i}", expiry);
            }
        })).ToList();

        readers.ForEach(t => t.Start());
        writers.ForEach(t => t.Start());
        writers.ForEach(t => t.Join());
        stop.Cancel();
        readers.ForEach(t => t.Join());

        Assert.That(layer.Index.BucketCount, Is.GreaterThanOrEqualTo(65_536), "the table grew while the readers ran");
        Assert.That((missed, wrong), Is.EqualTo((0L, 0L)), $"after {reads} reads");
        for (var i = 0; i < stable; i++)
            Assert.That(layer.Get<string>($"stable-{i}").Value, Does.StartWith($"stable-{i}#"));
    }

    [TestCase("user:{0}")]
    [TestCase("UserService.GetUser:{0}")]
    [TestCase("{0}:a common suffix longer than one sixteen-byte block")]
    [TestCase("tenant-7/region-eu/orders/2026-12-04/{0}/items")]
    public void The_key_hash_spreads_keys_that_differ_anywhere_over_the_buckets(string format)
    {
        const int keys = 65_536;
        var buckets = new int[keys];
        var hashes = new HashSet<int>();
        for (var i = 0; i < keys; i++)
        {
            var hash = KeyHash.Of(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, i));
            hashes.Add(hash);
            buckets[hash & (keys - 1)]++;
        }

        // As many keys as buckets: a random spread fills no bucket with more than about 9 (12 or more: p < 1e-4).
        Assert.That(buckets.Max(), Is.LessThan(12), "the longest chain");
        Assert.That(hashes, Has.Count.GreaterThan(keys - 8), "distinct 32-bit hashes");
    }
}

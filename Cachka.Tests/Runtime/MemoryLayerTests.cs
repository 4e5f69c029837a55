using Cachka.Internal;

namespace Cachka.Tests.Runtime;

public class MemoryLayerTests
{
    [Test]
    public void An_entry_lives_until_its_ttl_and_not_a_tick_longer()
    {
        var clock = TestCaches.Clock();
        using var cache = TestCaches.Memory(clock);
        cache.Set("k", "v", TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        Assert.That(cache.Get<string>("k"), Is.EqualTo("v"));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(cache.TryGet<string>("k").HasValue, Is.False);
    }

    [Test]
    public void The_per_call_ttl_is_capped_by_the_memory_ttl()
    {
        var clock = TestCaches.Clock();
        using var cache = TestCaches.Memory(clock, memoryTtl: TimeSpan.FromSeconds(30));
        cache.Set("k", 1, TimeSpan.FromHours(1));

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.That(cache.TryGet<int>("k").HasValue, Is.False);
    }

    [Test]
    public void A_short_per_call_ttl_wins_over_the_memory_ttl()
    {
        var clock = TestCaches.Clock();
        using var cache = TestCaches.Memory(clock, memoryTtl: TimeSpan.FromMinutes(5));
        cache.Set("k", 1, TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(cache.TryGet<int>("k").HasValue, Is.False);
    }

    // A miss stores its value with the TTL counted from the store, in the memory layer's own clock (no instants
    // converted): each way in, string or typed key, sync or async.
    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    public async Task A_filled_entry_lives_until_its_ttl_and_not_a_tick_longer(bool typed, bool async)
    {
        var clock = TestCaches.Clock();
        using var cache = TestCaches.Memory(clock);
        var calls = 0;

        await Fill(cache, typed, async, TimeSpan.FromSeconds(10), () => ++calls);
        clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        await Fill(cache, typed, async, TimeSpan.FromSeconds(10), () => ++calls);
        Assert.That(calls, Is.EqualTo(1), "the entry is still fresh");

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Fill(cache, typed, async, TimeSpan.FromSeconds(10), () => ++calls);
        Assert.That(calls, Is.EqualTo(2), "the entry's TTL is over");
    }

    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    public async Task A_fills_ttl_is_capped_by_the_memory_ttl(bool typed, bool async)
    {
        var clock = TestCaches.Clock();
        using var cache = TestCaches.Memory(clock, memoryTtl: TimeSpan.FromSeconds(30));
        var calls = 0;

        await Fill(cache, typed, async, TimeSpan.FromHours(1), () => ++calls);
        clock.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(1));
        await Fill(cache, typed, async, TimeSpan.FromHours(1), () => ++calls);
        Assert.That(calls, Is.EqualTo(1));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Fill(cache, typed, async, TimeSpan.FromHours(1), () => ++calls);
        Assert.That(calls, Is.EqualTo(2), "the memory layer's TTL caps the call's");
    }

    private static async Task<int> Fill(LayeredCache cache, bool typed, bool async, TimeSpan ttl, Func<int> factory)
    {
        var options = new CacheEntryOptions(ttl);
        return (typed, async) switch
        {
            (false, false) => cache.GetOrCreate("k", factory, static f => f(), options),
            (false, true) => await cache.GetOrCreateAsync("k", factory, static (f, _) => new ValueTask<int>(f()), options),
            (true, false) => cache.GetOrCreate(new FillKey(1), factory, static f => f(), options),
            (true, true) => await cache.GetOrCreateAsync(new FillKey(1), factory, static (f, _) => new ValueTask<int>(f()), options),
        };
    }

    private readonly record struct FillKey(int Id) : ICacheKey<FillKey>
    {
        public string ToKeyString() => "fill:" + Id;
    }

    [Test]
    public void Without_a_ttl_the_cache_default_applies()
    {
        var clock = TestCaches.Clock();
        using var cache = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], DefaultTtl = TimeSpan.FromSeconds(20), VacuumInterval = null }, clock);
        cache.Set("k", 1);
        clock.Advance(TimeSpan.FromSeconds(19));
        Assert.That(cache.TryGet<int>("k").HasValue, Is.True);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(cache.TryGet<int>("k").HasValue, Is.False);
    }

    [TestCase(1, 8)]
    [TestCase(3, 8)]
    [TestCase(10, 3)]
    [TestCase(1024, 8)]
    [TestCase(1000, 7)]
    public void The_layer_never_holds_more_than_MaxSize(int maxSize, int shards)
    {
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = maxSize, Shards = shards }.Settings, TestCaches.Clock());
        var expiry = DateTimeOffset.MaxValue;
        // Keys reach shards by their (per-process randomized) string hash: with few keys a shard could stay empty
        // (MaxSize 3 over 3 shards of one entry: 15 keys miss one shard about once in 150 runs). 200 more keys make
        // that vanishingly unlikely, so the final assertion tests the bound, not the hash seed.
        for (var i = 0; i < (maxSize * 5) + 200; i++)
        {
            layer.Set($"key-{i}", i, expiry);
            Assert.That(layer.Count, Is.LessThanOrEqualTo(maxSize));
        }

        Assert.That(layer.Count, Is.EqualTo(maxSize), "a full layer holds exactly MaxSize");
    }

    [Test]
    public void Eviction_drops_the_least_recently_used_entry_and_is_counted()
    {
        var clock = TestCaches.Clock();
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = 3, Shards = 1 }.Settings, clock);
        var expiry = clock.GetUtcNow().AddHours(1);
        layer.Set("a", 1, expiry);
        layer.Set("b", 2, expiry);
        layer.Set("c", 3, expiry);
        Assert.That(layer.Get<int>("a").Found, Is.True, "reading a makes it recently used");

        layer.Set("d", 4, expiry);

        Assert.Multiple(() =>
        {
            Assert.That(layer.Get<int>("b").Found, Is.False, "b was the least recently used");
            Assert.That(layer.Get<int>("a").Found, Is.True);
            Assert.That(layer.Get<int>("c").Found, Is.True);
            Assert.That(layer.Get<int>("d").Found, Is.True);
            Assert.That(layer.Evictions.Value, Is.EqualTo(1));
        });
    }

    [Test]
    public void Readying_a_store_changes_nothing_on_an_empty_a_full_or_a_cleared_layer()
    {
        var clock = TestCaches.Clock();
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = 2, Shards = 1 }.Settings, clock);
        var expiry = clock.GetUtcNow().AddHours(1);
        layer.PrepareStore(KeyHash.Of("a"));
        layer.Set("a", 1, expiry);
        layer.Set("b", 2, expiry);

        layer.PrepareStore(KeyHash.Of("c")); // full: the store of c would evict a
        Assert.Multiple(() =>
        {
            Assert.That(layer.Count, Is.EqualTo(2));
            Assert.That(layer.Get<int>("a").Value, Is.EqualTo(1));
            Assert.That(layer.Evictions.Value, Is.Zero);
        });

        layer.Clear();
        layer.PrepareStore(KeyHash.Of("c"));
        Assert.That(layer.Count, Is.Zero);
    }

    [Test]
    public void Expired_entries_are_evicted_before_live_ones_and_not_counted_as_evictions()
    {
        var clock = TestCaches.Clock();
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = 2, Shards = 1 }.Settings, clock);
        layer.Set("live", 1, clock.GetUtcNow().AddHours(1));
        layer.Set("short", 2, clock.GetUtcNow().AddSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(2));

        layer.Set("new", 3, clock.GetUtcNow().AddHours(1));

        Assert.Multiple(() =>
        {
            Assert.That(layer.Get<int>("live").Found, Is.True);
            Assert.That(layer.Get<int>("new").Found, Is.True);
            Assert.That(layer.Evictions.Value, Is.Zero);
        });
    }

    [Test]
    public void Expired_entries_are_still_evicted_first_after_a_cleanup_pass_and_a_clear()
    {
        // Eviction looks for expired entries only when the shard's earliest expiry has passed; a cleanup pass raises
        // that bound and a clear resets it, so every later insert must lower it again.
        var clock = TestCaches.Clock();
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = 2, Shards = 1 }.Settings, clock);
        for (var round = 0; round < 2; round++)
        {
            layer.Set("live", 1, clock.GetUtcNow().AddHours(1));
            Assert.That(layer.CleanupExpired(), Is.Zero);
            layer.Set("short", 2, clock.GetUtcNow().AddSeconds(1));
            clock.Advance(TimeSpan.FromSeconds(2));

            layer.Set("new", 3, clock.GetUtcNow().AddHours(1));

            Assert.Multiple(() =>
            {
                Assert.That(layer.Get<int>("live").Found, Is.True, $"round {round}: the live entry was evicted instead of the expired one");
                Assert.That(layer.Get<int>("new").Found, Is.True);
                Assert.That(layer.Evictions.Value, Is.Zero);
            });
            layer.Clear();
        }
    }

    [Test]
    public void Overwriting_a_key_replaces_the_value_without_growing()
    {
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = 10 }.Settings, TestCaches.Clock());
        layer.Set("k", 1, DateTimeOffset.MaxValue);
        layer.Set("k", 2, DateTimeOffset.MaxValue);
        Assert.Multiple(() =>
        {
            Assert.That(layer.Get<int>("k").Value, Is.EqualTo(2));
            Assert.That(layer.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void CleanupExpired_removes_every_expired_entry_whatever_its_lru_position()
    {
        var clock = TestCaches.Clock();
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = 100, Shards = 2 }.Settings, clock);
        layer.Set("old-1", 1, clock.GetUtcNow().AddSeconds(1));
        layer.Set("live", 2, clock.GetUtcNow().AddHours(1));
        layer.Set("old-2", 3, clock.GetUtcNow().AddSeconds(1));
        layer.Get<int>("old-1"); // moves nothing, but marks it recently used
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(layer.CleanupExpired(), Is.EqualTo(2));
            Assert.That(layer.Count, Is.EqualTo(1));
            Assert.That(layer.Get<int>("live").Found, Is.True);
        });
    }

    [Test]
    public void A_hit_reports_the_remaining_lifetime()
    {
        var clock = TestCaches.Clock();
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig().Settings, clock);
        var expiry = clock.GetUtcNow().AddSeconds(100);
        layer.Set("k", 1, expiry);
        clock.Advance(TimeSpan.FromSeconds(40));

        Assert.That(layer.Get<int>("k").ExpiresAt, Is.EqualTo(expiry));
    }

    [Test]
    public void A_value_of_another_type_is_a_miss_not_an_exception()
    {
        using var cache = TestCaches.Memory();
        cache.Set("k", "text");
        Assert.That(cache.TryGet<int>("k").HasValue, Is.False);
    }

    [Test]
    public void Delete_removes_and_reports_whether_something_was_there()
    {
        using var cache = TestCaches.Memory();
        cache.Set("k", 1);
        Assert.Multiple(() =>
        {
            Assert.That(cache.Delete("k"), Is.True);
            Assert.That(cache.Delete("k"), Is.False);
            Assert.That(cache.TryGet<int>("k").HasValue, Is.False);
        });
    }

    [Test]
    public void Hits_misses_and_evictions_are_counted()
    {
        using var cache = TestCaches.Memory(maxSize: 1, shards: 1);
        cache.Set("a", 1);
        cache.Get<int>("a");
        cache.Get<int>("a");
        cache.Get<int>("nope");
        cache.Set("b", 2);
        var layer = (MemoryCacheLayer)cache.Layers[0];
        Assert.Multiple(() =>
        {
            Assert.That(layer.Hits.Value, Is.EqualTo(2));
            Assert.That(layer.Misses.Value, Is.EqualTo(1));
            Assert.That(layer.Evictions.Value, Is.EqualTo(1));
        });
    }
}

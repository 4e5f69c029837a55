namespace Cachka.Tests.Runtime;

public class PipelineTests
{
    private Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = null!;
    private RecordingLayer _l2 = null!;
    private RecordingLayer _l3 = null!;
    private LayeredCache _cache = null!;

    [SetUp]
    public void Build()
    {
        _clock = TestCaches.Clock();
        _l2 = new RecordingLayer("l2", _clock);
        _l3 = new RecordingLayer("l3", _clock);
        _cache = TestCaches.With(_clock, new MemoryCacheConfig(), new ExistingLayerConfig(_l2), new ExistingLayerConfig(_l3));
    }

    [TearDown]
    public void Dispose()
    {
        _cache.Dispose();
        _l2.Dispose();
        _l3.Dispose();
    }

    private MemoryCacheLayer L1 => (MemoryCacheLayer)_cache.Layers[0];

    [Test]
    public void Set_writes_through_to_every_layer_with_the_calls_ttl()
    {
        _cache.Set("k", "v", TimeSpan.FromSeconds(42));
        var expected = _clock.GetUtcNow().AddSeconds(42);
        Assert.Multiple(() =>
        {
            Assert.That(L1.Get<string>("k").Value, Is.EqualTo("v"));
            Assert.That(_l2.ExpiryOf("k"), Is.EqualTo(expected));
            Assert.That(_l3.ExpiryOf("k"), Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task SetAsync_writes_through_to_every_layer()
    {
        await _cache.SetAsync("k", "v", TimeSpan.FromSeconds(42));
        Assert.Multiple(() =>
        {
            Assert.That(L1.Get<string>("k").Found, Is.True);
            Assert.That(_l2.Holds("k"), Is.True);
            Assert.That(_l3.Holds("k"), Is.True);
        });
    }

    [Test]
    public void A_hit_in_a_lower_layer_is_promoted_with_its_remaining_ttl()
    {
        var expiry = _clock.GetUtcNow().AddSeconds(100);
        _l3.Put("k", "deep", expiry);
        _clock.Advance(TimeSpan.FromSeconds(60));

        Assert.That(_cache.Get<string>("k"), Is.EqualTo("deep"));
        Assert.Multiple(() =>
        {
            Assert.That(_l2.ExpiryOf("k"), Is.EqualTo(expiry), "L2 gets the remaining 40 s, not a fresh TTL");
            Assert.That(L1.Get<string>("k").ExpiresAt, Is.EqualTo(expiry));
        });

        _clock.Advance(TimeSpan.FromSeconds(40));
        Assert.That(_cache.TryGet<string>("k").HasValue, Is.False, "the promoted copies expire with the original");
    }

    [Test]
    public async Task An_async_hit_in_a_lower_layer_is_promoted_with_its_remaining_ttl()
    {
        var expiry = _clock.GetUtcNow().AddSeconds(100);
        _l2.Put("k", "warm", expiry);
        _clock.Advance(TimeSpan.FromSeconds(30));

        Assert.That(await _cache.GetAsync<string>("k"), Is.EqualTo("warm"));
        Assert.That(L1.Get<string>("k").ExpiresAt, Is.EqualTo(expiry));
    }

    [Test]
    public void Promotion_does_not_outlive_the_memory_ttl()
    {
        _l2.Put("k", "warm", _clock.GetUtcNow().AddDays(1));
        _cache.Get<string>("k");
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.That(L1.Get<string>("k").Found, Is.False);
    }

    [Test]
    public void Delete_removes_the_key_from_every_layer()
    {
        _cache.Set("k", 1);
        Assert.That(_cache.Delete("k"), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(L1.Get<int>("k").Found, Is.False);
            Assert.That(_l2.Holds("k"), Is.False);
            Assert.That(_l3.Holds("k"), Is.False);
        });
    }

    [Test]
    public async Task DeleteAsync_removes_the_key_from_every_layer()
    {
        await _cache.SetAsync("k", 1);
        Assert.That(await _cache.DeleteAsync("k"), Is.True);
        Assert.That(_l2.Holds("k") || _l3.Holds("k") || L1.Get<int>("k").Found, Is.False);
    }

    [Test]
    public void A_failing_layer_is_skipped_on_read_without_hiding_the_layer_below()
    {
        _l3.Put("k", "deep", _clock.GetUtcNow().AddMinutes(1));
        _l2.Failing = true;

        Assert.Multiple(() =>
        {
            Assert.That(_cache.Get<string>("k"), Is.EqualTo("deep"));
            Assert.That(_cache.Metrics.ErrorCount(nameof(IOException)), Is.GreaterThan(0), "the failure is counted");
        });
    }

    [Test]
    public async Task A_failing_layer_is_skipped_on_async_read_without_hiding_the_layer_below()
    {
        _l3.Put("k", "deep", _clock.GetUtcNow().AddMinutes(1));
        _l2.Failing = true;
        Assert.That(await _cache.GetAsync<string>("k"), Is.EqualTo("deep"));
    }

    [Test]
    public void A_failing_layer_never_fails_a_write_or_delete()
    {
        _l2.Failing = true;
        Assert.DoesNotThrow(() => _cache.Set("k", 1));
        Assert.Multiple(() =>
        {
            Assert.That(_l3.Holds("k"), Is.True, "the other layers still get the write");
            Assert.That(L1.Get<int>("k").Found, Is.True);
        });
        Assert.DoesNotThrow(() => _cache.Delete("k"));
        Assert.That(_l3.Holds("k"), Is.False);
    }

    [Test]
    public void GetOrCreate_serves_from_the_origin_when_every_remote_layer_fails()
    {
        _l2.Failing = true;
        _l3.Failing = true;
        Assert.That(_cache.GetOrCreate("k", () => 7), Is.EqualTo(7));
        Assert.That(_cache.GetOrCreate("k", () => 8), Is.EqualTo(7), "L1 still caches");
    }

    [Test]
    public void The_sync_path_uses_only_sync_layer_members()
    {
        _cache.Set("a", 1);
        _cache.Get<int>("b");
        _cache.GetOrCreate("c", () => 3);
        _cache.Delete("a");
        _cache.CleanupExpired();
        Assert.Multiple(() =>
        {
            Assert.That(_l2.SyncCalls, Is.GreaterThan(0));
            Assert.That(_l2.AsyncCalls, Is.Zero);
        });
    }

    [Test]
    public async Task The_async_path_uses_only_async_layer_members()
    {
        await _cache.SetAsync("a", 1);
        await _cache.GetAsync<int>("b");
        await _cache.GetOrCreateAsync("c", _ => ValueTask.FromResult(3));
        await _cache.DeleteAsync("a");
        await _cache.CleanupExpiredAsync();
        Assert.Multiple(() =>
        {
            Assert.That(_l2.AsyncCalls, Is.GreaterThan(0));
            Assert.That(_l2.SyncCalls, Is.Zero);
        });
    }

    [Test]
    public void A_cached_null_is_a_hit_not_a_miss()
    {
        var calls = 0;
        _cache.GetOrCreate<string?>("k", () => { calls++; return null; });
        _cache.GetOrCreate<string?>("k", () => { calls++; return "other"; });

        Assert.Multiple(() =>
        {
            Assert.That(calls, Is.EqualTo(1));
            Assert.That(_cache.TryGet<string?>("k"), Is.EqualTo(new CacheResult<string?>(true, null)));
        });
    }

    [Test]
    public async Task A_cached_default_value_is_a_hit_not_a_miss()
    {
        await _cache.SetAsync("zero", 0);
        var result = await _cache.TryGetAsync<int>("zero");
        Assert.That(result, Is.EqualTo(new CacheResult<int>(true, 0)));
        Assert.That((await _cache.TryGetAsync<int>("absent")).HasValue, Is.False);
    }

    [TestCase(0)]
    [TestCase(-1)]
    public async Task A_ttl_of_zero_or_less_is_rejected_and_nothing_is_written(int seconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _cache.Set("k", 1, TimeSpan.FromSeconds(seconds)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await _cache.SetAsync("k", 1, TimeSpan.FromSeconds(seconds)));
        Assert.Throws<ArgumentOutOfRangeException>(() => _cache.GetOrCreate("k", () => 1, TimeSpan.FromSeconds(seconds)));
        Assert.That(_l2.Holds("k") || L1.Get<int>("k").Found, Is.False);
    }

    [TestCase("")]
    [TestCase(null)]
    public async Task An_empty_tag_is_rejected_before_anything_runs_or_is_written(string? tag)
    {
        var options = new CacheEntryOptions(TimeSpan.FromMinutes(1), [tag!]);
        var runs = 0;
        Assert.Catch<ArgumentException>(() => _cache.Set("k", 1, options));
        Assert.Catch<ArgumentException>(() => _cache.GetOrCreate("k", 0, _ => ++runs, options));
        await Assert.CatchAsync<ArgumentException>(async () => await _cache.GetOrCreateAsync("k", 0, (_, _) => new ValueTask<int>(++runs), options));
        Assert.Multiple(() =>
        {
            Assert.That(runs, Is.Zero, "the factory never ran");
            Assert.That(L1.Get<int>("k").Found || _l2.Holds("k") || _l3.Holds("k"), Is.False, "nothing was written");
        });
    }

    [Test]
    public async Task Null_or_empty_keys_are_rejected_at_the_edge()
    {
        Assert.Throws<ArgumentNullException>(() => _cache.Set<int>(null!, 1));
        Assert.Throws<ArgumentException>(() => _cache.Get<int>(""));
        await Assert.ThrowsAsync<ArgumentException>(async () => await _cache.GetOrCreateAsync("", _ => ValueTask.FromResult(1)));
    }

    [Test]
    public void CleanupExpired_sums_every_layer()
    {
        _cache.Set("a", 1, TimeSpan.FromSeconds(1));
        _cache.Set("b", 2, TimeSpan.FromHours(1));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(_cache.CleanupExpired(), Is.EqualTo(3), "one expired entry in each of three layers");
        Assert.That(_cache.Get<int>("b"), Is.EqualTo(2));
    }

    [Test]
    public async Task InvalidateTag_removes_every_tagged_key_from_every_layer()
    {
        await _cache.SetAsync("user:1", "a", new CacheEntryOptions(TimeSpan.FromMinutes(1), ["users"]));
        _cache.Set("user:2", "b", new CacheEntryOptions(TimeSpan.FromMinutes(1), ["users", "vip"]));
        _cache.Set("order:1", "c");

        await _cache.InvalidateTagAsync("users");

        Assert.Multiple(() =>
        {
            Assert.That(_cache.TryGet<string>("user:1").HasValue, Is.False);
            Assert.That(_cache.TryGet<string>("user:2").HasValue, Is.False);
            Assert.That(_l2.Holds("user:2"), Is.False);
            Assert.That(_cache.Get<string>("order:1"), Is.EqualTo("c"));
        });
    }

    [Test]
    public void The_metrics_text_uses_the_Python_cachkas_names()
    {
        _cache.Set("k", 1);
        _cache.Get<int>("k");
        _cache.Get<int>("absent");
        var text = _cache.GetMetricsText();
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("cache_requests_total{cache=\"default\",type=\"hit_layer_0\"} 1"));
            Assert.That(text, Does.Contain("cache_requests_total{cache=\"default\",type=\"miss\"} 1"));
            Assert.That(text, Does.Contain("# TYPE cache_l1_hits_total counter"));
            Assert.That(text, Does.Contain("cache_l1_evictions_total{cache=\"default\",layer=\"memory_cache\"} 0"));
            Assert.That(text, Does.Not.Contain("\"k\""), "keys are never labels");
        });
    }
}

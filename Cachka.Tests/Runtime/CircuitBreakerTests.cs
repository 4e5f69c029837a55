namespace Cachka.Tests.Runtime;

public class CircuitBreakerTests
{
    // TestCaches.With: threshold 3 consecutive failures, window 30 s.
    private Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = null!;
    private RecordingLayer _remote = null!;
    private LayeredCache _cache = null!;

    [SetUp]
    public void Build()
    {
        _clock = TestCaches.Clock();
        _remote = new RecordingLayer("remote", _clock);
        _cache = TestCaches.With(_clock, new MemoryCacheConfig(), new ExistingLayerConfig(_remote));
    }

    [TearDown]
    public void Dispose()
    {
        _cache.Dispose();
        _remote.Dispose();
    }

    private void FailTimes(int count)
    {
        for (var i = 0; i < count; i++)
            _cache.Get<int>($"miss-{i}");
    }

    [Test]
    public void The_breaker_opens_after_the_threshold_of_consecutive_failures_and_skips_the_layer()
    {
        _remote.Failing = true;
        FailTimes(3);
        var callsWhenOpened = _remote.SyncCalls;

        _cache.Get<int>("another");
        _cache.Set("k", 1);

        Assert.Multiple(() =>
        {
            Assert.That(_remote.SyncCalls, Is.EqualTo(callsWhenOpened), "an open breaker keeps calls away from the layer");
            Assert.That(_cache.Metrics.ErrorCount("circuit_breaker"), Is.EqualTo(2));
        });
    }

    [Test]
    public void A_success_resets_the_consecutive_failure_count()
    {
        _remote.Failing = true;
        FailTimes(2);
        _remote.Failing = false;
        _cache.Get<int>("ok");
        _remote.Failing = true;
        FailTimes(2);

        var before = _remote.SyncCalls;
        _cache.Get<int>("still-tried");
        Assert.That(_remote.SyncCalls, Is.EqualTo(before + 1), "four failures, but never three in a row");
    }

    [Test]
    public void The_memory_layer_is_never_gated_by_a_remote_breaker()
    {
        _cache.Set("hot", 42);
        _remote.Failing = true;
        FailTimes(10);
        Assert.That(_cache.Get<int>("hot"), Is.EqualTo(42));
    }

    [Test]
    public void After_the_window_one_probe_goes_through_and_its_success_closes_the_breaker()
    {
        _remote.Failing = true;
        FailTimes(3);
        _remote.Failing = false;
        _clock.Advance(TimeSpan.FromSeconds(30));

        var before = _remote.SyncCalls;
        _cache.Get<int>("probe");
        _cache.Get<int>("after-probe");

        Assert.That(_remote.SyncCalls, Is.EqualTo(before + 2), "the probe succeeded, so the next call goes through too");
    }

    [Test]
    public async Task Health_reports_the_open_breaker_and_a_degraded_cache()
    {
        _remote.Failing = true;
        FailTimes(3);

        var health = await _cache.HealthCheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(health.Status, Is.EqualTo(CacheHealth.Degraded));
            Assert.That(health.CircuitBreaker, Is.EqualTo("OPEN"));
            Assert.That(health.Layers[0].Status, Is.EqualTo(CacheHealth.Healthy));
            Assert.That(health.Layers[1].Status, Is.EqualTo(CacheHealth.Unhealthy));
            Assert.That(health.Layers[1].CircuitBreaker, Is.EqualTo("OPEN"));
        });
    }

    [Test]
    public void A_failed_probe_reopens_the_breaker_for_another_window()
    {
        _remote.Failing = true;
        FailTimes(3);
        _clock.Advance(TimeSpan.FromSeconds(30));
        _cache.Get<int>("failed-probe");

        var before = _remote.SyncCalls;
        _cache.Get<int>("refused");
        Assert.That(_remote.SyncCalls, Is.EqualTo(before));
    }

    [Test]
    public void Half_open_lets_exactly_one_probe_through()
    {
        var breaker = new Cachka.Internal.CircuitBreaker(1, TimeSpan.FromSeconds(10), _clock);
        breaker.Failed();
        _clock.Advance(TimeSpan.FromSeconds(10));

        var admitted = 0;
        Parallel.For(0, 32, _ =>
        {
            if (breaker.TryEnter())
                Interlocked.Increment(ref admitted);
        });

        Assert.Multiple(() =>
        {
            Assert.That(admitted, Is.EqualTo(1));
            Assert.That(breaker.State, Is.EqualTo("HALF_OPEN"));
        });
    }
}

public class HealthTests
{
    [Test]
    public async Task A_working_cache_is_healthy_and_leaves_no_probe_key_behind()
    {
        var clock = TestCaches.Clock();
        using var remote = new RecordingLayer("remote", clock);
        using var cache = TestCaches.With(clock, new MemoryCacheConfig(), new ExistingLayerConfig(remote));

        var health = await cache.HealthCheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(health.Status, Is.EqualTo(CacheHealth.Healthy));
            Assert.That(health.CircuitBreaker, Is.EqualTo("CLOSED"));
            Assert.That(health.CacheLayersCount, Is.EqualTo(2));
            Assert.That(health.Layers.Select(l => l.Name), Is.EqualTo(new[] { "memory_cache", "remote" }));
            Assert.That(((MemoryCacheLayer)cache.Layers[0]).Count, Is.Zero, "the probe key is deleted");
            Assert.That(cache.GetStatistics().Hits[0] + ((MemoryCacheLayer)cache.Layers[0]).Misses.Value, Is.Zero, "the probe is not a lookup");
            Assert.That(remote.CleanupExpired(), Is.Zero);
        });
    }

    [Test]
    public async Task A_broken_remote_layer_makes_the_cache_degraded_even_when_l1_answers()
    {
        var clock = TestCaches.Clock();
        using var remote = new RecordingLayer("remote", clock) { Failing = true };
        using var cache = TestCaches.With(clock, new MemoryCacheConfig(), new ExistingLayerConfig(remote));

        var health = await cache.HealthCheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(health.Status, Is.EqualTo(CacheHealth.Degraded));
            Assert.That(health.Layers[1].Error, Does.Contain("layer remote is down"));
        });
    }

    [Test]
    public async Task A_cache_whose_only_layer_is_broken_is_unhealthy()
    {
        var clock = TestCaches.Clock();
        using var remote = new RecordingLayer("remote", clock) { Failing = true };
        using var cache = TestCaches.With(clock, new ExistingLayerConfig(remote));
        Assert.That((await cache.HealthCheckAsync()).Status, Is.EqualTo(CacheHealth.Unhealthy));
    }
}

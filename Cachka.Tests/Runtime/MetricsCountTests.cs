using Cachka.Tests.EndToEnd;

namespace Cachka.Tests.Runtime;

/// <summary>Every lookup counted once in the Prometheus text, generated calls included; no placeholder series.</summary>
public sealed class MetricsCountTests
{
    [Test]
    public async Task Generated_calls_count_their_L1_misses_and_hits_once_each()
    {
        await using var cache = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false });
        var service = new UserService(cache);
        service.GetUser(1);
        service.GetUser(1);
        await service.LoadUserAsync(2);
        await service.LoadUserAsync(2);

        var memory = (MemoryCacheLayer)cache.Layers[0];
        Assert.That((memory.Misses.Value, memory.Hits.Value), Is.EqualTo((2L, 2L)));
        var text = cache.GetMetricsText();
        Assert.That(text, Does.Contain("cache_l1_misses_total{cache=\"default\",layer=\"memory_cache\"} 2"));
        Assert.That(text, Does.Contain("cache_l1_hits_total{cache=\"default\",layer=\"memory_cache\"} 2"));
    }

    [Test]
    public async Task A_value_set_by_key_and_read_by_a_generated_call_is_one_hit_and_no_miss()
    {
        await using var cache = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false });
        var service = new UserService(cache);
        service.GetUser(7); // miss, stored under its string key and linked to the typed key
        var memory = (MemoryCacheLayer)cache.Layers[0];
        var (misses, hits) = (memory.Misses.Value, memory.Hits.Value);
        service.GetUser(7);
        Assert.That((memory.Misses.Value - misses, memory.Hits.Value - hits), Is.EqualTo((0L, 1L)));
    }

    [Test]
    public async Task Without_errors_the_errors_family_has_no_placeholder_series()
    {
        await using var cache = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false });
        var text = cache.GetMetricsText();
        Assert.That(text, Does.Contain("# TYPE cache_errors_total counter"));
        Assert.That(text, Does.Not.Contain("cache_errors_total{"));
    }

    [Test]
    public async Task Callers_that_join_an_in_flight_fill_are_each_counted_once_as_joined()
    {
        await using var cache = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 10).Select(_ => cache.GetOrCreateAsync("cold", async _ =>
        {
            await gate.Task;
            return 42;
        }).AsTask()).ToList();
        gate.SetResult();
        await Task.WhenAll(callers);

        var text = cache.GetMetricsText();
        Assert.That(text, Does.Contain("cache_requests_total{cache=\"default\",type=\"miss\"} 1"), "the leader");
        Assert.That(text, Does.Contain("cache_requests_total{cache=\"default\",type=\"joined\"} 9"), "the nine others");
    }
}

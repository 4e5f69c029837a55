using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Runtime;

/// <summary>A layer that declines calls at capacity (LayerBusyException) is skipped, not failed: the breaker stays closed, writes are repaired.</summary>
public sealed class LayerBusyTests
{
    [Test]
    public async Task A_busy_layer_is_skipped_without_moving_its_breaker_and_a_declined_write_is_repaired([Values] bool async)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero));
        var remote = new RecordingLayer("remote", time);
        await using var cache = new LayeredCache(
            new CacheConfig { Layers = [new ExistingLayerConfig(remote)], CircuitBreakerThreshold = 1, VacuumInterval = null, CleanupOnStart = false },
            time);
        remote.Put("k", "old", time.GetUtcNow().AddMinutes(5));

        remote.Busy = true;
        var read = async ? await cache.TryGetAsync<string>("k") : cache.TryGet<string>("k");
        Assert.That(read.HasValue, Is.False, "a busy layer is a miss for that call");
        if (async)
            await cache.SetAsync("k", "new", TimeSpan.FromMinutes(5));
        else
            cache.Set("k", "new", TimeSpan.FromMinutes(5));
        Assert.That(cache.Slots[0].BreakerState, Is.EqualTo("CLOSED"), "declining at capacity is not a failure");
        Assert.That(cache.Metrics.ErrorCount("busy"), Is.EqualTo(2));

        remote.Busy = false;
        Assert.That(cache.TryGet<string>("k").HasValue, Is.False, "the layer may hold the old value: skipped until repaired");
        await Eventually.Until(() => cache.Slots[0].MissedCount == 0);
        Assert.That(remote.Holds("k"), Is.False, "the repair removed the outdated value");
    }
}

internal static class Eventually
{
    public static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("condition not met within 5 s");
            await Task.Delay(5);
        }
    }
}

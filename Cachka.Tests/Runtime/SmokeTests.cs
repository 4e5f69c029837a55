namespace Cachka.Tests.Runtime;

public class SmokeTests
{
    [Test]
    public void Second_call_is_an_l1_hit()
    {
        using var cache = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false });
        var calls = 0;
        cache.GetOrCreate("k", () => ++calls);
        cache.GetOrCreate("k", () => ++calls);
        cache.GetOrCreate("k", () => ++calls);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(cache.GetStatistics().Hits[0], Is.EqualTo(2));
    }
}

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

public class StandaloneCacheTests
{
    [Test]
    public async Task CreateCache_builds_a_cache_apart_from_the_registry()
    {
        CacheRegistry.Reset();
        var config = new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false };
        await using var first = config.CreateCache();
        await using var second = (config with { Name = "second" }).CreateCache();

        first.Set("k", "first");
        Assert.Multiple(() =>
        {
            Assert.That(CacheRegistry.IsInitialized, Is.False);
            Assert.That(first.Get<string>("k"), Is.EqualTo("first"));
            Assert.That(second.TryGet<string>("k").HasValue, Is.False, "two caches share no entries");
        });
    }

    [Test]
    public void CreateCache_refuses_an_invalid_configuration_naming_the_setting()
    {
        var config = new CacheConfig { Layers = [new MemoryCacheConfig()], DefaultTtl = TimeSpan.Zero };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => config.CreateCache());
        Assert.That(error!.Message, Does.Contain("CacheConfig.DefaultTtl"));
    }
}

namespace Cachka.Tests.Runtime;

public class ConfigValidationTests
{
    private static CacheConfig WithMemory(MemoryCacheConfig memory) => new() { Layers = [memory], VacuumInterval = null };

    [TestCase(0)]
    [TestCase(-5)]
    public void MaxSize_must_be_positive(int maxSize)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LayeredCache(WithMemory(new MemoryCacheConfig { MaxSize = maxSize })));
        Assert.That(error!.Message, Does.Contain("MaxSize must be > 0"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Shards_must_be_positive(int shards)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LayeredCache(WithMemory(new MemoryCacheConfig { Shards = shards })));
        Assert.That(error!.Message, Does.Contain("Shards must be > 0"));
    }

    [Test]
    public void Memory_ttl_must_be_positive()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LayeredCache(WithMemory(new MemoryCacheConfig { Ttl = TimeSpan.Zero })));
        Assert.That(error!.Message, Does.Contain("MemoryCacheConfig.Ttl must be greater than zero"));
    }

    [Test]
    public void An_empty_layer_list_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new LayeredCache(new CacheConfig { Layers = [] }));
        Assert.That(error!.Message, Does.Contain("Layers is empty"));
    }

    [Test]
    public void Two_layers_with_one_name_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new LayeredCache(new CacheConfig
        {
            Layers = [new MemoryCacheConfig(), new MemoryCacheConfig()],
        }));
        Assert.That(error!.Message, Does.Contain("two layers named 'memory_cache'"));
    }

    [Test]
    public void Two_memory_layers_with_distinct_names_are_allowed()
    {
        using var cache = new LayeredCache(new CacheConfig
        {
            Layers = [new MemoryCacheConfig { Name = "hot" }, new MemoryCacheConfig { Name = "warm", MaxSize = 10_000 }],
            VacuumInterval = null,
        });
        Assert.That(cache.Layers.Select(l => l.Name), Is.EqualTo(new[] { "hot", "warm" }));
    }

    [Test]
    public void Default_ttl_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], DefaultTtl = TimeSpan.FromSeconds(-1) }));

    [Test]
    public void Vacuum_interval_must_be_positive_or_null()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = TimeSpan.Zero }));
        Assert.That(error!.Message, Does.Contain("Use null to turn maintenance off"));
    }

    [Test]
    public void Circuit_breaker_settings_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], CircuitBreakerThreshold = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], CircuitBreakerWindow = TimeSpan.Zero }));
    }

    [Test]
    public void Cache_name_must_not_be_empty() =>
        Assert.Throws<ArgumentException>(() => new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], Name = " " }));

    [Test]
    public void Defaults_follow_the_seed()
    {
        var memory = new MemoryCacheConfig();
        var config = new CacheConfig();
        Assert.Multiple(() =>
        {
            Assert.That(memory.MaxSize, Is.EqualTo(1024));
            Assert.That(memory.Ttl, Is.EqualTo(TimeSpan.FromSeconds(300)));
            Assert.That(memory.Shards, Is.EqualTo(8));
            Assert.That(memory.Name, Is.EqualTo("memory_cache"));
            Assert.That(config.Name, Is.EqualTo("default"));
            Assert.That(config.VacuumInterval, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(config.CleanupOnStart, Is.True);
            Assert.That(config.CircuitBreakerThreshold, Is.EqualTo(50));
            Assert.That(config.CircuitBreakerWindow, Is.EqualTo(TimeSpan.FromSeconds(60)));
        });
    }
}

namespace Cachka.Tests.Runtime;

[NonParallelizable]
public class CacheRegistryTests
{
    private static readonly CacheConfig MemoryOnly = new() { Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false };

    [SetUp]
    [TearDown]
    public void Clean() => CacheRegistry.Reset();

    [Test]
    public void Get_before_Initialize_says_what_to_do()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CacheRegistry.Get());
        Assert.That(error!.Message, Does.Contain("CacheRegistry.Initialize()"));
    }

    [Test]
    public void Initialize_makes_one_cache_available()
    {
        var cache = CacheRegistry.Initialize(MemoryOnly);
        Assert.Multiple(() =>
        {
            Assert.That(CacheRegistry.IsInitialized, Is.True);
            Assert.That(CacheRegistry.Get(), Is.SameAs(cache));
            Assert.That(CacheRegistry.TryGet(), Is.SameAs(cache));
        });
    }

    [Test]
    public void Initialize_twice_throws_and_keeps_the_first_cache()
    {
        var first = CacheRegistry.Initialize(MemoryOnly);
        var error = Assert.Throws<InvalidOperationException>(() => CacheRegistry.Initialize(MemoryOnly));
        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("already initialized"));
            Assert.That(CacheRegistry.Get(), Is.SameAs(first));
        });
    }

    [Test]
    public void A_failed_Initialize_leaves_the_registry_uninitialized()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CacheRegistry.Initialize(new CacheConfig { Layers = [new MemoryCacheConfig { MaxSize = 0 }] }));
        Assert.That(CacheRegistry.IsInitialized, Is.False);
        Assert.DoesNotThrow(() => CacheRegistry.Initialize(MemoryOnly));
    }

    [Test]
    public async Task ShutdownAsync_closes_the_cache_and_allows_a_new_Initialize()
    {
        var first = CacheRegistry.Initialize(MemoryOnly);
        first.Set("k", 1);
        await CacheRegistry.ShutdownAsync();

        Assert.That(CacheRegistry.IsInitialized, Is.False);
        Assert.Throws<ObjectDisposedException>(() => first.Set("k", 2));
        var second = CacheRegistry.Initialize(MemoryOnly);
        Assert.That(second, Is.Not.SameAs(first));
    }

    [Test]
    public async Task ShutdownAsync_is_idempotent_and_harmless_before_Initialize()
    {
        await CacheRegistry.ShutdownAsync();
        CacheRegistry.Initialize(MemoryOnly);
        await CacheRegistry.ShutdownAsync();
        await CacheRegistry.ShutdownAsync();
        Assert.That(CacheRegistry.IsInitialized, Is.False);
    }

    [Test]
    public void Reset_releases_the_layers()
    {
        var layer = new RecordingLayer("remote", TimeProvider.System);
        CacheRegistry.Initialize(new CacheConfig { Layers = [new MemoryCacheConfig(), new ExistingLayerConfig(layer)], VacuumInterval = null, CleanupOnStart = false });
        CacheRegistry.Reset();
        Assert.Multiple(() =>
        {
            Assert.That(layer.Disposed, Is.True);
            Assert.That(CacheRegistry.IsInitialized, Is.False);
        });
    }

    [Test]
    public void A_custom_cache_can_be_registered()
    {
        using var custom = TestCaches.Memory();
        CacheRegistry.Initialize(custom);
        Assert.That(CacheRegistry.Get(), Is.SameAs(custom));
    }

    [Test]
    public void Concurrent_Initialize_lets_exactly_one_caller_win()
    {
        var wins = 0;
        var losses = 0;
        Parallel.For(0, 16, _ =>
        {
            try
            {
                CacheRegistry.Initialize(MemoryOnly);
                Interlocked.Increment(ref wins);
            }
            catch (InvalidOperationException)
            {
                Interlocked.Increment(ref losses);
            }
        });
        Assert.That((wins, losses), Is.EqualTo((1, 15)));
    }
}

using Cachka.Tests.Fidelity.Shapes;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace Cachka.Tests.Hybrid;

/// <summary>
/// What HybridCache on Cachka adds to the shared contract (<see cref="HybridCacheContractTests"/>): Cachka's layers
/// underneath (a real SQLite file), its refusal of values it cannot store faithfully, and its reserved tag.
/// </summary>
public sealed class CachkaHybridCacheTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("cachka-hybrid-").FullName;

    [TearDown]
    public void DeleteDirectory()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private ServiceProvider Provider(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        configure?.Invoke(services);
        services.AddCachka(new CacheConfig
        {
            Layers = [new MemoryCacheConfig(), new SqliteCacheConfig { DbPath = Path.Combine(_directory, "cache.db") }],
            VacuumInterval = null,
            CleanupOnStart = false,
        }, useAsProcessCache: false);
        return services.BuildServiceProvider();
    }

    [Test]
    public async Task AddCachka_registers_HybridCache_on_the_same_layers_as_ICache()
    {
        await using (var first = Provider())
        {
            var hybrid = first.GetRequiredService<HybridCache>();
            Assert.That(hybrid.GetType().Assembly, Is.EqualTo(typeof(ICache).Assembly));
            await hybrid.SetAsync("user:1", new MutableOrder { Id = 1, Lines = ["tea"] }, tags: ["orders"]);
        }

        // A new container on the same SQLite file: the entry comes from disk, not from the factory.
        await using var second = Provider();
        var read = await second.GetRequiredService<HybridCache>().GetOrCreateAsync("user:1", _ => ValueTask.FromResult(new MutableOrder()));
        Assert.That((read.Id, read.Lines.Single()), Is.EqualTo((1, "tea")));

        // A tag recorded on disk by the first container is found by the second.
        await second.GetRequiredService<HybridCache>().RemoveByTagAsync("orders");
        var fresh = await second.GetRequiredService<HybridCache>().GetOrCreateAsync("user:1", _ => ValueTask.FromResult(new MutableOrder { Id = 2 }));
        Assert.That(fresh.Id, Is.EqualTo(2));
    }

    [Test]
    public async Task The_wildcard_reaches_entries_another_container_wrote_to_disk()
    {
        await using (var first = Provider())
            await first.GetRequiredService<HybridCache>().SetAsync("a", "old");
        await using var second = Provider();
        var hybrid = second.GetRequiredService<HybridCache>();
        await hybrid.RemoveByTagAsync("*");
        Assert.That(await hybrid.GetOrCreateAsync("a", _ => ValueTask.FromResult("fresh")), Is.EqualTo("fresh"));
    }

    [Test]
    public async Task A_value_that_would_not_read_back_exactly_is_not_cached_and_the_older_one_is_removed()
    {
        await using var provider = Provider();
        var hybrid = provider.GetRequiredService<HybridCache>();
        var cache = provider.GetRequiredService<ICache>();
        await hybrid.SetAsync("k", new PrivateSetter(1, "first"));
        var runs = 0;
        var value = await hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult(new PrivateSetter(++runs, "made")),
            new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableDistributedCacheRead });
        Assert.That((value.Id, value.Name), Is.EqualTo((1, "made")));
        Assert.That(await hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult(new PrivateSetter(++runs, "made"))).AsTask().ContinueWith(t => t.Result.Id), Is.EqualTo(2));
        Assert.That(cache.GetMetricsText(), Does.Contain("layer=\"hybrid\",error_type=\"unread_state\""));
    }

    [Test]
    public async Task A_value_larger_than_1_MiB_is_not_cached_and_the_older_one_is_removed()
    {
        await using var provider = Provider();
        var hybrid = provider.GetRequiredService<HybridCache>();
        await hybrid.SetAsync("blob", "small");
        await hybrid.SetAsync("blob", new string('x', 1024 * 1024 + 1));
        Assert.That(await hybrid.GetOrCreateAsync("blob", _ => ValueTask.FromResult("factory")), Is.EqualTo("factory"));
        Assert.That(provider.GetRequiredService<ICache>().GetMetricsText(), Does.Contain("error_type=\"payload_too_large\""));
    }

    [Test]
    public async Task An_IDistributedCache_in_the_container_becomes_the_layer_below_the_configured_ones()
    {
        var distributed = new RecordingDistributedCache(TimeProvider.System);
        await using var provider = Provider(services => services.AddSingleton<IDistributedCache>(distributed));
        var layers = ((Pipeline.LayeredCache)provider.GetRequiredService<ICache>()).Layers.Select(layer => layer.Name);
        Assert.That(layers, Is.EqualTo(new[] { "memory_cache", "sqlite_cache", "distributed_cache" }));
        await provider.GetRequiredService<HybridCache>().SetAsync("k", 5);
        Assert.That(distributed.Contains("k"), Is.True);
    }

    [Test]
    public async Task A_RemoveAsync_after_GetOrCreateAsync_returned_is_not_undone_by_the_late_distributed_write()
    {
        var distributed = new RecordingDistributedCache(TimeProvider.System);
        await using var provider = Provider(services => services.AddSingleton<IDistributedCache>(distributed));
        var hybrid = provider.GetRequiredService<HybridCache>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        distributed.BeforeSetAsync = () => release.Task;
        Assert.That(await hybrid.GetOrCreateAsync("product:1", _ => ValueTask.FromResult("old")), Is.EqualTo("old"));
        distributed.BeforeSetAsync = null;
        var remove = hybrid.RemoveAsync("product:1").AsTask(); // waits for the fill's distributed write, then removes it
        release.SetResult();
        await remove;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((distributed.Sets == 0 || distributed.Contains("product:1")) && DateTime.UtcNow < deadline)
            await Task.Delay(10);

        Assert.That(distributed.Contains("product:1"), Is.False, "the removed value is not left in the distributed cache");
        var noLocal = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheRead };
        Assert.That(await hybrid.GetOrCreateAsync("product:1", _ => ValueTask.FromResult("new"), noLocal), Is.EqualTo("new"));
    }

    [Test]
    public async Task ICache_refuses_the_reserved_tag()
    {
        await using var provider = Provider();
        var cache = provider.GetRequiredService<ICache>();
        Assert.That(() => cache.Set("k", 1, new CacheEntryOptions(null, ["*"])), Throws.ArgumentException.With.Message.Contains("reserved"));
        Assert.That(() => cache.InvalidateTag("*"), Throws.ArgumentException.With.Message.Contains("reserved"));
    }

    [Test]
    public async Task After_the_cache_is_disposed_a_call_is_refused_clearly()
    {
        var provider = Provider();
        var hybrid = provider.GetRequiredService<HybridCache>();
        await provider.DisposeAsync();
        Assert.That(async () => await hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult(1)), Throws.InstanceOf<ObjectDisposedException>());
    }
}

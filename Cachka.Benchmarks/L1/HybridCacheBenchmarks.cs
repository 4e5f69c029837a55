using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Cachka.Benchmarks.Shared;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace Cachka.Benchmarks.L1;

/// <summary>
/// The same <see cref="HybridCache"/> calls on Microsoft's implementation and on Cachka's (<c>AddCachka</c>), memory
/// only: an L1 hit with a mutable type (each call deserializes a fresh copy, in both) and an immutable one (shared).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HybridCacheBenchmarks
{
    private readonly string[] _keys = new string[WarmKeys.Count];
    private HybridCache _microsoft = null!;
    private HybridCache _cachka = null!;
    private ServiceProvider _microsoftServices = null!;
    private ServiceProvider _cachkaServices = null!;
    private WarmCycle _cycle;

    [GlobalSetup]
    public void Setup()
    {
        (_microsoft, _microsoftServices) = Peers.HybridCache();
        var services = new ServiceCollection();
        services.AddCachka(new CacheConfig
        {
            Layers = [new MemoryCacheConfig { MaxSize = 16_384, Ttl = Peers.Ttl }],
            DefaultTtl = Peers.Ttl,
            VacuumInterval = null,
            CleanupOnStart = false,
        }, useAsProcessCache: false);
        _cachkaServices = services.BuildServiceProvider();
        _cachka = _cachkaServices.GetRequiredService<HybridCache>();
        for (var id = 0; id < WarmKeys.Count; id++)
        {
            var key = _keys[id] = WarmKeys.For(id);
            foreach (var cache in new[] { _microsoft, _cachka })
            {
                cache.SetAsync(key, new MutableUser(id, "user " + id)).AsTask().GetAwaiter().GetResult();
                cache.SetAsync("i:" + key, new ImmutableUser(id, "user " + id)).AsTask().GetAwaiter().GetResult();
            }
        }

        for (var id = 0; id < WarmKeys.Count; id++)
            _keys[id] = WarmKeys.For(id);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _microsoftServices.Dispose();
        _cachkaServices.Dispose();
    }

    private int NextId() => _cycle.Next();

    [Benchmark(Baseline = true, Description = "Microsoft HybridCache, mutable"), BenchmarkCategory("Mutable")]
    public ValueTask<MutableUser> Microsoft_Mutable()
    {
        var id = NextId();
        return _microsoft.GetOrCreateAsync(_keys[id], id, static (id, _) => new ValueTask<MutableUser>(new MutableUser(id, "user " + id)));
    }

    [Benchmark(Description = "Cachka HybridCache, mutable"), BenchmarkCategory("Mutable")]
    public ValueTask<MutableUser> Cachka_Mutable()
    {
        var id = NextId();
        return _cachka.GetOrCreateAsync(_keys[id], id, static (id, _) => new ValueTask<MutableUser>(new MutableUser(id, "user " + id)));
    }

    [Benchmark(Baseline = true, Description = "Microsoft HybridCache, immutable"), BenchmarkCategory("Immutable")]
    public ValueTask<ImmutableUser> Microsoft_Immutable()
    {
        var id = NextId();
        return _microsoft.GetOrCreateAsync("i:" + _keys[id], id, static (id, _) => new ValueTask<ImmutableUser>(new ImmutableUser(id, "user " + id)));
    }

    [Benchmark(Description = "Cachka HybridCache, immutable"), BenchmarkCategory("Immutable")]
    public ValueTask<ImmutableUser> Cachka_Immutable()
    {
        var id = NextId();
        return _cachka.GetOrCreateAsync("i:" + _keys[id], id, static (id, _) => new ValueTask<ImmutableUser>(new ImmutableUser(id, "user " + id)));
    }
}

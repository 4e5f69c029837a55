using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Cachka.Benchmarks.Shared;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace Cachka.Benchmarks.Stampede;

/// <summary>
/// Stampede protection: each invocation is one round of 64 concurrent callers on a cold key whose
/// factory takes ~1 ms; 20 rounds per iteration. The "Factory runs / 20 rounds" column is the
/// protection (20 is one run per round); Mean is the time of one round.
/// </summary>
[Config(typeof(Config))]
[InvocationCount(StampedeRounds.Rounds)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class StampedeBenchmarks
{
    private const string Sync = "Sync";
    private const string Async = "Async";

    private readonly FactoryTally _tally = new();
    private ICache _cachka = null!;
    private FusionCache _fusion = null!;
    private MemoryCache _memory = null!;
    private HybridCache _hybrid = null!;
    private ServiceProvider _hybridServices = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cachka = Peers.Cachka();
        _fusion = Peers.FusionCache();
        _memory = Peers.MemoryCache();
        (_hybrid, _hybridServices) = Peers.HybridCache();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tally.Save();
        _cachka.Dispose();
        _fusion.Dispose();
        _memory.Dispose();
        _hybridServices.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Cachka GetOrCreate"), BenchmarkCategory(Sync)]
    public void Cachka_Sync() => _tally.Add(nameof(Cachka_Sync), StampedeRounds.RunSync((k, f) => StampedeRounds.CachkaSync(_cachka, k, f)));

    [Benchmark(Description = "FusionCache GetOrSet"), BenchmarkCategory(Sync)]
    public void FusionCache_Sync() => _tally.Add(nameof(FusionCache_Sync), StampedeRounds.RunSync((k, f) => StampedeRounds.FusionSync(_fusion, k, f)));

    [Benchmark(Description = "IMemoryCache GetOrCreate"), BenchmarkCategory(Sync)]
    public void MemoryCache_Sync() => _tally.Add(nameof(MemoryCache_Sync), StampedeRounds.RunSync((k, f) => StampedeRounds.MemorySync(_memory, k, f)));

    [Benchmark(Baseline = true, Description = "Cachka GetOrCreateAsync"), BenchmarkCategory(Async)]
    public async Task Cachka_Async() => _tally.Add(nameof(Cachka_Async), await StampedeRounds.RunAsync((k, f) => StampedeRounds.CachkaAsync(_cachka, k, f)));

    [Benchmark(Description = "FusionCache GetOrSetAsync"), BenchmarkCategory(Async)]
    public async Task FusionCache_Async() => _tally.Add(nameof(FusionCache_Async), await StampedeRounds.RunAsync((k, f) => StampedeRounds.FusionAsync(_fusion, k, f)));

    [Benchmark(Description = "HybridCache GetOrCreateAsync"), BenchmarkCategory(Async)]
    public async Task HybridCache_Async() => _tally.Add(nameof(HybridCache_Async), await StampedeRounds.RunAsync((k, f) => StampedeRounds.HybridAsync(_hybrid, k, f)));

    [Benchmark(Description = "IMemoryCache GetOrCreateAsync"), BenchmarkCategory(Async)]
    public async Task MemoryCache_Async() => _tally.Add(nameof(MemoryCache_Async), await StampedeRounds.RunAsync((k, f) => StampedeRounds.MemoryAsync(_memory, k, f)));

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new FactoryRunsColumn());
    }
}

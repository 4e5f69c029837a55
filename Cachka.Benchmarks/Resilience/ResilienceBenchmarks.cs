using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Cachka.Benchmarks.Shared;
using ZiggyCreatures.Caching.Fusion;

namespace Cachka.Benchmarks.Resilience;

/// <summary>
/// The resilience paths against FusionCache doing the same work, memory only, 1,000 keys cycled:
/// - a hit with none of the options (the reference: what every other call pays);
/// - an eager-refresh hit: every entry is past its refresh point (threshold 0.0001 of a 60 s TTL), so hits take the late
///   path and, once per entry and refresh, start the background refresh (a factory that returns at once);
/// - a fail-safe stale serve: every entry is past its TTL and kept, the factory throws, the throttle is one tick, so each
///   call runs the factory, catches its exception and serves the stale value.
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- interleaved ResilienceBenchmarks</c> (or <c>--filter '*ResilienceBenchmarks*'</c>).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ResilienceBenchmarks
{
    private const string Hit = "Plain hit";
    private const string Eager = "Eager-refresh hit";
    private const string EagerAsync = "Eager-refresh hit, async";
    private const string Stale = "Stale serve";
    private const string StaleAsync = "Stale serve, async";
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(60);

    private static readonly CacheEntryOptions CachkaEager = new(Ttl) { EagerRefreshThreshold = 0.0001f };
    private static readonly FusionCacheEntryOptions FusionEager = new(Ttl) { EagerRefreshThreshold = 0.0001f };
    private static readonly CacheEntryOptions CachkaStale = new(TimeSpan.FromMilliseconds(1))
    {
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        FailSafeThrottleDuration = TimeSpan.FromTicks(1),
    };

    private static readonly FusionCacheEntryOptions FusionStale = new(TimeSpan.FromMilliseconds(1))
    {
        IsFailSafeEnabled = true,
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        FailSafeThrottleDuration = TimeSpan.FromTicks(1),
    };

    private readonly string[] _plainKeys = new string[WarmKeys.Count];
    private readonly string[] _eagerKeys = new string[WarmKeys.Count];
    private readonly string[] _staleKeys = new string[WarmKeys.Count];
    private LayeredCache _cachka = null!;
    private FusionCache _fusion = null!;
    private WarmCycle _cycle;

    [GlobalSetup]
    public void Setup()
    {
        _cachka = Peers.Cachka();
        _fusion = Peers.FusionCache();
        for (var id = 0; id < WarmKeys.Count; id++)
        {
            var user = new User(id, "user " + id);
            _plainKeys[id] = WarmKeys.For(id);
            _eagerKeys[id] = "eager:" + id;
            _staleKeys[id] = "stale:" + id;
            _cachka.Set(_plainKeys[id], user);
            _fusion.Set(_plainKeys[id], user);
            _cachka.GetOrCreate(_eagerKeys[id], user, static u => u, CachkaEager);
            _fusion.GetOrSet(_eagerKeys[id], user, FusionEager);
            _cachka.GetOrCreate(_staleKeys[id], user, static u => u, CachkaStale);
            _fusion.GetOrSet(_staleKeys[id], user, FusionStale);
        }

        Thread.Sleep(50); // every eager entry past its refresh point, every stale one past its TTL
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cachka.Dispose();
        _fusion.Dispose();
    }

    private static User Load(int id) => new(id, "user " + id);

    private static User Fail(int id) => throw new InvalidOperationException("origin down");

    [Benchmark(Baseline = true, Description = "Cachka GetOrCreate"), BenchmarkCategory(Hit)]
    public User Cachka_Hit()
    {
        var id = _cycle.Next();
        return _cachka.GetOrCreate(_plainKeys[id], id, static id => Load(id));
    }

    [Benchmark(Description = "FusionCache GetOrSet"), BenchmarkCategory(Hit)]
    public User Fusion_Hit()
    {
        var id = _cycle.Next();
        return _fusion.GetOrSet<User>(_plainKeys[id], (_, _) => Load(id));
    }

    [Benchmark(Baseline = true, Description = "Cachka GetOrCreate"), BenchmarkCategory(Eager)]
    public User Cachka_EagerRefreshHit()
    {
        var id = _cycle.Next();
        return _cachka.GetOrCreate(_eagerKeys[id], id, static id => Load(id), CachkaEager);
    }

    [Benchmark(Description = "FusionCache GetOrSet"), BenchmarkCategory(Eager)]
    public User Fusion_EagerRefreshHit()
    {
        var id = _cycle.Next();
        return _fusion.GetOrSet<User>(_eagerKeys[id], (_, _) => Load(id), FusionEager);
    }

    [Benchmark(Baseline = true, Description = "Cachka GetOrCreateAsync"), BenchmarkCategory(EagerAsync)]
    public ValueTask<User> Cachka_EagerRefreshHitAsync()
    {
        var id = _cycle.Next();
        return _cachka.GetOrCreateAsync(_eagerKeys[id], id, static (id, _) => ValueTask.FromResult(Load(id)), CachkaEager);
    }

    [Benchmark(Description = "FusionCache GetOrSetAsync"), BenchmarkCategory(EagerAsync)]
    public ValueTask<User> Fusion_EagerRefreshHitAsync()
    {
        var id = _cycle.Next();
        return _fusion.GetOrSetAsync<User>(_eagerKeys[id], (_, _) => Task.FromResult(Load(id)), FusionEager);
    }

    [Benchmark(Baseline = true, Description = "Cachka GetOrCreate"), BenchmarkCategory(Stale)]
    public User Cachka_StaleServe()
    {
        var id = _cycle.Next();
        return _cachka.GetOrCreate(_staleKeys[id], id, static id => Fail(id), CachkaStale);
    }

    [Benchmark(Description = "FusionCache GetOrSet"), BenchmarkCategory(Stale)]
    public User Fusion_StaleServe()
    {
        var id = _cycle.Next();
        return _fusion.GetOrSet<User>(_staleKeys[id], (_, _) => Fail(id), FusionStale);
    }

    [Benchmark(Baseline = true, Description = "Cachka GetOrCreateAsync"), BenchmarkCategory(StaleAsync)]
    public ValueTask<User> Cachka_StaleServeAsync()
    {
        var id = _cycle.Next();
        return _cachka.GetOrCreateAsync(_staleKeys[id], id, static (id, _) => ValueTask.FromResult(Fail(id)), CachkaStale);
    }

    [Benchmark(Description = "FusionCache GetOrSetAsync"), BenchmarkCategory(StaleAsync)]
    public ValueTask<User> Fusion_StaleServeAsync()
    {
        var id = _cycle.Next();
        return _fusion.GetOrSetAsync<User>(_staleKeys[id], (_, _) => Task.FromResult(Fail(id)), FusionStale);
    }
}

using BenchmarkDotNet.Attributes;
using Cachka.Benchmarks.Shared;
using ZiggyCreatures.Caching.Fusion;

namespace Cachka.Benchmarks.Resilience;

/// <summary>
/// A soft-timeout return against FusionCache doing the same work: every entry is stale (kept by fail-safe), the factory
/// takes 20 ms, the soft timeout is 1 ms, the throttle one tick; so each call starts the factory, returns the stale value
/// after the soft timeout and leaves the factory to finish (and store) in the background. The time is mostly the
/// timeout itself (timer resolution); the difference is the machinery and its allocations.
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- --filter '*SoftTimeoutBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class SoftTimeoutBenchmarks
{
    private const int Keys = 1_000;
    private static readonly CacheEntryOptions Cachka = new(TimeSpan.FromMilliseconds(1))
    {
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        FailSafeThrottleDuration = TimeSpan.FromTicks(1),
        FactorySoftTimeout = TimeSpan.FromMilliseconds(1),
    };

    private static readonly FusionCacheEntryOptions Fusion = new(TimeSpan.FromMilliseconds(1))
    {
        IsFailSafeEnabled = true,
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        FailSafeThrottleDuration = TimeSpan.FromTicks(1),
        FactorySoftTimeout = TimeSpan.FromMilliseconds(1),
    };

    private readonly string[] _keys = new string[Keys];
    private LayeredCache _cachka = null!;
    private FusionCache _fusion = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _cachka = Peers.Cachka();
        _fusion = Peers.FusionCache();
        for (var id = 0; id < Keys; id++)
        {
            var user = new User(id, "user " + id);
            _keys[id] = "soft:" + id;
            _cachka.GetOrCreate(_keys[id], user, static u => u, Cachka);
            _fusion.GetOrSet(_keys[id], user, Fusion);
        }

        Thread.Sleep(50);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cachka.Dispose();
        _fusion.Dispose();
    }

    private string NextKey() => _keys[_next = (_next + 1) % Keys];

    private static async Task<User> Slow()
    {
        await Task.Delay(20).ConfigureAwait(false);
        return new User(0, "fresh");
    }

    [Benchmark(Baseline = true, Description = "Cachka GetOrCreateAsync, soft timeout")]
    public ValueTask<User> Cachka_SoftTimeout() =>
        _cachka.GetOrCreateAsync(NextKey(), 0, static async (_, _) => await Slow().ConfigureAwait(false), Cachka);

    [Benchmark(Description = "FusionCache GetOrSetAsync, soft timeout")]
    public Task<User> Fusion_SoftTimeout() =>
        _fusion.GetOrSetAsync<User>(NextKey(), static (_, _) => Slow(), Fusion).AsTask();
}

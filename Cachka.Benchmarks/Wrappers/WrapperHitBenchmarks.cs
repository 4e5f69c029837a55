using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Cachka.Benchmarks.Shared;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace Cachka.Benchmarks.Wrappers;

/// <summary>
/// An L1 hit through a generated <c>[Cached]</c> method (int parameter) on one of 1,000 warm keys,
/// cycled, beside what the same call costs with the peers (a key interpolated per call, as a user
/// writes it) and the <c>ConcurrentDictionary&lt;int,User&gt;</c> floor. Baseline: the floor.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class WrapperHitBenchmarks
{
    private const string Sync = "Sync";
    private const string Async = "Async";

    private readonly ConcurrentDictionary<int, User> _floor = new();
    private LayeredCache _cachka = null!;
    private CachedUserService _service = null!;
    private MemoryCache _memory = null!;
    private FusionCache _fusion = null!;
    private HybridCache _hybrid = null!;
    private ServiceProvider _hybridServices = null!;
    private WarmCycle _cycle;

    [GlobalSetup]
    public void Setup()
    {
        _cachka = Peers.Cachka();
        _service = new CachedUserService(_cachka);
        _memory = Peers.MemoryCache();
        _fusion = Peers.FusionCache();
        (_hybrid, _hybridServices) = Peers.HybridCache();

        for (var id = 0; id < WarmKeys.Count; id++)
        {
            var user = new User(id, "user " + id);
            _floor[id] = user;
            _service.GetUser(id);
            _service.GetUserValueTaskAsync(id).AsTask().GetAwaiter().GetResult();
            _service.GetUserTaskAsync(id).GetAwaiter().GetResult();
            _service.GetUserTaskAsync(id).GetAwaiter().GetResult(); // the second hit keeps the completed task
            _memory.Set($"UserService.GetUser:{id}", user, Peers.Ttl);
            _fusion.Set($"UserService.GetUser:{id}", user);
            _hybrid.SetAsync($"UserService.GetUser:{id}", new ImmutableUser(id, user.Name)).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cachka.Dispose();
        _memory.Dispose();
        _fusion.Dispose();
        _hybridServices.Dispose();
    }

    private int NextId() => _cycle.Next();

    [Benchmark(Baseline = true, Description = "Floor: ConcurrentDictionary<int,User>"), BenchmarkCategory(Sync)]
    public User Floor()
    {
        _floor.TryGetValue(NextId(), out var user);
        return user!;
    }

    [Benchmark(Description = "Cachka [Cached] User GetUser(int)"), BenchmarkCategory(Sync)]
    public User Cachka_Generated() => _service.GetUser(NextId());

    [Benchmark(Description = "IMemoryCache.GetOrCreate($\"...{id}\")"), BenchmarkCategory(Sync)]
    public User MemoryCache_GetOrCreate()
    {
        var id = NextId();
        return _memory.GetOrCreate($"UserService.GetUser:{id}", static entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Peers.Ttl;
            return new User(0, "miss");
        })!;
    }

    [Benchmark(Description = "FusionCache.GetOrSet($\"...{id}\")"), BenchmarkCategory(Sync)]
    public User FusionCache_GetOrSet()
    {
        var id = NextId();
        return _fusion.GetOrSet<User>($"UserService.GetUser:{id}", static (_, _) => new User(0, "miss"));
    }

    [Benchmark(Baseline = true, Description = "Floor async: ConcurrentDictionary<int,User> as ValueTask<User>"), BenchmarkCategory(Async)]
    public ValueTask<User> Floor_Async()
    {
        _floor.TryGetValue(NextId(), out var user);
        return new ValueTask<User>(user!);
    }

    [Benchmark(Description = "Cachka [Cached] ValueTask<User> GetUserAsync(int)"), BenchmarkCategory(Async)]
    public ValueTask<User> Cachka_Generated_ValueTask() => _service.GetUserValueTaskAsync(NextId());

    [Benchmark(Description = "Cachka [Cached] Task<User> GetUserAsync(int)"), BenchmarkCategory(Async)]
    public Task<User> Cachka_Generated_Task() => _service.GetUserTaskAsync(NextId());

    [Benchmark(Description = "HybridCache.GetOrCreateAsync($\"...{id}\"), immutable type"), BenchmarkCategory(Async)]
    public ValueTask<ImmutableUser> HybridCache_GetOrCreateAsync()
    {
        var id = NextId();
        return _hybrid.GetOrCreateAsync($"UserService.GetUser:{id}", static _ => new ValueTask<ImmutableUser>(new ImmutableUser(0, "miss")));
    }

    [Benchmark(Description = "FusionCache.GetOrSetAsync($\"...{id}\")"), BenchmarkCategory(Async)]
    public ValueTask<User> FusionCache_GetOrSetAsync()
    {
        var id = NextId();
        return _fusion.GetOrSetAsync<User>($"UserService.GetUser:{id}", static (_, _) => Task.FromResult(new User(0, "miss")));
    }
}

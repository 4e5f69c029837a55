using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Cachka.Benchmarks.Shared;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace Cachka.Benchmarks.L1;

/// <summary>
/// An L1 hit on one of 1,000 warm keys, cycled, against the floors (a bare dictionary lookup, with the
/// same key-building cost where the variant builds a key) and the peers, memory only.
/// Baseline of each category: the string-keyed dictionary with the key built per call.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class L1HitBenchmarks
{
    private const string Sync = "Sync";
    private const string Async = "Async";

    private readonly ConcurrentDictionary<int, User> _intMap = new();
    private readonly ConcurrentDictionary<string, User> _stringMap = new(StringComparer.Ordinal);
    private readonly string[] _keys = new string[WarmKeys.Count];
    private ICache _cachka = null!;
    private LayeredCache _cachkaSealed = null!;
    private MemoryCache _memory = null!;
    private FusionCache _fusion = null!;
    private HybridCache _hybridMutable = null!;
    private HybridCache _hybridImmutable = null!;
    private ServiceProvider _hybridMutableServices = null!;
    private ServiceProvider _hybridImmutableServices = null!;
    private WarmCycle _cycle;

    [GlobalSetup]
    public void Setup()
    {
        _cachkaSealed = Peers.Cachka();
        _cachka = _cachkaSealed;
        _memory = Peers.MemoryCache();
        _fusion = Peers.FusionCache();
        (_hybridMutable, _hybridMutableServices) = Peers.HybridCache();
        (_hybridImmutable, _hybridImmutableServices) = Peers.HybridCache();

        for (var id = 0; id < WarmKeys.Count; id++)
        {
            var key = _keys[id] = WarmKeys.For(id);
            var user = new User(id, "user " + id);
            _intMap[id] = user;
            _stringMap[key] = user;
            _cachka.Set(key, user);
            var typedKey = new UserKey(id);
            _cachka.GetOrCreate(in typedKey, user, static u => u);
            _memory.Set(key, user, Peers.Ttl);
            _fusion.Set(key, user);
            _hybridMutable.SetAsync(key, new MutableUser(id, user.Name)).AsTask().GetAwaiter().GetResult();
            _hybridImmutable.SetAsync(key, new ImmutableUser(id, user.Name)).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cachka.Dispose();
        _memory.Dispose();
        _fusion.Dispose();
        _hybridMutableServices.Dispose();
        _hybridImmutableServices.Dispose();
    }

    private int NextId() => _cycle.Next();

    // Never called on a warm key; a static lambda so no variant pays for a closure.
    private static User Load(int id) => new(id, "user " + id);

    // ---- sync ----

    [Benchmark(Description = "Floor: ConcurrentDictionary<int,User>"), BenchmarkCategory(Sync)]
    public User Floor_IntDictionary()
    {
        _intMap.TryGetValue(NextId(), out var user);
        return user!;
    }

    [Benchmark(Baseline = true, Description = "Floor: ConcurrentDictionary<string,User>, key per call"), BenchmarkCategory(Sync)]
    public User Floor_StringDictionary_KeyPerCall()
    {
        _stringMap.TryGetValue(WarmKeys.For(NextId()), out var user);
        return user!;
    }

    [Benchmark(Description = "Floor: ConcurrentDictionary<string,User>, pre-built key"), BenchmarkCategory(Sync)]
    public User Floor_StringDictionary_PrebuiltKey()
    {
        _stringMap.TryGetValue(_keys[NextId()], out var user);
        return user!;
    }

    [Benchmark(Description = "Cachka GetOrCreate, key per call"), BenchmarkCategory(Sync)]
    public User Cachka_GetOrCreate_KeyPerCall()
    {
        var id = NextId();
        return _cachka.GetOrCreate(WarmKeys.For(id), id, static id => Load(id));
    }

    [Benchmark(Description = "Cachka GetOrCreate, pre-built key"), BenchmarkCategory(Sync)]
    public User Cachka_GetOrCreate_PrebuiltKey()
    {
        var id = NextId();
        return _cachka.GetOrCreate(_keys[id], id, static id => Load(id));
    }

    [Benchmark(Description = "Cachka GetOrCreate, typed key"), BenchmarkCategory(Sync)]
    public User Cachka_GetOrCreate_TypedKey()
    {
        var key = new UserKey(NextId());
        return _cachka.GetOrCreate(in key, key.Id, static id => Load(id));
    }

    // What a caller holding the sealed class gets: a direct call the JIT can inline, no generic virtual dispatch.
    [Benchmark(Description = "Cachka GetOrCreate, typed key, LayeredCache (no interface)"), BenchmarkCategory(Sync)]
    public User Cachka_GetOrCreate_TypedKey_Sealed()
    {
        var key = new UserKey(NextId());
        return _cachkaSealed.GetOrCreate(in key, key.Id, static id => Load(id));
    }

    [Benchmark(Description = "IMemoryCache.GetOrCreate"), BenchmarkCategory(Sync)]
    public User MemoryCache_GetOrCreate() =>
        _memory.GetOrCreate(WarmKeys.For(NextId()), static entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Peers.Ttl;
            return Load(0);
        })!;

    [Benchmark(Description = "FusionCache.GetOrSet"), BenchmarkCategory(Sync)]
    public User FusionCache_GetOrSet() =>
        _fusion.GetOrSet<User>(WarmKeys.For(NextId()), static (_, _) => Load(0));

    // ---- async ----

    [Benchmark(Description = "Floor async: int key, ValueTask<User>"), BenchmarkCategory(Async)]
    public ValueTask<User> Floor_Async_IntDictionary()
    {
        _intMap.TryGetValue(NextId(), out var user);
        return new ValueTask<User>(user!);
    }

    [Benchmark(Baseline = true, Description = "Floor async: string key per call, ValueTask<User>"), BenchmarkCategory(Async)]
    public ValueTask<User> Floor_Async_StringDictionary_KeyPerCall()
    {
        _stringMap.TryGetValue(WarmKeys.For(NextId()), out var user);
        return new ValueTask<User>(user!);
    }

    [Benchmark(Description = "Cachka GetOrCreateAsync, key per call"), BenchmarkCategory(Async)]
    public ValueTask<User> Cachka_GetOrCreateAsync_KeyPerCall()
    {
        var id = NextId();
        return _cachka.GetOrCreateAsync(WarmKeys.For(id), id, static (id, _) => new ValueTask<User>(Load(id)));
    }

    [Benchmark(Description = "Cachka GetOrCreateAsync, pre-built key"), BenchmarkCategory(Async)]
    public ValueTask<User> Cachka_GetOrCreateAsync_PrebuiltKey()
    {
        var id = NextId();
        return _cachka.GetOrCreateAsync(_keys[id], id, static (id, _) => new ValueTask<User>(Load(id)));
    }

    [Benchmark(Description = "Cachka GetOrCreateAsync, typed key"), BenchmarkCategory(Async)]
    public ValueTask<User> Cachka_GetOrCreateAsync_TypedKey()
    {
        var key = new UserKey(NextId());
        return _cachka.GetOrCreateAsync(in key, key.Id, static (id, _) => new ValueTask<User>(Load(id)));
    }

    [Benchmark(Description = "Cachka GetOrCreateTaskAsync, typed key"), BenchmarkCategory(Async)]
    public Task<User> Cachka_GetOrCreateTaskAsync_TypedKey()
    {
        var key = new UserKey(NextId());
        return _cachka.GetOrCreateTaskAsync(in key, key.Id, static (id, _) => new ValueTask<User>(Load(id)));
    }

    [Benchmark(Description = "IMemoryCache.GetOrCreateAsync"), BenchmarkCategory(Async)]
    public Task<User?> MemoryCache_GetOrCreateAsync() =>
        _memory.GetOrCreateAsync(WarmKeys.For(NextId()), static entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Peers.Ttl;
            return Task.FromResult(Load(0));
        });

    [Benchmark(Description = "FusionCache.GetOrSetAsync"), BenchmarkCategory(Async)]
    public ValueTask<User> FusionCache_GetOrSetAsync() =>
        _fusion.GetOrSetAsync<User>(WarmKeys.For(NextId()), static (_, _) => Task.FromResult(Load(0)));

    [Benchmark(Description = "HybridCache.GetOrCreateAsync, ordinary class"), BenchmarkCategory(Async)]
    public ValueTask<MutableUser> HybridCache_GetOrCreateAsync_Mutable()
    {
        var id = NextId();
        return _hybridMutable.GetOrCreateAsync(WarmKeys.For(id), id, static (id, _) => new ValueTask<MutableUser>(new MutableUser(id, "user")));
    }

    [Benchmark(Description = "HybridCache.GetOrCreateAsync, sealed [ImmutableObject] class"), BenchmarkCategory(Async)]
    public ValueTask<ImmutableUser> HybridCache_GetOrCreateAsync_Immutable()
    {
        var id = NextId();
        return _hybridImmutable.GetOrCreateAsync(WarmKeys.For(id), id, static (id, _) => new ValueTask<ImmutableUser>(new ImmutableUser(id, "user")));
    }
}

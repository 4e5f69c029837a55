using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Cachka.Benchmarks.Shared;
using Microsoft.Extensions.Caching.Memory;
using ZiggyCreatures.Caching.Fusion;

namespace Cachka.Benchmarks.SlowPaths;

/// <summary>
/// A cold miss: every call asks for a key never seen before, on a cache already full at 10,000 entries, so each call
/// runs the factory, stores the value and makes room. The baseline is a dictionary that does the same storing and
/// evicting (FIFO) with no stampede protection, no expiry and no statistics: the floor of the work itself. Every case
/// builds the same key string per call and allocates the same value.
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- interleaved ColdMissBenchmarks</c>.
/// </summary>
[MemoryDiagnoser]
public class ColdMissBenchmarks
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, User> _dictionary = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private ICache _cachka = null!;
    private MemoryCache _memory = null!;
    private FusionCache _fusion = null!;
    private MemoryCacheEntryOptions _memoryOptions = null!;
    private long _next;
    private int _stored; // ConcurrentDictionary.Count takes every lock: the floor counts its own entries

    [GlobalSetup]
    public void Setup()
    {
        _cachka = Peers.Cachka(Capacity);
        _memory = Peers.MemoryCache(Capacity);
        _fusion = Peers.FusionCache(Capacity);
        _memoryOptions = new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Peers.Ttl, Size = 1 };
        for (var i = 0; i < Capacity; i++)
        {
            Floor_StoringDictionary();
            Cachka_GetOrCreate();
            IMemoryCache_GetOrCreate();
            FusionCache_GetOrSet();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cachka.Dispose();
        _memory.Dispose();
        _fusion.Dispose();
    }

    private string NextKey(out int id)
    {
        var n = ++_next;
        id = (int)n;
        return "user:" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Benchmark(Baseline = true, Description = "Floor: ConcurrentDictionary storing + FIFO eviction at 10,000")]
    public User Floor_StoringDictionary()
    {
        var key = NextKey(out var id);
        if (_dictionary.TryGetValue(key, out var found))
            return found;
        var user = new User(id, "u");
        if (_dictionary.TryAdd(key, user))
        {
            _order.Enqueue(key);
            if (Interlocked.Increment(ref _stored) > Capacity && _order.TryDequeue(out var oldest) && _dictionary.TryRemove(oldest, out _))
                Interlocked.Decrement(ref _stored);
        }

        return user;
    }

    [Benchmark(Description = "Cachka GetOrCreate(key, state, factory), MaxSize 10,000")]
    public User Cachka_GetOrCreate()
    {
        var key = NextKey(out var id);
        return _cachka.GetOrCreate(key, id, static id => new User(id, "u"));
    }

    [Benchmark(Description = "Cachka GetOrCreateAsync(key, state, factory), MaxSize 10,000")]
    public ValueTask<User> Cachka_GetOrCreateAsync()
    {
        var key = NextKey(out var id);
        return _cachka.GetOrCreateAsync(key, id, static (id, _) => new ValueTask<User>(new User(id, "u")));
    }

    [Benchmark(Description = "IMemoryCache.GetOrCreate, SizeLimit 10,000 (drops entries when full)")]
    public User IMemoryCache_GetOrCreate()
    {
        var key = NextKey(out var id);
        return _memory.GetOrCreate(key, entry =>
        {
            entry.SetOptions(_memoryOptions);
            return new User(id, "u");
        })!;
    }

    [Benchmark(Description = "FusionCache.GetOrSet, SizeLimit 10,000")]
    public User FusionCache_GetOrSet()
    {
        var key = NextKey(out var id);
        return _fusion.GetOrSet(key, _ => new User(id, "u"));
    }
}

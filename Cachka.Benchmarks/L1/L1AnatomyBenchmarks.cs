using BenchmarkDotNet.Attributes;
using Cachka.Benchmarks.Shared;
using Cachka.Internal;

namespace Cachka.Benchmarks.L1;

/// <summary>
/// Where an L1 hit's time goes: the pieces of the hot path timed alone (the clock read, the hit
/// counter, the memory layer's lookup) and the whole hit through the concrete class versus the
/// <see cref="ICache"/> interface (a generic virtual call). For the performance review, not the README.
/// </summary>
[MemoryDiagnoser]
public class L1AnatomyBenchmarks
{
    private readonly string[] _keys = new string[WarmKeys.Count];
    private const int ContendedIncrements = 4 * 250_000;

    private readonly StripedCounter _counter = new();
    private readonly InterlockedStripedCounter _previous = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, User> _map = new(StringComparer.Ordinal);
    private readonly CacheClock _clock = new(TimeProvider.System);
    private LayeredCache _cache = null!;
    private ICache _interface = null!;
    private MemoryCacheLayer _l1 = null!;
    private WarmCycle _cycle;

    [GlobalSetup]
    public void Setup()
    {
        _cache = Peers.Cachka();
        _interface = _cache;
        _l1 = (MemoryCacheLayer)_cache.Layers[0];
        for (var id = 0; id < WarmKeys.Count; id++)
        {
            var key = _keys[id] = WarmKeys.For(id);
            var user = new User(id, "user " + id);
            _cache.Set(key, user);
            _map[key] = user;
            var typedKey = new UserKey(id);
            _cache.GetOrCreate(in typedKey, user, static u => u);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _cache.Dispose();

    private static void Contended(Action count)
    {
        var tasks = new Task[4];
        for (var t = 0; t < tasks.Length; t++)
            tasks[t] = Task.Run(count);
        Task.WaitAll(tasks);
    }

    private int NextId() => _cycle.Next();

    [Benchmark]
    public long Environment_TickCount64() => Environment.TickCount64;

    [Benchmark]
    public long Stopwatch_GetTimestamp() => System.Diagnostics.Stopwatch.GetTimestamp();

    [Benchmark]
    public int Environment_CurrentManagedThreadId() => Environment.CurrentManagedThreadId;

    [Benchmark]
    public User Floor_PrebuiltKey()
    {
        _map.TryGetValue(_keys[NextId()], out var user);
        return user!;
    }

    [Benchmark]
    public ValueTask<User> Floor_PrebuiltKey_Async()
    {
        _map.TryGetValue(_keys[NextId()], out var user);
        return new ValueTask<User>(user!);
    }

    [Benchmark]
    public long CacheClock_NowMs() => _clock.NowMs;

    [Benchmark]
    public void StripedCounter_Increment() => _counter.Increment();

    [Benchmark]
    public void PreviousCounter_Increment() => _previous.Increment();

    // Four pool threads counting at once: the previous design's cells were picked by thread id, so threads
    // sharing a cell fought over its cache line on every hit.
    [Benchmark(OperationsPerInvoke = ContendedIncrements)]
    public void StripedCounter_Increment_4Threads() => Contended(() =>
    {
        for (var i = 0; i < ContendedIncrements / 4; i++)
            _counter.Increment();
    });

    [Benchmark(OperationsPerInvoke = ContendedIncrements)]
    public void PreviousCounter_Increment_4Threads() => Contended(() =>
    {
        for (var i = 0; i < ContendedIncrements / 4; i++)
            _previous.Increment();
    });

    [Benchmark]
    public object? MemoryLayer_Find_String() => _l1.Find(_keys[NextId()]);

    [Benchmark]
    public object? MemoryLayer_Find_Typed()
    {
        var key = new UserKey(NextId());
        return _l1.Find(in key);
    }

    [Benchmark]
    public User LayeredCache_GetOrCreate_String()
    {
        var id = NextId();
        return _cache.GetOrCreate(_keys[id], id, static id => new User(id, "?"));
    }

    [Benchmark]
    public User ICache_GetOrCreate_String()
    {
        var id = NextId();
        return _interface.GetOrCreate(_keys[id], id, static id => new User(id, "?"));
    }

    [Benchmark]
    public ValueTask<User> LayeredCache_GetOrCreateAsync_String()
    {
        var id = NextId();
        return _cache.GetOrCreateAsync(_keys[id], id, static (id, _) => new ValueTask<User>(new User(id, "?")));
    }

    [Benchmark]
    public ValueTask<User> ICache_GetOrCreateAsync_String()
    {
        var id = NextId();
        return _interface.GetOrCreateAsync(_keys[id], id, static (id, _) => new ValueTask<User>(new User(id, "?")));
    }

    [Benchmark]
    public User LayeredCache_GetOrCreate_Typed()
    {
        var key = new UserKey(NextId());
        return _cache.GetOrCreate(in key, key.Id, static id => new User(id, "?"));
    }

    [Benchmark]
    public User ICache_GetOrCreate_Typed()
    {
        var key = new UserKey(NextId());
        return _interface.GetOrCreate(in key, key.Id, static id => new User(id, "?"));
    }
}

/// <summary>The hit counter before the review: every increment interlocked, on a cell picked by thread id.</summary>
internal sealed class InterlockedStripedCounter
{
    private readonly Cell[] _cells;
    private readonly int _mask;

    public InterlockedStripedCounter()
    {
        var size = 1;
        while (size < Environment.ProcessorCount * 2)
            size <<= 1;
        _cells = new Cell[size];
        _mask = size - 1;
    }

    public void Increment() => Interlocked.Increment(ref _cells[Environment.CurrentManagedThreadId & _mask].Value);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 64)]
    private struct Cell
    {
        [System.Runtime.InteropServices.FieldOffset(0)]
        public long Value;
    }
}

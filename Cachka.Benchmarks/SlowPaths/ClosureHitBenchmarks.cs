using BenchmarkDotNet.Attributes;
using Cachka.Benchmarks.Shared;
using Microsoft.Extensions.Caching.Memory;

namespace Cachka.Benchmarks.SlowPaths;

/// <summary>
/// The most common hand-written shape, <c>cache.GetOrCreate(key, () =&gt; Load(id))</c>, on a hit: the lambda captures
/// <c>id</c>, so each call allocates its closure (and, unless the JIT removes it, its delegate). One thread, then two
/// threads sharing the same keys (throughput per operation); and the state overload with a static lambda, which
/// allocates nothing (CACHKA028 suggests it for a capturing lambda).
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- interleaved ClosureHitBenchmarks</c>.
/// </summary>
[MemoryDiagnoser]
public class ClosureHitBenchmarks
{
    private const int Keys = 1_024;
    private const int ThreadOps = 200_000;

    private readonly string[] _keys = new string[Keys];
    private ICache _cachka = null!;
    private MemoryCache _memory = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        _cachka = Peers.Cachka();
        _memory = Peers.MemoryCache();
        for (var i = 0; i < Keys; i++)
        {
            _keys[i] = "user:" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _cachka.Set(_keys[i], Load(i));
            _memory.Set(_keys[i], Load(i));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cachka.Dispose();
        _memory.Dispose();
    }

    private static User Load(int id) => new(id, "u");

    [Benchmark(Baseline = true, Description = "IMemoryCache.GetOrCreate(key, _ => Load(id)), hit")]
    public User IMemoryCache_Closure()
    {
        var id = ++_i & (Keys - 1);
        return _memory.GetOrCreate(_keys[id], _ => Load(id))!;
    }

    [Benchmark(Description = "Cachka GetOrCreate(key, () => Load(id)), hit")]
    public User Cachka_Closure()
    {
        var id = ++_i & (Keys - 1);
        return _cachka.GetOrCreate(_keys[id], () => Load(id));
    }

    // What CACHKA028's code fix writes: the captured variable as state, a static lambda (created once).
    [Benchmark(Description = "Cachka GetOrCreate(key, id, static id => Load(id)), hit")]
    public User Cachka_State()
    {
        var id = ++_i & (Keys - 1);
        return _cachka.GetOrCreate(_keys[id], id, static id => Load(id));
    }

    [Benchmark(OperationsPerInvoke = 2 * ThreadOps, Description = "IMemoryCache closure hit, two threads")]
    public int IMemoryCache_Closure_TwoThreads() => TwoThreads(static (self, id) => self._memory.GetOrCreate(self._keys[id], _ => Load(id))!);

    [Benchmark(OperationsPerInvoke = 2 * ThreadOps, Description = "Cachka closure hit, two threads")]
    public int Cachka_Closure_TwoThreads() => TwoThreads(static (self, id) => self._cachka.GetOrCreate(self._keys[id], () => Load(id)));

    private int TwoThreads(Func<ClosureHitBenchmarks, int, User> call)
    {
        var start = new Barrier(2);
        var sums = new int[2];
        var threads = new Thread[2];
        for (var t = 0; t < 2; t++)
        {
            var index = t;
            threads[t] = new Thread(() =>
            {
                start.SignalAndWait();
                var sum = 0;
                for (var i = 0; i < ThreadOps; i++)
                    sum += call(this, (i * 7 + index * 512) & (Keys - 1)).Id;
                sums[index] = sum;
            });
            threads[t].Start();
        }

        foreach (var thread in threads)
            thread.Join();
        return sums[0] + sums[1];
    }
}

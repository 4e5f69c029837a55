using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Cachka.Benchmarks.Shared;
using Microsoft.Extensions.Caching.Memory;
using ZiggyCreatures.Caching.Fusion;

namespace Cachka.Benchmarks.Concurrency;

/// <summary>
/// Throughput under contention: 2x processor-count tasks share 160,000 operations of a fixed mix over 10,000 keys, 90%
/// get-or-create and 10% set. "Warm": every key fits, so the gets are hits. "Bounded": the cache holds
/// a quarter of the keys (Cachka MaxSize, IMemoryCache SizeLimit), so gets miss, factories run and
/// writes evict. Mean is per operation; baseline is Cachka in each category.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MixedLoadBenchmarks
{
    public const int KeyCount = 10_000;
    public const int BoundedSize = KeyCount / 4;
    private const int TotalOps = 160_000;
    private const string Warm = "Warm";
    private const string Bounded = "Bounded";

    private static readonly int Workers = Environment.ProcessorCount * 2;
    private static readonly int OpsPerWorker = TotalOps / Workers;

    private readonly string[] _keys = new string[KeyCount];
    private readonly User[] _values = new User[KeyCount];
    private int[][] _plans = null!;
    private ICache _cachka = null!;
    private ICache _cachkaBounded = null!;
    private MemoryCache _memory = null!;
    private MemoryCache _memoryBounded = null!;
    private FusionCache _fusion = null!;
    private FusionCache _fusionBounded = null!;
    private MemoryCacheEntryOptions _memoryOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < KeyCount; i++)
        {
            _keys[i] = WarmKeys.For(i);
            _values[i] = new User(i, "user " + i);
        }

        // Each worker's sequence is fixed up front so the random draw is not measured:
        // a non-negative entry is a get of that key, a negative one (~i) a set.
        _plans = new int[Workers][];
        for (var w = 0; w < Workers; w++)
        {
            var random = new Random(1234 + w);
            var plan = _plans[w] = new int[OpsPerWorker];
            for (var i = 0; i < plan.Length; i++)
            {
                var key = random.Next(KeyCount);
                plan[i] = random.Next(10) == 0 ? ~key : key;
            }
        }

        _memoryOptions = new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Peers.Ttl, Size = 1 };
        _cachka = Peers.Cachka(KeyCount * 2);
        _cachkaBounded = Peers.Cachka(BoundedSize);
        _memory = Peers.MemoryCache();
        _memoryBounded = Peers.MemoryCache(BoundedSize);
        _fusion = Peers.FusionCache();
        _fusionBounded = Peers.FusionCache(BoundedSize);
        for (var i = 0; i < KeyCount; i++)
        {
            _cachka.Set(_keys[i], _values[i]);
            _memory.Set(_keys[i], _values[i], _memoryOptions);
            _fusion.Set(_keys[i], _values[i]);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cachka.Dispose();
        _cachkaBounded.Dispose();
        _memory.Dispose();
        _memoryBounded.Dispose();
        _fusion.Dispose();
        _fusionBounded.Dispose();
    }

    [Benchmark(OperationsPerInvoke = TotalOps, Baseline = true, Description = "Cachka"), BenchmarkCategory(Warm)]
    public void Cachka_Warm() => Run(_cachka, CachkaWorker);

    [Benchmark(OperationsPerInvoke = TotalOps, Description = "IMemoryCache"), BenchmarkCategory(Warm)]
    public void MemoryCache_Warm() => Run(_memory, MemoryWorker);

    [Benchmark(OperationsPerInvoke = TotalOps, Description = "FusionCache"), BenchmarkCategory(Warm)]
    public void FusionCache_Warm() => Run(_fusion, FusionWorker);

    [Benchmark(OperationsPerInvoke = TotalOps, Baseline = true, Description = "Cachka"), BenchmarkCategory(Bounded)]
    public void Cachka_Bounded() => Run(_cachkaBounded, CachkaWorker);

    [Benchmark(OperationsPerInvoke = TotalOps, Description = "IMemoryCache"), BenchmarkCategory(Bounded)]
    public void MemoryCache_Bounded() => Run(_memoryBounded, MemoryWorker);

    [Benchmark(OperationsPerInvoke = TotalOps, Description = "FusionCache"), BenchmarkCategory(Bounded)]
    public void FusionCache_Bounded() => Run(_fusionBounded, FusionWorker);

    private void Run<TCache>(TCache cache, Action<TCache, int[], string[], User[]> worker)
    {
        var tasks = new Task[Workers];
        for (var w = 0; w < tasks.Length; w++)
        {
            var plan = _plans[w];
            tasks[w] = Task.Run(() => worker(cache, plan, _keys, _values));
        }

        Task.WaitAll(tasks);
    }

    private static void CachkaWorker(ICache cache, int[] plan, string[] keys, User[] values)
    {
        foreach (var op in plan)
        {
            if (op >= 0)
                cache.GetOrCreate(keys[op], values[op], static v => v);
            else
                cache.Set(keys[~op], values[~op]);
        }
    }

    private void MemoryWorker(MemoryCache cache, int[] plan, string[] keys, User[] values)
    {
        var options = _memoryOptions;
        foreach (var op in plan)
        {
            if (op >= 0)
            {
                if (!cache.TryGetValue(keys[op], out _))
                    cache.Set(keys[op], values[op], options);
            }
            else
            {
                cache.Set(keys[~op], values[~op], options);
            }
        }
    }

    private static void FusionWorker(FusionCache cache, int[] plan, string[] keys, User[] values)
    {
        foreach (var op in plan)
        {
            if (op >= 0)
                cache.GetOrSet(keys[op], values[op]);
            else
                cache.Set(keys[~op], values[~op]);
        }
    }
}

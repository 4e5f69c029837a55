using BenchmarkDotNet.Attributes;
using Cachka.Benchmarks.Shared;

namespace Cachka.Benchmarks.SlowPaths;

/// <summary>Where a cold miss spends its time: each piece of <see cref="ColdMissBenchmarks"/>'s Cachka case alone (internals).</summary>
public class MissAnatomyBenchmarks
{
    private const int Capacity = ColdMissBenchmarks.Capacity;
    private MemoryCacheLayer _layer = null!;
    private FlightTable _flights = null!;
    private LayeredCache _cache = null!;
    private LayeredCache _cacheSet = null!;
    private long _next;

    [GlobalSetup]
    public void Setup()
    {
        _layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = Capacity, Ttl = Peers.Ttl }.Settings);
        _flights = new FlightTable();
        _cache = Peers.Cachka(Capacity);
        _cacheSet = Peers.Cachka(Capacity);
        for (var i = 0; i < Capacity; i++)
        {
            Layer_Store();
            Cachka_GetOrCreate();
            Cachka_Set();
        }
    }

    private string NextKey() => "user:" + (++_next).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Benchmark(Baseline = true)]
    public object Key_and_value() => new User((int)_next, NextKey());

    [Benchmark]
    public object Layer_Store() => _layer.Store(NextKey(), new User(1, "u"), DateTimeOffset.UtcNow + Peers.Ttl);

    [Benchmark]
    public object Flight_Join_Land()
    {
        var key = NextKey();
        var flight = _flights.Join<User>(key, CancellationToken.None, out _)!;
        flight.Complete(new User(1, "u"));
        _flights.Land(flight);
        return flight;
    }

    [Benchmark]
    public object Cachka_Set()
    {
        _cacheSet.Set(NextKey(), new User(1, "u"));
        return _cacheSet;
    }

    [Benchmark]
    public User Cachka_GetOrCreate() => _cache.GetOrCreate(NextKey(), 1, static id => new User(id, "u"));
}

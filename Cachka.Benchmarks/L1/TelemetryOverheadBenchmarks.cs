using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Cachka.Benchmarks.Shared;

namespace Cachka.Benchmarks.L1;

/// <summary>
/// What listening costs: the L1-hit paths with nobody listening, and with a <see cref="MeterListener"/> collecting
/// every "Cachka" instrument and an <see cref="ActivityListener"/> recording every "Cachka" span (what
/// <c>AddMeter("Cachka")</c> and <c>AddSource("Cachka")</c> do). Bar: at most 15% on the hit (same run).
/// </summary>
[MemoryDiagnoser]
public class TelemetryOverheadBenchmarks
{
    private readonly string[] _keys = new string[WarmKeys.Count];
    private ICache _cache = null!;
    private MeterListener? _meters;
    private ActivityListener? _activities;
    private WarmCycle _cycle;

    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Listening)
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == "Cachka")
                        listener.EnableMeasurementEvents(instrument);
                },
            };
            _meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
            _meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
            _meters.Start();
            _activities = new ActivityListener
            {
                ShouldListenTo = static source => source.Name == "Cachka",
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_activities);
        }

        _cache = Peers.Cachka();
        for (var id = 0; id < WarmKeys.Count; id++)
        {
            var key = _keys[id] = WarmKeys.For(id);
            var user = new User(id, "user " + id);
            _cache.Set(key, user);
            var typedKey = new UserKey(id);
            _cache.GetOrCreate(in typedKey, user, static u => u);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        _meters?.Dispose();
        _activities?.Dispose();
    }

    private int NextId() => _cycle.Next();

    [Benchmark(Baseline = true, Description = "GetOrCreate, typed key (L1 hit)")]
    public User GetOrCreate_TypedKey()
    {
        var key = new UserKey(NextId());
        return _cache.GetOrCreate(in key, key.Id, static id => new User(id, "user " + id));
    }

    [Benchmark(Description = "Get, pre-built key (L1 hit)")]
    public User? Get_PrebuiltKey() => _cache.Get<User>(_keys[NextId()]);

    [Benchmark(Description = "GetOrCreateAsync, typed key (L1 hit)")]
    public ValueTask<User> GetOrCreateAsync_TypedKey()
    {
        var key = new UserKey(NextId());
        return _cache.GetOrCreateAsync(in key, key.Id, static (id, _) => new ValueTask<User>(new User(id, "user " + id)));
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cachka.Telemetry;

/// <summary>
/// The <c>Cachka</c> <see cref="Meter"/> and <see cref="ActivitySource"/>. Instruments are created once per process
/// from <see cref="MetricFamilies"/> and observe every live cache (unless its <c>EnableMetrics</c> is false), so
/// several caches never collide (the Python cachka's "Duplicated timeseries" defect). Observable instruments cost
/// nothing on the hot path: they read the counters the cache keeps anyway; the duration histogram is recorded only
/// for operations that reach below L1 and for factory runs, and only while someone listens. Keys are never tags.
/// </summary>
internal static class CachkaTelemetry
{
    public const string Name = "Cachka";

    public static readonly ActivitySource Activities = new(Name);

    private static readonly ConcurrentDictionary<IMeteredCache, byte> s_caches = new(ReferenceEqualityComparer.Instance);
    private static readonly Meter s_meter = new(Name);
    private static readonly Histogram<double> s_durations = CreateInstruments();

    public static void Register(IMeteredCache cache)
    {
        if (cache.EnableMetrics)
            s_caches.TryAdd(cache, 0);
    }

    public static void Unregister(IMeteredCache cache) => s_caches.TryRemove(cache, out _);

    /// <summary>Every cache the meter observes (the live ones with <c>EnableMetrics</c>), for the combined Prometheus text.</summary>
    public static IEnumerable<IMeteredCache> Caches => s_caches.Keys;

    public static void RecordDuration(long ticks, KeyValuePair<string, object?> cache, CacheOperation operation)
    {
        if (s_durations.Enabled)
            s_durations.Record((double)ticks / Stopwatch.Frequency, cache, MetricFamilies.Label("operation", MetricFamilies.Name(operation)));
    }

    private static Histogram<double> CreateInstruments()
    {
        foreach (var family in MetricFamilies.All)
        {
            if (family.Observe is not { } observe)
                continue;
            if (family.Kind == MetricKind.Counter)
                s_meter.CreateObservableCounter(family.Instrument, () => Observe(observe), family.Unit, family.Help);
            else
                s_meter.CreateObservableGauge(family.Instrument, () => Observe(observe), family.Unit, family.Help);
        }

        return s_meter.CreateHistogram(MetricFamilies.Durations.Instrument, MetricFamilies.Durations.Unit, MetricFamilies.Durations.Help,
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationHistogram.Bounds });
    }

    private static IEnumerable<Measurement<long>> Observe(Func<IMeteredCache, IEnumerable<MetricSample>> observe)
    {
        foreach (var cache in s_caches.Keys)
        {
            foreach (var sample in observe(cache))
                yield return new Measurement<long>(sample.Value, sample.Labels);
        }
    }
}

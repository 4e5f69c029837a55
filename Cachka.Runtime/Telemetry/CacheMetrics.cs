using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

using Cachka.Internal;

namespace Cachka.Telemetry;

/// <summary>
/// The counters of one cache that the layers do not keep themselves (misses, joins, errors by layer and type,
/// operation durations), and the Prometheus text of any set of caches (<see cref="Render"/>), made from
/// <see cref="MetricFamilies"/>. L1 hits are the memory layer's own counter, so a hit increments exactly one counter.
/// </summary>
internal sealed class CacheMetrics
{
    private static readonly string[] s_bounds = Array.ConvertAll(DurationHistogram.Bounds, b => b.ToString(CultureInfo.InvariantCulture));

    private readonly ConcurrentDictionary<(string Layer, string ErrorType), StrongBox<long>> _errors = new();
    private readonly DurationHistogram[] _durations = [new(), new(), new(), new(), new()];

    public StripedCounter Misses { get; } = new();

    /// <summary>Callers that joined another caller's in-flight fill of the same key (stampede protection) instead of reading the layers.</summary>
    public StripedCounter Joined { get; } = new();

    /// <summary>Fills that served a stale value (fail-safe: the factory failed or timed out).</summary>
    public StripedCounter Stale { get; } = new();

    /// <summary>Factories not waited for past their timeout (they went on in the background).</summary>
    public StripedCounter FactoryTimeouts { get; } = new();

    /// <summary>Eager refreshes started by a hit past the entry's refresh point.</summary>
    public StripedCounter Refreshes { get; } = new();

    /// <summary>The cache's name as a label, and whether its durations also go to the meter (its <c>EnableMetrics</c>).</summary>
    public KeyValuePair<string, object?> CacheLabel { get; init; }

    public bool Published { get; init; }

    public void Error(string layer, string errorType) =>
        Interlocked.Increment(ref _errors.GetOrAdd((layer, errorType), static _ => new StrongBox<long>()).Value);

    /// <summary>Records the time since <paramref name="startTimestamp"/> (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>).</summary>
    public void Duration(CacheOperation operation, long startTimestamp)
    {
        var ticks = System.Diagnostics.Stopwatch.GetTimestamp() - startTimestamp;
        _durations[(int)operation].Record(ticks);
        if (Published)
            CachkaTelemetry.RecordDuration(ticks, CacheLabel, operation);
    }

    public DurationHistogram Durations(CacheOperation operation) => _durations[(int)operation];

    public long ErrorCount(string errorType)
    {
        long total = 0;
        foreach (var (key, box) in _errors)
        {
            if (key.ErrorType == errorType)
                total += Volatile.Read(ref box.Value);
        }

        return total;
    }

    public long TotalErrors()
    {
        long total = 0;
        foreach (var (_, box) in _errors)
            total += Volatile.Read(ref box.Value);
        return total;
    }

    public IEnumerable<(string Layer, string ErrorType, long Count)> Errors()
    {
        foreach (var (key, box) in _errors)
            yield return (key.Layer, key.ErrorType, Volatile.Read(ref box.Value));
    }

    /// <summary>
    /// The caches' metrics as one Prometheus text exposition: each family's HELP and TYPE once, then every cache's
    /// samples. Caches that share a name (two hosts in one process, each with a "default" cache) are added together,
    /// so no series appears twice (for breaker states, the worst one is kept).
    /// </summary>
    public static string Render(IEnumerable<IMeteredCache> caches)
    {
        var list = caches.ToList();
        var text = new StringBuilder();
        foreach (var family in MetricFamilies.All)
        {
            text.Append("# HELP ").Append(family.Prometheus).Append(' ').Append(family.Help).Append('\n')
                .Append("# TYPE ").Append(family.Prometheus).Append(' ').Append(family.Kind == MetricKind.Histogram ? "histogram" : family.Kind == MetricKind.Counter ? "counter" : "gauge").Append('\n');
            if (family.Kind == MetricKind.Histogram)
                RenderDurations(text, family.Prometheus, list);
            else
                RenderSamples(text, family, list);
        }

        return text.ToString();
    }

    private static void RenderSamples(StringBuilder text, MetricFamily family, List<IMeteredCache> caches)
    {
        var series = new Dictionary<string, long>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var cache in caches)
        {
            foreach (var sample in family.Observe!(cache))
            {
                var labels = Labels(sample.Labels);
                if (!series.TryGetValue(labels, out var value))
                {
                    order.Add(labels);
                    series[labels] = sample.Value;
                }
                else
                {
                    series[labels] = family.Kind == MetricKind.Gauge && family == MetricFamilies.BreakerState ? Math.Max(value, sample.Value) : value + sample.Value;
                }
            }
        }

        foreach (var labels in order)
            text.Append(family.Prometheus).Append('{').Append(labels).Append("} ").Append(series[labels].ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void RenderDurations(StringBuilder text, string name, List<IMeteredCache> caches)
    {
        var series = new Dictionary<string, (long[] Cumulative, double Sum)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var cache in caches)
        {
            foreach (var operation in Enum.GetValues<CacheOperation>())
            {
                var histogram = cache.Metrics.Durations(operation);
                if (histogram.Count == 0)
                    continue;
                var labels = Labels([MetricFamilies.Label("cache", cache.Name), MetricFamilies.Label("operation", MetricFamilies.Name(operation))]);
                var read = histogram.Read();
                if (series.TryGetValue(labels, out var seen))
                {
                    for (var i = 0; i < read.Cumulative.Length; i++)
                        read.Cumulative[i] += seen.Cumulative[i];
                    read.Sum += seen.Sum;
                }
                else
                {
                    order.Add(labels);
                }

                series[labels] = read;
            }
        }

        foreach (var labels in order)
        {
            var (cumulative, sum) = series[labels];
            for (var i = 0; i < cumulative.Length; i++)
            {
                var le = i < s_bounds.Length ? s_bounds[i] : "+Inf";
                text.Append(name).Append("_bucket{").Append(labels).Append(",le=\"").Append(le).Append("\"} ").Append(cumulative[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            text.Append(name).Append("_sum{").Append(labels).Append("} ").Append(sum.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            text.Append(name).Append("_count{").Append(labels).Append("} ").Append(cumulative[^1].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static string Labels(KeyValuePair<string, object?>[] labels)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in labels)
        {
            if (text.Length > 0)
                text.Append(',');
            text.Append(name).Append("=\"").Append(Escape(value as string ?? "")).Append('"');
        }

        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal);
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

using Cachka.Internal;
using Cachka.Layers;

namespace Cachka.Telemetry;

/// <summary>
/// The counters of one cache (requests by outcome, errors by layer and type) and their rendering in the
/// Prometheus text format with the Python cachka's metric names. L1 hits are the memory layer's own counter,
/// so a hit increments exactly one counter.
/// </summary>
internal sealed class CacheMetrics
{
    private readonly ConcurrentDictionary<(string Layer, string ErrorType), StrongBox<long>> _errors = new();

    public StripedCounter Misses { get; } = new();

    /// <summary>Callers that joined another caller's in-flight fill of the same key (stampede protection) instead of reading the layers.</summary>
    public StripedCounter Joined { get; } = new();

    public void Error(string layer, string errorType) =>
        Interlocked.Increment(ref _errors.GetOrAdd((layer, errorType), static _ => new StrongBox<long>()).Value);

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

    public string Render(string cacheName, CacheStatistics statistics, IEnumerable<ILayerCounters> memoryLayers)
    {
        var text = new StringBuilder();
        var cache = Escape(cacheName);

        Header(text, "cache_requests_total", "Cache requests", "counter");
        for (var i = 0; i < statistics.Hits.Count; i++)
            Sample(text, "cache_requests_total", $"cache=\"{cache}\",type=\"hit_layer_{i}\"", statistics.Hits[i]);
        Sample(text, "cache_requests_total", $"cache=\"{cache}\",type=\"miss\"", statistics.Misses);
        Sample(text, "cache_requests_total", $"cache=\"{cache}\",type=\"joined\"", Joined.Value);

        Header(text, "cache_errors_total", "Cache errors", "counter");
        var errors = Errors().OrderBy(e => e.Layer, StringComparer.Ordinal).ThenBy(e => e.ErrorType, StringComparer.Ordinal).ToList();
        foreach (var (layer, errorType, count) in errors)
            Sample(text, "cache_errors_total", $"cache=\"{cache}\",layer=\"{Escape(layer)}\",error_type=\"{Escape(errorType)}\"", count);

        var memory = memoryLayers.ToList();
        if (memory.Count > 0)
        {
            Counters(text, memory, "cache_l1_hits_total", "L1 cache hits", static m => m.Hits);
            Counters(text, memory, "cache_l1_misses_total", "L1 cache misses", static m => m.Misses);
            Counters(text, memory, "cache_l1_evictions_total", "L1 cache evictions", static m => m.Evictions);
        }

        return text.ToString();
    }

    private static void Counters(StringBuilder text, List<ILayerCounters> layers, string name, string help, Func<ILayerCounters, long> read)
    {
        Header(text, name, help, "counter");
        foreach (var layer in layers)
            Sample(text, name, $"cache=\"{Escape(layer.Name)}\"", read(layer));
    }

    private static void Header(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, long value) =>
        text.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal);
}

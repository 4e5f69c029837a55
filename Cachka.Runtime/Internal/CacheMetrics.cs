using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Cachka.Internal;

/// <summary>
/// The counters of one cache (requests by outcome, errors by layer and type) and their rendering in the
/// Prometheus text format with the seed's metric names. L1 hits are the memory layer's own counter,
/// so a hit increments exactly one counter.
/// </summary>
internal sealed class CacheMetrics
{
    private readonly ConcurrentDictionary<(string Layer, string ErrorType), StrongBox<long>> _errors = new();

    public StripedCounter Misses { get; } = new();

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

    public IEnumerable<(string Layer, string ErrorType, long Count)> Errors()
    {
        foreach (var (key, box) in _errors)
            yield return (key.Layer, key.ErrorType, Volatile.Read(ref box.Value));
    }

    public string Render(string cacheName, IReadOnlyList<LayerSlot> layers)
    {
        var text = new StringBuilder();
        var cache = Escape(cacheName);

        Header(text, "cache_requests_total", "Cache requests", "counter");
        for (var i = 0; i < layers.Count; i++)
            Sample(text, "cache_requests_total", $"cache=\"{cache}\",type=\"hit_layer_{i}\"", HitCount(layers[i]));
        Sample(text, "cache_requests_total", $"cache=\"{cache}\",type=\"miss\"", Misses.Value);

        Header(text, "cache_errors_total", "Cache errors", "counter");
        var errors = Errors().OrderBy(e => e.Layer, StringComparer.Ordinal).ThenBy(e => e.ErrorType, StringComparer.Ordinal).ToList();
        if (errors.Count == 0)
            Sample(text, "cache_errors_total", $"cache=\"{cache}\",layer=\"\",error_type=\"none\"", 0);
        foreach (var (layer, errorType, count) in errors)
            Sample(text, "cache_errors_total", $"cache=\"{cache}\",layer=\"{Escape(layer)}\",error_type=\"{Escape(errorType)}\"", count);

        var memoryLayers = layers.Select(l => l.Layer).OfType<MemoryCacheLayer>().ToList();
        if (memoryLayers.Count > 0)
        {
            Header(text, "cache_l1_hits_total", "L1 cache hits", "counter");
            foreach (var memory in memoryLayers)
                Sample(text, "cache_l1_hits_total", $"cache=\"{Escape(memory.Name)}\"", memory.Hits.Value);
            Header(text, "cache_l1_misses_total", "L1 cache misses", "counter");
            foreach (var memory in memoryLayers)
                Sample(text, "cache_l1_misses_total", $"cache=\"{Escape(memory.Name)}\"", memory.Misses.Value);
            Header(text, "cache_l1_evictions_total", "L1 cache evictions", "counter");
            foreach (var memory in memoryLayers)
                Sample(text, "cache_l1_evictions_total", $"cache=\"{Escape(memory.Name)}\"", memory.Evictions.Value);
        }

        return text.ToString();
    }

    public static long HitCount(LayerSlot slot) => slot.Layer is MemoryCacheLayer memory && slot.Index == 0 ? memory.Hits.Value : slot.Hits.Value;

    private static void Header(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, long value) =>
        text.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal);
}

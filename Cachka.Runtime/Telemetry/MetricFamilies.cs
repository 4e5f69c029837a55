using Cachka.Layers;

namespace Cachka.Telemetry;

/// <summary>How a family is published: a monotonic counter, a gauge, or a histogram of durations.</summary>
internal enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>One metric family: its OpenTelemetry instrument on the <c>Cachka</c> meter and its Prometheus name.</summary>
internal sealed record MetricFamily(string Instrument, string Unit, string Prometheus, MetricKind Kind, string Help, Func<IMeteredCache, IEnumerable<MetricSample>>? Observe);

/// <summary>One value of a family with its labels (never a cache key).</summary>
internal readonly record struct MetricSample(long Value, KeyValuePair<string, object?>[] Labels);

/// <summary>
/// The one list of Cachka's metrics. The meter's instruments and <c>GetMetricsText()</c> are both made from it and
/// read the same counters, so the two never disagree. Instrument names follow OpenTelemetry's conventions (dotted,
/// unit in the unit field); an OpenTelemetry Prometheus exporter turns each into the Prometheus name listed here,
/// which is also what <c>GetMetricsText()</c> prints (the Python cachka's names). docs/observability.md has the table.
/// </summary>
internal static class MetricFamilies
{
    public static readonly MetricFamily Requests = new("cache.requests", "{request}", "cache_requests_total", MetricKind.Counter,
        "Cache requests by outcome: hit_layer_<i> (the layer that answered, L1 first), miss (the origin or nothing), joined (waited for another caller's fill of the same key); stale counts the fills that served a fail-safe value",
        static cache => ObserveRequests(cache));

    public static readonly MetricFamily Errors = new("cache.errors", "{error}", "cache_errors_total", MetricKind.Counter,
        "Layer failures, refusals and skips by layer and error type",
        static cache => cache.Metrics.Errors().OrderBy(e => e.Layer, StringComparer.Ordinal).ThenBy(e => e.ErrorType, StringComparer.Ordinal)
            .Select(e => new MetricSample(e.Count, [Label("cache", cache.Name), Label("layer", e.Layer), Label("error_type", e.ErrorType)])));

    public static readonly MetricFamily L1Hits = MemoryCounter("cache.l1.hits", "{hit}", "cache_l1_hits_total", "L1 (memory layer) hits", static m => m.Hits);

    public static readonly MetricFamily L1Misses = MemoryCounter("cache.l1.misses", "{miss}", "cache_l1_misses_total", "L1 (memory layer) misses", static m => m.Misses);

    public static readonly MetricFamily L1Evictions = MemoryCounter("cache.l1.evictions", "{eviction}", "cache_l1_evictions_total", "L1 (memory layer) evictions to stay within MaxSize", static m => m.Evictions);

    public static readonly MetricFamily L1Size = new("cache.l1.size", "{entry}", "cache_l1_size", MetricKind.Gauge, "Entries held by the L1 (memory) layer",
        static cache => cache.MemoryLayers().Select(m => new MetricSample(m.Size, [Label("cache", cache.Name), Label("layer", m.Name)])));

    public static readonly MetricFamily BreakerState = new("cache.breaker.state", "1", "cache_breaker_state", MetricKind.Gauge,
        "Circuit-breaker state of each layer: 0 closed, 1 half-open (one probe let through), 2 open (the layer is skipped)",
        static cache => cache.Breakers().Select(b => new MetricSample(b.Breaker switch { "OPEN" => 2, "HALF_OPEN" => 1, _ => 0 }, [Label("cache", cache.Name), Label("layer", b.Layer)])));

    public static readonly MetricFamily BackgroundRuns = new("cache.background_runs", "{run}", "cache_background_runs_total", MetricKind.Counter,
        "Factory runs that went on without a caller waiting: eager_refresh (a hit late in the TTL started it), timed_out (its callers stopped waiting at a factory timeout)",
        static cache => [
            new MetricSample(cache.Metrics.Refreshes.Value, [Label("cache", cache.Name), Label("kind", "eager_refresh")]),
            new MetricSample(cache.Metrics.FactoryTimeouts.Value, [Label("cache", cache.Name), Label("kind", "timed_out")]),
        ]);

    public static readonly MetricFamily Durations = new("cache.operation.duration", "s", "cache_operation_duration_seconds", MetricKind.Histogram,
        "Duration of cache operations that reach a layer below L1 (get, set, delete, invalidate_tag) and of factory runs", null);

    public static readonly IReadOnlyList<MetricFamily> All = [Requests, Errors, L1Hits, L1Misses, L1Evictions, L1Size, BreakerState, BackgroundRuns, Durations];

    public static string Name(CacheOperation operation) => operation switch
    {
        CacheOperation.Get => "get",
        CacheOperation.Set => "set",
        CacheOperation.Delete => "delete",
        CacheOperation.InvalidateTag => "invalidate_tag",
        _ => "factory",
    };

    public static KeyValuePair<string, object?> Label(string name, string value) => new(name, value);

    private static IEnumerable<MetricSample> ObserveRequests(IMeteredCache cache)
    {
        var stats = cache.GetStatistics();
        for (var i = 0; i < stats.Hits.Count; i++)
            yield return new MetricSample(stats.Hits[i], [Label("cache", cache.Name), Label("type", $"hit_layer_{i}")]);
        yield return new MetricSample(stats.Misses, [Label("cache", cache.Name), Label("type", "miss")]);
        yield return new MetricSample(cache.Metrics.Joined.Value, [Label("cache", cache.Name), Label("type", "joined")]);
        yield return new MetricSample(cache.Metrics.Stale.Value, [Label("cache", cache.Name), Label("type", "stale")]);
    }

    private static MetricFamily MemoryCounter(string instrument, string unit, string prometheus, string help, Func<ILayerCounters, long> read) =>
        new(instrument, unit, prometheus, MetricKind.Counter, help,
            cache => cache.MemoryLayers().Select(m => new MetricSample(read(m), [Label("cache", cache.Name), Label("layer", m.Name)])));
}

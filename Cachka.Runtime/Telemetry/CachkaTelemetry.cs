using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

using Cachka.Layers;

namespace Cachka.Telemetry;

/// <summary>
/// The <c>Cachka</c> <see cref="Meter"/> and <see cref="ActivitySource"/>. Instruments are created once
/// per process and observe every live cache with <c>CacheConfig.EnableMetrics</c>, so several
/// caches never collide (the Python cachka's "Duplicated timeseries" defect). Observable counters cost nothing
/// on the hot path: they read the counters the cache keeps anyway. Keys are never tags.
/// </summary>
internal static class CachkaTelemetry
{
    public const string Name = "Cachka";

    public static readonly ActivitySource Activities = new(Name);

    private static readonly ConcurrentDictionary<IMeteredCache, byte> s_caches = new(ReferenceEqualityComparer.Instance);
    private static readonly Meter s_meter = CreateMeter();

    public static void Register(IMeteredCache cache)
    {
        if (cache.EnableMetrics)
            s_caches.TryAdd(cache, 0);
    }

    public static void Unregister(IMeteredCache cache) => s_caches.TryRemove(cache, out _);

    private static Meter CreateMeter()
    {
        var meter = new Meter(Name);
        meter.CreateObservableCounter("cachka.requests", ObserveRequests, "{request}", "Cache lookups by outcome: hit_layer_<i> or miss.");
        meter.CreateObservableCounter("cachka.errors", ObserveErrors, "{error}", "Layer failures and circuit-breaker refusals, by layer and error type.");
        meter.CreateObservableCounter("cachka.l1.hits", () => ObserveMemory(static m => m.Hits), "{hit}", "L1 (memory) hits.");
        meter.CreateObservableCounter("cachka.l1.misses", () => ObserveMemory(static m => m.Misses), "{miss}", "L1 (memory) misses.");
        meter.CreateObservableCounter("cachka.l1.evictions", () => ObserveMemory(static m => m.Evictions), "{eviction}", "L1 (memory) evictions to stay within MaxSize.");
        return meter;
    }

    private static IEnumerable<Measurement<long>> ObserveRequests()
    {
        foreach (var cache in s_caches.Keys)
        {
            var stats = cache.GetStatistics();
            for (var i = 0; i < stats.Hits.Count; i++)
                yield return new Measurement<long>(stats.Hits[i], new("cache", cache.Name), new("type", $"hit_layer_{i}"));
            yield return new Measurement<long>(stats.Misses, new("cache", cache.Name), new("type", "miss"));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveErrors()
    {
        foreach (var cache in s_caches.Keys)
        {
            foreach (var (layer, errorType, count) in cache.Errors())
                yield return new Measurement<long>(count, new("cache", cache.Name), new("layer", layer), new("error_type", errorType));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveMemory(Func<ILayerCounters, long> read)
    {
        foreach (var cache in s_caches.Keys)
        {
            foreach (var memory in cache.MemoryLayers())
                yield return new Measurement<long>(read(memory), new KeyValuePair<string, object?>("cache", memory.Name));
        }
    }
}

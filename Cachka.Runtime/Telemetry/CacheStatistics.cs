namespace Cachka.Telemetry;

/// <summary>Counters of one cache: hits per layer (L1 first), misses, and layer errors.</summary>
internal sealed record CacheStatistics(IReadOnlyList<long> Hits, long Misses, long Errors);

/// <summary>What the <c>Cachka</c> meter and the Prometheus text read from a cache.</summary>
internal interface IMeteredCache
{
    string Name { get; }

    bool EnableMetrics { get; }

    CacheStatistics GetStatistics();

    CacheMetrics Metrics { get; }

    /// <summary>Each layer's name and circuit-breaker state (<c>CLOSED</c> for a layer without one).</summary>
    IEnumerable<(string Layer, string Breaker)> Breakers();

    IEnumerable<Layers.ILayerCounters> MemoryLayers();
}

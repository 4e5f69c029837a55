namespace Cachka.Telemetry;

/// <summary>Counters of one cache: hits per layer (L1 first), misses, and layer errors.</summary>
internal sealed record CacheStatistics(IReadOnlyList<long> Hits, long Misses, long Errors);

/// <summary>What the <c>Cachka</c> meter reads from a cache it observes.</summary>
internal interface IMeteredCache
{
    string Name { get; }

    bool EnableMetrics { get; }

    CacheStatistics GetStatistics();

    IEnumerable<(string Layer, string ErrorType, long Count)> Errors();

    IEnumerable<Layers.ILayerCounters> MemoryLayers();
}

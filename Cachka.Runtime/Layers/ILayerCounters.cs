namespace Cachka.Layers;

/// <summary>A layer that counts its own lookups (the memory layer: its hits never reach the pipeline's counters).</summary>
internal interface ILayerCounters
{
    string Name { get; }

    long Hits { get; }

    long Misses { get; }

    long Evictions { get; }

    /// <summary>Entries held now.</summary>
    long Size { get; }
}

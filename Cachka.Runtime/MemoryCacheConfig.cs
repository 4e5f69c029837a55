using Cachka.Internal;
using Cachka.Layers;
using Cachka.Layers.Memory;

namespace Cachka;

/// <summary>The in-process memory layer: sharded, TTL + LRU, bounded by <see cref="MaxSize"/> entries in total.</summary>
public sealed record MemoryCacheConfig : CacheLayerConfig
{
    /// <summary>Maximum number of entries in the whole layer (never exceeded).</summary>
    public int MaxSize { get; init; } = 1024;

    /// <summary>Longest time an entry lives in memory; a shorter per-call TTL wins.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Number of independently locked LRU shards (capped at <see cref="MaxSize"/>).</summary>
    public int Shards { get; init; } = 8;

    /// <summary>Publish this layer's hit, miss and eviction counters (they are always counted).</summary>
    public bool EnableMetrics { get; init; }

    /// <inheritdoc/>
    public override string Name { get; init; } = "memory_cache";

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (MaxSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxSize), MaxSize, "MemoryCacheConfig.MaxSize must be > 0 (the most entries the memory layer may hold).");
        if (Shards <= 0)
            throw new ArgumentOutOfRangeException(nameof(Shards), Shards, "MemoryCacheConfig.Shards must be > 0 (8 is a good default).");
        Guard.Positive(Ttl, "MemoryCacheConfig.Ttl");
    }

    /// <inheritdoc/>
    public override ICacheLayer CreateLayer(CacheLayerContext context) => new MemoryCacheLayer(Settings, context.Time);

    internal MemoryLayerSettings Settings => new(Name, MaxSize, Ttl, Shards);
}

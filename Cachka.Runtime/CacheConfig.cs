using Cachka.Layers;
using Cachka.Pipeline;
using Microsoft.Extensions.Logging;

namespace Cachka;

/// <summary>
/// Configuration of one cache: its ordered layers (L1 first) and cache-wide behaviour.
/// Validated once, when the cache is built (<see cref="CacheRegistry.Initialize(CacheConfig?, TimeProvider?, Microsoft.Extensions.Logging.ILoggerFactory?)"/>).
/// </summary>
public sealed record CacheConfig
{
    /// <summary>
    /// Ordered layers, L1 first. Layers compose in any order and any subset. Defaults to the embedded
    /// default, memory + SQLite <c>cache.db</c> (the same in <c>new CacheConfig()</c>, <see cref="Default"/>,
    /// <c>CacheRegistry.Initialize()</c>, <c>AddCachka()</c> and appsettings without <c>Layers</c>); give
    /// <c>[new MemoryCacheConfig()]</c> for a memory-only cache.
    /// </summary>
    public IReadOnlyList<CacheLayerConfig> Layers { get; init; } = DefaultLayers();

    /// <summary>The value of the <c>cache</c> label on metrics and the cache's name in health reports.</summary>
    public string Name { get; init; } = "default";

    /// <summary>TTL used when a call gives none (the Python cachka's <c>@cached</c> default of five minutes).</summary>
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often expired entries are removed from every layer and storage is compacted; null turns maintenance off.</summary>
    public TimeSpan? VacuumInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Cache-wide defaults for what a call leaves unset: <see cref="CacheEntryOptions.Ttl"/> (before
    /// <see cref="DefaultTtl"/>), <see cref="CacheEntryOptions.Jitter"/>, and the resilience options (fail-safe, factory
    /// timeouts, eager refresh; docs/resilience.md). Tags are per entry and may not be set here.
    /// </summary>
    public CacheEntryOptions DefaultEntryOptions { get; init; }

    /// <summary>Run one maintenance pass (expired entries out) in the background when the cache starts.</summary>
    public bool CleanupOnStart { get; init; } = true;

    /// <summary>
    /// Publish this cache on the <c>Cachka</c> <see cref="System.Diagnostics.Metrics.Meter"/> and in
    /// <see cref="CacheRegistry.GetMetricsText"/> (on by default: observable instruments cost nothing until someone
    /// listens). <see cref="ICache.GetMetricsText"/> works either way.
    /// </summary>
    public bool EnableMetrics { get; init; } = true;

    /// <summary>
    /// Put the cache key on the <c>Cachka</c> ActivitySource's spans (attribute <c>cache.key</c>). Off by default: keys
    /// often hold user ids or e-mail addresses, and traces leave the process.
    /// </summary>
    public bool TraceKeys { get; init; }

    /// <summary>Consecutive failures of one remote layer after which its circuit opens.</summary>
    public int CircuitBreakerThreshold { get; init; } = 50;

    /// <summary>How long an open circuit stays open before one probe call is let through.</summary>
    public TimeSpan CircuitBreakerWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The configuration used when <see cref="CacheRegistry.Initialize(CacheConfig?, TimeProvider?, Microsoft.Extensions.Logging.ILoggerFactory?)"/> gets null: every setting at its default.</summary>
    public static CacheConfig Default => new();

    /// <summary>
    /// Builds a cache from this configuration that is <em>not</em> the process-wide one: a second cache beside
    /// <see cref="CacheRegistry"/>'s (generated <c>[Cached]</c> methods keep using the registry's), or a cache
    /// owned by a test or a component. The caller disposes it (<c>await using</c>), which closes its layers.
    /// </summary>
    /// <exception cref="ArgumentException">The configuration is invalid; the message names the setting.</exception>
    public ICache CreateCache(TimeProvider? time = null, ILoggerFactory? loggerFactory = null) => new LayeredCache(this, time, loggerFactory);

    // The one place the default layers are decided (tests point it elsewhere to keep cache.db out of the working directory).
    internal static Func<IReadOnlyList<CacheLayerConfig>> DefaultLayers { get; set; } = () => [new MemoryCacheConfig(), new SqliteCacheConfig()];

    /// <summary>Throws <see cref="ArgumentException"/> (or <see cref="ArgumentOutOfRangeException"/>) naming the bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
            throw new ArgumentException("CacheConfig.Name must not be empty: it labels the cache's metrics and health report.", nameof(Name));
        if (Layers is null || Layers.Count == 0)
            throw new ArgumentException("CacheConfig.Layers is empty: give at least one layer, for example new MemoryCacheConfig().", nameof(Layers));
        Guard.Positive(DefaultTtl, "CacheConfig.DefaultTtl");
        Pipeline.FillPolicy.Check(DefaultEntryOptions, "CacheConfig.DefaultEntryOptions");
        if (DefaultEntryOptions.Tags is not null)
            throw new ArgumentException("CacheConfig.DefaultEntryOptions.Tags must be null: tags belong to each entry (give them per call or on [Cached]).", nameof(DefaultEntryOptions));
        if (VacuumInterval is { } vacuum)
            Guard.Positive(vacuum, "CacheConfig.VacuumInterval", " Use null to turn maintenance off.");
        if (CircuitBreakerThreshold <= 0)
            throw new ArgumentOutOfRangeException(nameof(CircuitBreakerThreshold), CircuitBreakerThreshold,
                "CacheConfig.CircuitBreakerThreshold must be > 0 (consecutive failures before a layer's circuit opens).");
        Guard.Positive(CircuitBreakerWindow, "CacheConfig.CircuitBreakerWindow");

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Layers.Count; i++)
        {
            var layer = Layers[i] ?? throw new ArgumentException($"CacheConfig.Layers[{i}] is null.", nameof(Layers));
            layer.Validate();
            if (!names.Add(layer.Name))
                throw new ArgumentException(
                    $"CacheConfig.Layers has two layers named '{layer.Name}': give each layer a distinct Name so metrics and health can tell them apart.",
                    nameof(Layers));
        }
    }
}

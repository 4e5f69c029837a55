using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cachka;

/// <summary>
/// The multi-layer cache: reads L1 to Ln and copies a lower hit up with its remaining TTL, writes
/// through to every layer, deletes everywhere. A failing layer is skipped and counted, and a remote
/// layer that keeps failing is cut off by its own circuit breaker. See <c>Internal/readme.md</c>.
/// </summary>
public sealed partial class LayeredCache : ICache
{
    private const string HealthProbePrefix = "__cachka:health:";

    private readonly LayerSlot[] _layers;
    private readonly MemoryCacheLayer? _l1;
    private readonly CacheClock _clock;
    private readonly FlightTable _flights = new();
    private readonly TagIndex _tags = new();
    private readonly CacheMetrics _metrics = new();
    private readonly ILogger _logger;
    private readonly Maintenance _maintenance;
    private readonly Rundown _rundown = new();

    /// <summary>Builds the cache from a validated <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public LayeredCache(CacheConfig config, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        time ??= TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        _clock = new CacheClock(time);
        _logger = loggerFactory.CreateLogger("Cachka");

        var context = new CacheLayerContext(config, time, loggerFactory, _metrics.Error);
        var layers = new List<LayerSlot>(config.Layers.Count);
        try
        {
            foreach (var layerConfig in config.Layers)
            {
                var layer = layerConfig.CreateLayer(context);
                var breaker = layer.IsRemote ? new CircuitBreaker(config.CircuitBreakerThreshold, config.CircuitBreakerWindow, time) : null;
                layers.Add(new LayerSlot(layer, layers.Count, breaker, _metrics, _logger));
            }
        }
        catch
        {
            foreach (var slot in layers)
                slot.Layer.Dispose();
            throw;
        }

        _layers = [.. layers];
        foreach (var slot in _layers)
            slot.TagKeysRemoved = RemoveEverywhereAsync;
        Layers = Array.AsReadOnly(Array.ConvertAll(_layers, slot => slot.Layer));
        _l1 = _layers[0].Layer as MemoryCacheLayer;
        _maintenance = new Maintenance(this, time);
        _maintenance.Start(config.VacuumInterval, config.CleanupOnStart);
        CachkaTelemetry.Register(this);
    }

    /// <summary>The configuration this cache was built from.</summary>
    public CacheConfig Config { get; }

    public string Name => Config.Name;

    /// <summary>The layers, L1 first.</summary>
    public IReadOnlyList<ICacheLayer> Layers { get; }

    internal CacheMetrics Metrics => _metrics;

    internal int FlightsInProgress => _flights.Count;

    internal Maintenance MaintenanceLoop => _maintenance;

    internal IReadOnlyList<LayerSlot> Slots => _layers;

    /// <summary>Completes when the repairs running now (of layers that missed writes) have finished.</summary>
    internal async Task RepairsFinishedAsync()
    {
        foreach (var slot in _layers)
        {
            // A repair that ends with requests pending starts the next one: wait until none follows.
            Task repair;
            do
            {
                repair = slot.Repair;
                await repair.ConfigureAwait(false);
            }
            while (!ReferenceEquals(repair, slot.Repair));
        }
    }

    public string GetMetricsText() => _metrics.Render(Name, _layers);

    /// <summary>Counters for tests and dashboards: hits per layer (L1 first) and misses.</summary>
    public CacheStatistics GetStatistics()
    {
        var hits = new long[_layers.Length];
        for (var i = 0; i < hits.Length; i++)
            hits[i] = CacheMetrics.HitCount(_layers[i]);
        return new CacheStatistics(hits, _metrics.Misses.Value, _metrics.Errors().Sum(e => e.Count));
    }

    // ---- shared pieces of the sync and async paths ----

    // Bad options fail before a factory runs or anything is written.
    private TimeSpan ResolveOptions(in CacheEntryOptions options)
    {
        if (options.Tags is { } tags)
        {
            foreach (var tag in tags)
                TagIndex.ValidTag(tag);
        }

        return Guard.Ttl(options.Ttl, Config.DefaultTtl);
    }

    private DateTimeOffset ExpiryFor(TimeSpan ttl) => _clock.UtcNow + ttl;

    // Every operation below an L1 hit enters the rundown and exits it when done, so closing can wait for it.
    // An L1 hit does not: the layers it could reach are closed (and L1 emptied) only after the close, and no
    // operation enters afterwards, so after the close L1 holds nothing to hit.
    private void Enter()
    {
        if (!_rundown.TryEnter())
            ThrowClosed();
    }

    private void Exit() => _rundown.Exit();

    private async ValueTask<TResult> ExitAfter<TResult>(ValueTask<TResult> operation)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        finally
        {
            Exit();
        }
    }

    private async ValueTask ExitAfter(ValueTask operation)
    {
        try
        {
            await operation.ConfigureAwait(false);
        }
        finally
        {
            Exit();
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowClosed() =>
        throw new ObjectDisposedException(GetType().FullName,
            $"The cache '{Name}' has been shut down (CacheRegistry.ShutdownAsync, DisposeAsync or Dispose) and refuses every operation. " +
            "Shut it down only after the last cached call; to cache again, initialize a new cache (CacheRegistry.Initialize).");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryL1<TKey, T>(in TKey typedKey, string? key, out MemoryEntry? entry, out T value)
        where TKey : struct, ICacheKey<TKey>
    {
        if (_l1 is not null)
        {
            entry = IsTyped<TKey>() ? _l1.Find(in typedKey) : _l1.Find(key!);
            if (entry is not null && Values.TryCast(entry.Value, out value))
                return true;
        }

        entry = null;
        value = default!;
        return false;
    }

    private static bool IsTyped<TKey>() => typeof(TKey) != typeof(StringKey);

    private void StoreL1<TKey, T>(in TKey typedKey, string key, T value, DateTimeOffset expiresAt)
        where TKey : struct, ICacheKey<TKey>
    {
        if (IsTyped<TKey>())
            _l1!.Store(in typedKey, key, value, expiresAt);
        else
            _l1!.Store(key, value, expiresAt);
    }

    // A string-keyed L1 hit reached by a typed caller: link it, so the next typed read needs no string.
    private void AttachL1<TKey>(in TKey typedKey, MemoryEntry? entry)
        where TKey : struct, ICacheKey<TKey>
    {
        if (IsTyped<TKey>() && entry is not null)
            _l1!.Attach(in typedKey, entry);
    }

    private bool IsLive(DateTimeOffset expiresAt) => expiresAt > _clock.UtcNow;

    // Keys a layer removed for a tag (replayed by a repair): gone from the other layers too.
    private async Task RemoveEverywhereAsync(IReadOnlyCollection<string> keys)
    {
        // Not once the cache is closing: the repair is cancelled then, and the layers close after it.
        if (!_rundown.TryEnter())
            return;
        try
        {
            foreach (var key in keys)
                await DeleteLayersAsync(key, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Exit();
        }
    }

    // A cancelled write or delete leaves this layer, and the ones it never got to, in an unknown state.
    private void MissedFrom(int index, string key)
    {
        for (var i = index; i < _layers.Length; i++)
            _layers[i].Missed(key);
    }

    private static CancellationToken None => CancellationToken.None;

    // One span per miss that reaches the layers below L1 (never per hit, never with the key).
    private System.Diagnostics.Activity? StartFill()
    {
        var activity = CachkaTelemetry.Activities.StartActivity("cachka.get_or_create", System.Diagnostics.ActivityKind.Internal);
        activity?.SetTag("cache.name", Name);
        return activity;
    }

    internal static string ProbeKey() => HealthProbePrefix + Guid.NewGuid().ToString("N");
}

/// <summary>Counters of one cache: hits per layer (L1 first), misses, and layer errors.</summary>
public sealed record CacheStatistics(IReadOnlyList<long> Hits, long Misses, long Errors);

/// <summary>The key type of the string-keyed API: never looked up in the typed L1 index.</summary>
internal readonly struct StringKey : ICacheKey<StringKey>
{
    public string ToKeyString() => throw new InvalidOperationException("A string key has no typed form.");

    public bool Equals(StringKey other) => true;

    public override bool Equals(object? obj) => obj is StringKey;

    public override int GetHashCode() => 0;
}

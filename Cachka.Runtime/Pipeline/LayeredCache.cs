using Cachka.Internal;
using Cachka.Layers;
using Cachka.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cachka.Pipeline;

/// <summary>
/// The multi-layer cache: reads L1 to Ln and copies a lower hit up with its remaining TTL, writes
/// through to every layer, deletes everywhere. A failing layer is skipped and counted, and a remote
/// layer that keeps failing is cut off by its own circuit breaker. One file per concern (read, write,
/// stampede, tags, health, lifecycle), each with its sync and async forms side by side; see <c>readme.md</c>.
/// </summary>
internal sealed partial class LayeredCache : ICache, IMeteredCache, ILayerChangeSink
{
    private readonly LayerSlot[] _layers;
    private readonly L1 _l1;
    private readonly LayerSlot[] _below;
    private readonly CacheClock _clock;
    private readonly FlightTable _flights = new();
    private readonly FillGuard _fillGuard;
    private readonly TagIndex _tags = new();
    private readonly CacheMetrics _metrics;
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
        _defaults = config.DefaultEntryOptions;
        time ??= TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        _clock = new CacheClock(time);
        _fillGuard = new FillGuard(_flights);
        _metrics = new CacheMetrics { CacheLabel = new("cache", config.Name), Published = config.EnableMetrics };
        _logger = loggerFactory.CreateLogger("Cachka");
        var context = new CacheLayerContext(config.Name, time, loggerFactory, _metrics.Error);
        _layers = CreateLayers(config, context, time);
        foreach (var slot in _layers)
            slot.TagKeysRemoved = RemoveEverywhereAsync;
        Layers = Array.AsReadOnly(Array.ConvertAll(_layers, slot => slot.Layer));
        _l1 = new L1(_layers[0].Layer);
        _below = _l1.IsPresent ? _layers[1..] : _layers;
        context.ChangeSink = this;
        _maintenance = new Maintenance(RunMaintenanceAsync, time);
        _maintenance.Start(config.VacuumInterval, config.CleanupOnStart);
        CachkaTelemetry.Register(this);
    }

    private LayerSlot[] CreateLayers(CacheConfig config, CacheLayerContext context, TimeProvider time)
    {
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

        return [.. layers];
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

    // Bad options fail before a factory runs or anything is written. A call's unset options take the cache-wide
    // defaults; jitter adds a random part of itself to the TTL.
    private FillPolicy ResolvePolicy(in CacheEntryOptions options) => FillPolicy.Resolve(in options, in _defaults, Config.DefaultTtl);

    // The config's default entry options, read once (a large struct: no copy per call).
    private readonly CacheEntryOptions _defaults;

    private EntryTimes TimesFor(in FillPolicy policy) => policy.TimesFrom(_clock.UtcNow);

    // A plain fill's times: with nothing below L1 they only reach the memory layer, which reads them back relative to
    // their origin, so the tick-count clock's UTC time serves (no wall-clock read on an L1-only miss).
    private EntryTimes FillTimesFor(in FillPolicy policy) => policy.TimesFrom(_below.Length == 0 ? _clock.CoarseUtcNow : _clock.UtcNow);

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
}

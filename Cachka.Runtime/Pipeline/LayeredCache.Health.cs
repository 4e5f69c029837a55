using Cachka.Layers;
using Cachka.Telemetry;

namespace Cachka.Pipeline;

// Health, statistics and metrics: what the cache reports about itself.
internal sealed partial class LayeredCache
{
    private const string HealthProbePrefix = "__cachka:health:";

    public ValueTask<CacheHealth> HealthCheckAsync(CancellationToken cancellationToken = default)
    {
        Enter();
        return ExitAfter(CheckLayersAsync(cancellationToken));
    }

    public string GetMetricsText() => CacheMetrics.Render([this]);

    /// <summary>Counters for tests and dashboards: hits per layer (L1 first) and misses.</summary>
    internal CacheStatistics GetStatistics()
    {
        var hits = new long[_layers.Length];
        for (var i = 0; i < hits.Length; i++)
            hits[i] = _layers[i].Hits.Value;
        // L1 counts its own hits (a hit touches one counter); the slot counts only promotions' lookups below L1.
        if (_l1.IsPresent)
            hits[0] = _l1.Hits;
        return new CacheStatistics(hits, _metrics.Misses.Value, _metrics.TotalErrors());
    }

    /// <summary>The layers that keep L1-style counters (hits, misses, evictions of their own).</summary>
    internal IEnumerable<ILayerCounters> MemoryLayers()
    {
        foreach (var slot in _layers)
        {
            if (slot.Layer is ILayerCounters counters)
                yield return counters;
        }
    }

    CacheMetrics IMeteredCache.Metrics => _metrics;

    IEnumerable<(string Layer, string Breaker)> IMeteredCache.Breakers()
    {
        foreach (var slot in _layers)
            yield return (slot.Layer.Name, slot.BreakerState);
    }

    IEnumerable<ILayerCounters> IMeteredCache.MemoryLayers() => MemoryLayers();

    bool IMeteredCache.EnableMetrics => Config.EnableMetrics;

    CacheStatistics IMeteredCache.GetStatistics() => GetStatistics();

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

    private async ValueTask<CacheHealth> CheckLayersAsync(CancellationToken cancellationToken)
    {
        var layers = new LayerHealth[_layers.Length];
        var healthy = 0;
        var worstBreaker = "CLOSED";
        for (var i = 0; i < _layers.Length; i++)
        {
            var slot = _layers[i];
            var breaker = slot.BreakerState;
            if (breaker == "OPEN" || (breaker == "HALF_OPEN" && worstBreaker == "CLOSED"))
                worstBreaker = breaker;
            // A layer that knows it is not working as configured (its file is gone, replaced or not Cachka's) says so
            // first, open breaker or not: a probe could otherwise succeed against the wrong file.
            var problem = (slot.Layer as ILayerPrecheck)?.Problem();
            layers[i] = problem is not null ? new LayerHealth(slot.Layer.Name, CacheHealth.Unhealthy, breaker, TimeSpan.Zero, problem)
                : breaker == "OPEN" ? new LayerHealth(slot.Layer.Name, CacheHealth.Unhealthy, breaker, TimeSpan.Zero, "circuit breaker open: the layer is skipped")
                : i == 0 && _l1.IsPresent ? ProbeL1(slot)
                : await ProbeAsync(slot, cancellationToken).ConfigureAwait(false);
            layers[i] = layers[i] with { MissedKeys = slot.MissedCount };
            if (layers[i].Status == CacheHealth.Healthy)
                healthy++;
        }

        var status = healthy == _layers.Length ? CacheHealth.Healthy : healthy > 0 ? CacheHealth.Degraded : CacheHealth.Unhealthy;
        return new CacheHealth(status, worstBreaker, _layers.Length, layers);
    }

    // L1's probe leaves the hit and miss counters alone.
    private LayerHealth ProbeL1(LayerSlot slot)
    {
        var started = _clock.Time.GetTimestamp();
        var ok = _l1.SelfTest(ProbeKey(), _clock.UtcNow.AddSeconds(10));
        return new LayerHealth(slot.Layer.Name, ok ? CacheHealth.Healthy : CacheHealth.Unhealthy, slot.BreakerState, _clock.Time.GetElapsedTime(started),
            ok ? null : "the probe value written was not read back");
    }

    // Writes, reads back and deletes a short-lived probe key in one layer (never through the pipeline,
    // so the probe neither lands in other layers nor moves the breaker).
    private async ValueTask<LayerHealth> ProbeAsync(LayerSlot slot, CancellationToken cancellationToken)
    {
        var started = _clock.Time.GetTimestamp();
        var key = ProbeKey();
        string? error = null;
        try
        {
            await slot.Layer.SetAsync(key, "ok", _clock.UtcNow.AddSeconds(10), cancellationToken).ConfigureAwait(false);
            var hit = await slot.Layer.GetAsync<string>(key, cancellationToken).ConfigureAwait(false);
            if (!hit.Found || hit.Value != "ok")
                error = "the probe value written was not read back";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception failure)
        {
            error = $"{failure.GetType().Name}: {failure.Message}";
        }
        finally
        {
            try
            {
                await slot.Layer.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                error ??= $"{failure.GetType().Name}: {failure.Message}";
            }
        }

        return new LayerHealth(slot.Layer.Name, error is null ? CacheHealth.Healthy : CacheHealth.Unhealthy, slot.BreakerState, _clock.Time.GetElapsedTime(started), error);
    }

    internal static string ProbeKey() => HealthProbePrefix + Guid.NewGuid().ToString("N");
}

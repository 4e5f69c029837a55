using Microsoft.Extensions.Logging;

namespace Cachka.Internal;

/// <summary>A layer as the pipeline holds it: its position, its breaker (remote layers only) and its counters.</summary>
internal sealed class LayerSlot
{
    private readonly CacheMetrics _metrics;
    private readonly ILogger _logger;

    public LayerSlot(ICacheLayer layer, int index, CircuitBreaker? breaker, CacheMetrics metrics, ILogger logger)
    {
        Layer = layer;
        Index = index;
        Breaker = breaker;
        _metrics = metrics;
        _logger = logger;
    }

    public ICacheLayer Layer { get; }

    public int Index { get; }

    public CircuitBreaker? Breaker { get; }

    public StripedCounter Hits { get; } = new();

    public string BreakerState => Breaker?.State ?? "CLOSED";

    /// <summary>False while the layer's breaker is open: the call skips the layer (counted).</summary>
    public bool TryEnter()
    {
        if (Breaker is null || Breaker.TryEnter())
            return true;
        _metrics.Error(Layer.Name, "circuit_breaker");
        return false;
    }

    public void Succeeded() => Breaker?.Succeeded();

    public void Failed(string operation, Exception error)
    {
        var wasOpen = Breaker?.State == "OPEN";
        Breaker?.Failed();
        _metrics.Error(Layer.Name, error.GetType().Name);
        Log.LayerFailed(_logger, Layer.Name, operation, error);
        if (!wasOpen && Breaker?.State == "OPEN")
            Log.BreakerOpened(_logger, Layer.Name, Breaker.ConsecutiveFailures);
    }
}

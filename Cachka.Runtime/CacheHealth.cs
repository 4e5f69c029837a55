namespace Cachka;

/// <summary>The health of a cache: overall status, the breaker summary, and one entry per layer.</summary>
/// <param name="Status"><c>"healthy"</c> (every layer answered), <c>"degraded"</c> (some layer did not, the cache still serves) or <c>"unhealthy"</c> (no layer answered).</param>
/// <param name="CircuitBreaker">The worst breaker state among the remote layers: <c>"CLOSED"</c>, <c>"HALF_OPEN"</c> or <c>"OPEN"</c>.</param>
/// <param name="CacheLayersCount">Number of layers.</param>
/// <param name="Layers">Per-layer detail, L1 first.</param>
public sealed record CacheHealth(string Status, string CircuitBreaker, int CacheLayersCount, IReadOnlyList<LayerHealth> Layers)
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";

    public bool IsHealthy => Status == Healthy;
}

/// <summary>One layer's health: whether a write, read and delete of a probe key worked, its breaker state, and why not.</summary>
/// <param name="Name">The layer's name.</param>
/// <param name="Status"><c>"healthy"</c> or <c>"unhealthy"</c>.</param>
/// <param name="CircuitBreaker"><c>"CLOSED"</c>, <c>"HALF_OPEN"</c> or <c>"OPEN"</c> (always <c>"CLOSED"</c> for memory).</param>
/// <param name="Latency">How long the probe took.</param>
/// <param name="Error">Why the layer is unhealthy; null when healthy.</param>
/// <param name="MissedKeys">
/// Keys whose latest write or delete did not reach the layer while it failed: it may hold outdated values
/// for them, so reads skip it for those keys until the layer works again and they are removed from it.
/// </param>
public sealed record LayerHealth(string Name, string Status, string CircuitBreaker, TimeSpan Latency, string? Error = null, int MissedKeys = 0);

using System.Globalization;
using Cachka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adapts <see cref="ICache.HealthCheckAsync"/> to Microsoft's health checks: healthy, degraded (a layer does not
/// answer, the cache still serves) or the registration's failure status (no layer answers), with each layer's
/// status, latency, breaker state, missed keys and reason in the result's data.
/// </summary>
internal sealed class CachkaHealthCheck(ICache cache) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = await cache.HealthCheckAsync(cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["status"] = health.Status,
            ["circuit_breaker"] = health.CircuitBreaker,
            ["layers"] = health.CacheLayersCount,
        };
        var problems = new List<string>();
        foreach (var layer in health.Layers)
        {
            data[layer.Name + ".status"] = layer.Status;
            data[layer.Name + ".circuit_breaker"] = layer.CircuitBreaker;
            data[layer.Name + ".latency_ms"] = Math.Round(layer.Latency.TotalMilliseconds, 3);
            data[layer.Name + ".missed_keys"] = layer.MissedKeys;
            if (layer.Error is { } error)
            {
                data[layer.Name + ".error"] = error;
                problems.Add(layer.Name + ": " + error);
            }
        }

        var healthyLayers = health.Layers.Count(static l => l.Status == CacheHealth.Healthy);
        var description = string.Create(CultureInfo.InvariantCulture, $"{healthyLayers} of {health.CacheLayersCount} cache layers healthy")
            + (problems.Count == 0 ? "" : "; " + string.Join("; ", problems));
        var status = health.Status switch
        {
            CacheHealth.Healthy => HealthStatus.Healthy,
            CacheHealth.Degraded => HealthStatus.Degraded,
            _ => context.Registration.FailureStatus,
        };
        return new HealthCheckResult(status, description, data: data);
    }
}

/// <summary>Adds Cachka's health to <c>services.AddHealthChecks()</c>.</summary>
public static class CachkaHealthChecksBuilderExtensions
{
    /// <summary>
    /// Reports the health of the container's <see cref="ICache"/> (registered with <c>AddCachka</c>): healthy when
    /// every layer answers its probe, degraded while some layer does not but the cache still serves, and
    /// <paramref name="failureStatus"/> (default unhealthy) when no layer answers. The data holds each layer's status,
    /// latency, breaker state, missed keys and reason.
    /// </summary>
    public static IHealthChecksBuilder AddCachka(this IHealthChecksBuilder builder, string name = "cachka", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            static services => new CachkaHealthCheck(services.GetRequiredService<ICache>()),
            failureStatus,
            tags,
            timeout));
    }
}

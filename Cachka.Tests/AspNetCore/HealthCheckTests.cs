using System.Net;
using Cachka.Tests.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cachka.Tests.AspNetCore;

/// <summary><c>AddHealthChecks().AddCachka()</c> through a real <c>MapHealthChecks</c> endpoint in a test host.</summary>
public sealed class HealthCheckTests
{
    private static async Task<(HttpStatusCode Code, string Body, HealthReportEntry Entry)> Probe(params CacheLayerConfig[] layers)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddCachka(new CacheConfig { Layers = layers, VacuumInterval = null, CleanupOnStart = false }, useAsProcessCache: false);
        builder.Services.AddHealthChecks().AddCachka();
        await using var app = builder.Build();
        app.MapHealthChecks("/health");
        await app.StartAsync();
        try
        {
            using var client = app.GetTestClient();
            using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
            var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), report.Entries["cachka"]);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Test]
    public async Task Every_layer_answering_is_healthy_with_each_layers_data()
    {
        var (code, body, entry) = await Probe(new MemoryCacheConfig(), new SqliteCacheConfig { DbPath = ":memory:" });
        Assert.That((code, body), Is.EqualTo((HttpStatusCode.OK, "Healthy")));
        Assert.That(entry.Status, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(entry.Data["memory_cache.status"], Is.EqualTo("healthy"));
        Assert.That(entry.Data["sqlite_cache.circuit_breaker"], Is.EqualTo("CLOSED"));
        Assert.That(entry.Data, Does.ContainKey("sqlite_cache.latency_ms"));
        Assert.That(entry.Description, Is.EqualTo("2 of 2 cache layers healthy"));
    }

    [Test]
    public async Task A_layer_that_does_not_answer_makes_the_cache_degraded_and_says_why()
    {
        var failing = new RecordingLayer("remote", TimeProvider.System) { Failing = true };
        var (code, body, entry) = await Probe(new MemoryCacheConfig(), new ExistingLayerConfig(failing));
        Assert.That((code, body), Is.EqualTo((HttpStatusCode.OK, "Degraded")));
        Assert.That(entry.Data["remote.status"], Is.EqualTo("unhealthy"));
        Assert.That((string)entry.Data["remote.error"], Does.Contain("remote is down"));
        Assert.That(entry.Description, Does.StartWith("1 of 2 cache layers healthy; remote: "));
    }

    [Test]
    public async Task No_layer_answering_is_the_registrations_failure_status()
    {
        var failing = new RecordingLayer("remote", TimeProvider.System) { Failing = true };
        var (code, body, entry) = await Probe(new ExistingLayerConfig(failing));
        Assert.That((code, body), Is.EqualTo((HttpStatusCode.ServiceUnavailable, "Unhealthy")));
        Assert.That(entry.Status, Is.EqualTo(HealthStatus.Unhealthy));
    }
}

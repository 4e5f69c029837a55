using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Cachka.Tests.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cachka.Tests.Observability;

/// <summary>
/// A real Prometheus scrapes <c>CacheRegistry.GetMetricsText()</c> from a Kestrel endpoint on 127.0.0.1, and the
/// values are read back through its HTTP API: the exposition is what Prometheus itself ingests.
/// </summary>
[NonParallelizable]
public sealed class PrometheusScrapeTests
{
    [Test]
    public async Task Prometheus_scrapes_the_caches_and_answers_queries_with_their_counts()
    {
        PrometheusTools.Require("prometheus");
        var name = "scraped_" + Guid.NewGuid().ToString("N")[..8];
        var appPort = RedisServer.FreePort();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{appPort}");
        builder.Services.AddCachka(new CacheConfig { Name = name, Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false }, useAsProcessCache: false);
        await using var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(CacheRegistry.GetMetricsText(), "text/plain; version=0.0.4; charset=utf-8"));
        await app.StartAsync();

        var cache = app.Services.GetRequiredService<ICache>();
        cache.Set("k", 1);
        for (var i = 0; i < 3; i++)
            cache.Get<int>("k");
        cache.Get<int>("absent");

        var directory = Directory.CreateTempSubdirectory("cachka-prometheus-").FullName;
        var promPort = RedisServer.FreePort();
        await File.WriteAllTextAsync(Path.Combine(directory, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: cachka
                static_configs:
                  - targets: ['127.0.0.1:{appPort}']
            """);
        using var prometheus = Process.Start(new ProcessStartInfo("prometheus",
            [$"--config.file={Path.Combine(directory, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{promPort}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        prometheus.OutputDataReceived += (_, _) => { };
        prometheus.ErrorDataReceived += (_, _) => { };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}") };
            var hits = await QueryAsync(http, $"cache_requests_total{{cache=\"{name}\",type=\"hit_layer_0\"}}");
            var misses = await QueryAsync(http, $"cache_requests_total{{cache=\"{name}\",type=\"miss\"}}");
            var size = await QueryAsync(http, $"cache_l1_size{{cache=\"{name}\"}}");
            Assert.That((hits, misses, size), Is.EqualTo((3d, 1d, 1d)));
            var up = await QueryAsync(http, "up{job=\"cachka\"}");
            Assert.That(up, Is.EqualTo(1d), "the scrape itself succeeded");
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
            await app.StopAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    // Polls the query API until the series has a sample (the first scrape lands within a few seconds).
    private static async Task<double> QueryAsync(HttpClient http, string query)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/api/v1/query?query=" + WebUtility.UrlEncode(query), UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    var result = json.RootElement.GetProperty("data").GetProperty("result");
                    if (result.GetArrayLength() > 0)
                        return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Prometheus had no sample for {query} after 90 s.");
            await Task.Delay(250);
        }
    }
}

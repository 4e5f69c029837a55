using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Cachka.Tests.Runtime;

namespace Cachka.Tests.Observability;

/// <summary>
/// One set of metrics, two views: the instruments on the "Cachka" meter and the Prometheus text made from the same
/// list (Telemetry/MetricFamilies.cs). Several caches render into one exposition that promtool accepts.
/// </summary>
[NonParallelizable]
public sealed partial class MetricsExpositionTests
{
    private static CacheConfig Config(string name, params CacheLayerConfig[] layers) =>
        new() { Name = name, Layers = layers.Length > 0 ? layers : [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false };

    [Test]
    public async Task Two_caches_render_into_one_exposition_that_promtool_accepts()
    {
        using var a = new LayeredCache(Config("orders", new MemoryCacheConfig(), new SqliteCacheConfig { DbPath = ":memory:" }));
        using var b = new LayeredCache(Config("users"));
        a.Set("k", 1);
        a.Get<int>("k");
        a.Get<int>("absent");
        await a.GetOrCreateAsync("made", _ => ValueTask.FromResult(2));
        a.Delete("k");
        b.GetOrCreate("x", () => 3);

        var text = CacheRegistry.GetMetricsText();
        var (exitCode, output) = await PrometheusTools.CheckMetricsAsync(text);
        Assert.That(exitCode, Is.Zero, output + "\n" + text);
        Assert.Multiple(() =>
        {
            Assert.That(Regex.Matches(text, "^# HELP cache_requests_total ", RegexOptions.Multiline), Has.Count.EqualTo(1));
            Assert.That(text, Does.Contain("cache_requests_total{cache=\"orders\",type=\"hit_layer_0\"} 1"));
            Assert.That(text, Does.Contain("cache_requests_total{cache=\"users\",type=\"miss\"} 1"));
            Assert.That(text, Does.Contain("cache_operation_duration_seconds_count{cache=\"orders\",operation=\"set\"} 2"), "the Set and the fill's write below L1");
            Assert.That(text, Does.Contain("cache_operation_duration_seconds_count{cache=\"orders\",operation=\"delete\"} 1"));
            Assert.That(text, Does.Contain("cache_operation_duration_seconds_count{cache=\"users\",operation=\"factory\"} 1"));
            Assert.That(text, Does.Contain("cache_l1_size{cache=\"orders\",layer=\"memory_cache\"} 1"));
            Assert.That(text, Does.Contain("cache_breaker_state{cache=\"orders\",layer=\"sqlite_cache\"} 0"));
            Assert.That(text, Does.Not.Contain("\"k\"").And.Not.Contain("\"made\""), "keys are never labels");
        });
    }

    [Test]
    public async Task Caches_that_share_a_name_are_added_together_and_the_exposition_stays_valid()
    {
        using var first = new LayeredCache(Config("twin"));
        using var second = new LayeredCache(Config("twin"));
        first.Get<int>("a");
        second.Get<int>("b");
        second.GetOrCreate("c", () => 1);

        var text = CacheRegistry.GetMetricsText();
        Assert.That(text, Does.Contain("cache_requests_total{cache=\"twin\",type=\"miss\"} 3"));
        var (exitCode, output) = await PrometheusTools.CheckMetricsAsync(text);
        Assert.That(exitCode, Is.Zero, output);
    }

    [Test]
    public void A_cache_with_EnableMetrics_false_is_left_out_of_the_combined_exposition_but_renders_its_own()
    {
        using var quiet = new LayeredCache(Config("quiet-one") with { EnableMetrics = false });
        quiet.Get<int>("x");
        Assert.That(CacheRegistry.GetMetricsText(), Does.Not.Contain("quiet-one"));
        Assert.That(quiet.GetMetricsText(), Does.Contain("cache_requests_total{cache=\"quiet-one\",type=\"miss\"} 1"));
    }

    [Test]
    public void Every_instrument_on_the_meter_has_the_Prometheus_family_of_the_text()
    {
        using var cache = new LayeredCache(Config("named", new MemoryCacheConfig(), new SqliteCacheConfig { DbPath = ":memory:" }));
        cache.Set("k", 1);
        var instruments = new Dictionary<string, string?>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Cachka")
                    instruments[instrument.Name] = instrument.Unit;
            };
            listener.Start();
        }

        var text = cache.GetMetricsText();
        var mapping = new Dictionary<string, string>
        {
            ["cache.requests"] = "cache_requests_total",
            ["cache.errors"] = "cache_errors_total",
            ["cache.l1.hits"] = "cache_l1_hits_total",
            ["cache.l1.misses"] = "cache_l1_misses_total",
            ["cache.l1.evictions"] = "cache_l1_evictions_total",
            ["cache.l1.size"] = "cache_l1_size",
            ["cache.breaker.state"] = "cache_breaker_state",
            ["cache.background_runs"] = "cache_background_runs_total",
            ["cache.operation.duration"] = "cache_operation_duration_seconds",
        };
        Assert.That(instruments.Keys, Is.EquivalentTo(mapping.Keys));
        Assert.That(instruments["cache.operation.duration"], Is.EqualTo("s"));
        foreach (var (_, prometheus) in mapping)
            Assert.That(text, Does.Contain($"# TYPE {prometheus} "), prometheus);
    }

    [Test]
    public async Task Every_request_is_counted_exactly_once_joiners_and_generated_calls_included()
    {
        using var cache = new LayeredCache(Config("counted"));
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 10).Select(_ => cache.GetOrCreateAsync("k", _ => new ValueTask<int>(release.Task)).AsTask()).ToArray();
        release.SetResult(1);
        await Task.WhenAll(callers);
        for (var i = 0; i < 5; i++)
            cache.Get<int>("k");
        cache.Get<int>("absent");

        var stats = cache.GetStatistics();
        Assert.That(stats.Hits[0] + stats.Misses + cache.Metrics.Joined.Value, Is.EqualTo(16));
    }
}

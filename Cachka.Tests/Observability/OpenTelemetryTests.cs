using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cachka.Tests.Observability;

/// <summary>
/// What an application gets with <c>AddSource("Cachka")</c> and <c>AddMeter("Cachka")</c>, read through the
/// OpenTelemetry SDK and its in-memory exporter: spans for get, set, delete, tag invalidation and factory runs,
/// sync and async, with the outcome and the layer that answered; the meter's counters and duration histogram.
/// </summary>
[NonParallelizable]
public sealed class OpenTelemetryTests
{
    private string _name = null!;

    [SetUp]
    public void Name() => _name = "otel-" + Guid.NewGuid().ToString("N")[..8];

    private LayeredCache Cache(bool traceKeys = false) => new(new CacheConfig
    {
        Name = _name,
        Layers = [new MemoryCacheConfig(), new SqliteCacheConfig { DbPath = ":memory:" }],
        VacuumInterval = null,
        CleanupOnStart = false,
        TraceKeys = traceKeys,
    });

    private List<Activity> Spans(List<Activity> exported) =>
        exported.Where(a => Equals(a.GetTagItem("cache.name"), _name)).ToList();

    [TestCase(false)]
    [TestCase(true)]
    public async Task Every_operation_below_L1_and_every_factory_run_makes_a_span(bool async)
    {
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource("Cachka").AddInMemoryExporter(exported).Build();
        using var cache = Cache();

        if (async)
        {
            await cache.SetAsync("user:1", "ada");
            await cache.GetOrCreateAsync("user:2", _ => ValueTask.FromResult("bob"));
            await cache.DeleteAsync("user:1");
            await cache.SetAsync("tagged", 1, new CacheEntryOptions(null, ["t"]));
            await cache.InvalidateTagAsync("t");
        }
        else
        {
            cache.Set("user:1", "ada");
            cache.GetOrCreate("user:2", () => "bob");
            cache.Delete("user:1");
            cache.Set("tagged", 1, new CacheEntryOptions(null, ["t"]));
            cache.InvalidateTag("t");
        }

        tracing.ForceFlush();
        var names = Spans(exported).Select(a => a.OperationName).ToList();
        Assert.That(names, Is.SupersetOf(new[] { "cachka.set", "cachka.get_or_create", "cachka.get", "cachka.factory", "cachka.delete", "cachka.invalidate_tag" }));
        var get = Spans(exported).Single(a => a.OperationName == "cachka.get");
        Assert.Multiple(() =>
        {
            Assert.That(get.GetTagItem("cache.outcome"), Is.EqualTo("miss"));
            Assert.That(get.Parent?.OperationName, Is.EqualTo("cachka.get_or_create"));
            Assert.That(Spans(exported).SelectMany(a => a.Tags).Select(t => t.Value), Has.None.Contains("user:"), "no key without TraceKeys");
        });
    }

    [Test]
    public async Task A_hit_below_L1_names_the_layer_and_TraceKeys_adds_the_key()
    {
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource("Cachka").AddInMemoryExporter(exported).Build();
        using var cache = Cache(traceKeys: true);
        await cache.SetAsync("k", 5);
        ((ICache)cache).Layers().First().Delete("k"); // only SQLite holds it now
        Assert.That(await cache.GetAsync<int>("k"), Is.EqualTo(5));

        tracing.ForceFlush();
        var get = Spans(exported).Single(a => a.OperationName == "cachka.get");
        Assert.Multiple(() =>
        {
            Assert.That(get.GetTagItem("cache.hit"), Is.EqualTo(true));
            Assert.That(get.GetTagItem("cache.hit_layer"), Is.EqualTo("sqlite_cache"));
            Assert.That(get.GetTagItem("cache.key"), Is.EqualTo("k"));
        });
    }

    [Test]
    public async Task An_async_operation_leaves_the_callers_current_activity_as_it_was()
    {
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource("Cachka", "Caller").AddInMemoryExporter(exported).Build();
        using var source = new ActivitySource("Caller");
        using var cache = Cache();
        using var caller = source.StartActivity("request");
        await cache.SetAsync("k", 1);
        Assert.That(Activity.Current, Is.SameAs(caller));
        await cache.DeleteAsync("k");
        Assert.That(Activity.Current, Is.SameAs(caller));
        tracing.ForceFlush();
        Assert.That(Spans(exported).Where(a => a.OperationName is "cachka.set" or "cachka.delete").Select(a => a.Parent), Has.All.SameAs(caller));
    }

    [Test]
    public void A_failing_factory_marks_its_span_as_an_error()
    {
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource("Cachka").AddInMemoryExporter(exported).Build();
        using var cache = Cache();
        Assert.That(() => cache.GetOrCreate<int>("k", () => throw new InvalidOperationException("origin down")), Throws.InvalidOperationException);
        tracing.ForceFlush();
        var factory = Spans(exported).Single(a => a.OperationName == "cachka.factory");
        Assert.That((factory.Status, factory.StatusDescription), Is.EqualTo((ActivityStatusCode.Error, "InvalidOperationException")));
    }

    [Test]
    public async Task The_meter_reports_requests_and_durations_to_an_OpenTelemetry_reader()
    {
        var exported = new List<Metric>();
        using var metrics = Sdk.CreateMeterProviderBuilder().AddMeter("Cachka").AddInMemoryExporter(exported).Build();
        using var cache = Cache();
        await cache.SetAsync("k", 1);
        cache.Get<int>("k");
        cache.Get<int>("absent");
        metrics.ForceFlush();

        var requests = Points(exported, "cache.requests");
        Assert.That(requests.Single(p => Tag(p, "type") == "hit_layer_0").GetSumLong(), Is.EqualTo(1));
        Assert.That(requests.Single(p => Tag(p, "type") == "miss").GetSumLong(), Is.EqualTo(1));
        var durations = Points(exported, "cache.operation.duration");
        var set = durations.Single(p => Tag(p, "operation") == "set");
        Assert.That(set.GetHistogramCount(), Is.EqualTo(1));
        Assert.That(exported.First(m => m.Name == "cache.operation.duration").Unit, Is.EqualTo("s"));
    }

    private List<MetricPoint> Points(List<Metric> exported, string name)
    {
        var points = new List<MetricPoint>();
        foreach (var metric in exported.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                if (Tag(point, "cache") == _name)
                    points.Add(point);
            }
        }

        return points;
    }

    private static string? Tag(in MetricPoint point, string name)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == name)
                return tag.Value as string;
        }

        return null;
    }
}

internal static class CacheLayersExtensions
{
    public static IReadOnlyList<ICacheLayer> Layers(this ICache cache) => ((LayeredCache)cache).Layers;
}

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cachka.Tests.Runtime;

[NonParallelizable]
public class TelemetryTests
{
    private static List<(string Instrument, long Value, Dictionary<string, object?> Tags)> Collect()
    {
        var measurements = new List<(string, long, Dictionary<string, object?>)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Cachka")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
        listener.RecordObservableInstruments();
        return measurements;
    }

    [Test]
    public void Two_caches_with_metrics_publish_side_by_side_on_the_Cachka_meter()
    {
        using var a = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], Name = "a", EnableMetrics = true, VacuumInterval = null, CleanupOnStart = false });
        using var b = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], Name = "b", EnableMetrics = true, VacuumInterval = null, CleanupOnStart = false });
        a.Set("k", 1);
        a.Get<int>("k");
        a.Get<int>("k");
        b.Get<int>("absent");

        var requests = Collect().Where(m => m.Instrument == "cache.requests").ToList();

        Assert.Multiple(() =>
        {
            Assert.That(requests.Single(m => Equals(m.Tags["cache"], "a") && Equals(m.Tags["type"], "hit_layer_0")).Value, Is.EqualTo(2));
            Assert.That(requests.Single(m => Equals(m.Tags["cache"], "b") && Equals(m.Tags["type"], "miss")).Value, Is.EqualTo(1));
            Assert.That(requests.SelectMany(m => m.Tags.Values), Has.None.EqualTo("k"), "keys are never tags");
        });
    }

    [Test]
    public void A_cache_without_EnableMetrics_or_disposed_publishes_nothing()
    {
        using (var quiet = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], Name = "quiet", EnableMetrics = false, VacuumInterval = null }))
            quiet.Get<int>("x");
        var gone = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig()], Name = "gone", EnableMetrics = true, VacuumInterval = null });
        gone.Dispose();

        var caches = Collect().Select(m => m.Tags.GetValueOrDefault("cache")).ToList();
        Assert.That(caches, Has.None.EqualTo("quiet").And.None.EqualTo("gone"));
    }

    [Test]
    public void A_miss_that_reaches_the_factory_is_traced_without_the_key()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Cachka",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var cache = TestCaches.Memory();

        cache.GetOrCreate("secret-key", () => 1);
        cache.GetOrCreate("secret-key", () => 1);

        Assert.That(activities.Select(a => a.OperationName), Is.EqualTo(new[] { "cachka.factory", "cachka.get_or_create" }), "the L1 hit makes no span");
        var span = activities[1];
        Assert.Multiple(() =>
        {
            Assert.That(span.GetTagItem("cache.hit"), Is.EqualTo(false));
            Assert.That(activities[0].Parent, Is.SameAs(span));
            Assert.That(activities.SelectMany(a => a.Tags).Select(t => t.Value), Has.None.Contains("secret-key"));
        });
    }
}

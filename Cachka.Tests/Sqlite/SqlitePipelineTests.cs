namespace Cachka.Tests.Sqlite;

public class SqlitePipelineTests : SqliteTestBase
{
    [Test]
    public void An_l2_hit_is_promoted_into_l1_with_its_remaining_ttl()
    {
        var writer = Cache();
        writer.Set("k", "v", ttl: TimeSpan.FromMinutes(10));
        Clock.Advance(TimeSpan.FromMinutes(4));

        var reader = Cache(); // a fresh process: empty L1, same file
        Assert.That(reader.Get<string>("k"), Is.EqualTo("v"));
        Assert.That(reader.GetStatistics().Hits[1], Is.EqualTo(1), "served by SQLite");

        Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(59));
        Assert.That(reader.Get<string>("k"), Is.EqualTo("v"));
        Assert.That(reader.GetStatistics().Hits[0], Is.EqualTo(1), "served by L1 until the original expiry");

        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(reader.TryGet<string>("k").HasValue, Is.False, "the promoted copy expires with the original");
    }

    [Test]
    public async Task An_async_l2_hit_is_promoted_into_l1()
    {
        var writer = Cache();
        await writer.SetAsync("k", 5, ttl: TimeSpan.FromMinutes(10));

        var reader = Cache();
        Assert.That(await reader.GetAsync<int>("k"), Is.EqualTo(5));
        Assert.That(await reader.GetAsync<int>("k"), Is.EqualTo(5));

        Assert.That(reader.GetStatistics().Hits, Is.EqualTo(new long[] { 1, 1 }));
    }

    [Test]
    public void GetOrCreate_stores_the_value_in_sqlite()
    {
        var cache = Cache();
        var calls = 0;
        cache.GetOrCreate("k", () => ++calls, TimeSpan.FromMinutes(1));

        var restarted = Cache();
        var value = restarted.GetOrCreate("k", () => ++calls, TimeSpan.FromMinutes(1));

        Assert.That(value, Is.EqualTo(1));
        Assert.That(calls, Is.EqualTo(1), "the second cache found it on disk");
    }

    [Test]
    public async Task Delete_through_the_pipeline_removes_the_row()
    {
        var cache = Cache();
        await cache.SetAsync("k", 1, ttl: TimeSpan.FromMinutes(1));

        Assert.That(await cache.DeleteAsync("k"), Is.True);
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public async Task Health_reports_the_sqlite_layer_healthy_and_leaves_no_probe_row()
    {
        var cache = Cache();

        var health = await cache.HealthCheckAsync();

        Assert.That(health.Status, Is.EqualTo(CacheHealth.Healthy));
        Assert.That(health.Layers.Select(l => l.Name), Is.EqualTo(new[] { "memory_cache", "sqlite_cache" }));
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public void The_sqlite_layer_gets_a_circuit_breaker()
    {
        var layer = Layer();

        Assert.That(layer.IsRemote, Is.True);
    }
}

using Microsoft.Data.Sqlite;

namespace Cachka.Tests.Sqlite;

public class SqliteMaintenanceTests : SqliteTestBase
{
    private void Seed(SqliteCacheLayer layer, int expiring, int live, int size = 100)
    {
        var value = new string('x', size);
        for (var i = 0; i < expiring; i++)
            layer.Set($"old{i}", value, In(TimeSpan.FromMinutes(1)));
        for (var i = 0; i < live; i++)
            layer.Set($"live{i}", value, In(TimeSpan.FromHours(1)));
    }

    private long Pragma(string pragma)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = pragma;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Test]
    public void CleanupExpired_removes_expired_rows_and_returns_the_count()
    {
        var layer = Layer();
        Seed(layer, expiring: 5, live: 3);
        Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.That(layer.CleanupExpired(), Is.EqualTo(5));
        Assert.That(RowCount(), Is.EqualTo(3));
        Assert.That(layer.CleanupExpired(), Is.Zero);
    }

    [Test]
    public async Task CleanupExpiredAsync_removes_expired_rows_and_returns_the_count()
    {
        var layer = Layer();
        Seed(layer, expiring: 4, live: 2);
        Clock.Advance(TimeSpan.FromMinutes(2));

        Assert.That(await layer.CleanupExpiredAsync(CancellationToken.None), Is.EqualTo(4));
        Assert.That(RowCount(), Is.EqualTo(2));
    }

    [Test]
    public async Task Maintenance_removes_expired_rows_compacts_the_file_and_keeps_live_rows()
    {
        var layer = Layer();
        Seed(layer, expiring: 300, live: 10, size: 4000);
        var before = new FileInfo(DbPath).Length + new FileInfo(DbPath + "-wal").Length;
        Clock.Advance(TimeSpan.FromMinutes(1));

        var removed = await layer.RunMaintenanceAsync(CancellationToken.None);

        Assert.That(removed, Is.EqualTo(300));
        Assert.That(RowCount(), Is.EqualTo(10));
        for (var i = 0; i < 10; i++)
            Assert.That(layer.Get<string>($"live{i}").Found, Is.True);
        Assert.That(Pragma("PRAGMA freelist_count"), Is.Zero, "incremental_vacuum returned the free pages");
        Assert.That(new FileInfo(DbPath + "-wal").Length, Is.Zero, "the WAL was checkpointed and truncated");
        Assert.That(new FileInfo(DbPath).Length, Is.LessThan(before / 4));
    }

    [Test]
    public async Task Maintenance_through_the_pipeline_never_removes_live_rows()
    {
        var cache = Cache();
        await cache.SetAsync("live", 1, ttl: TimeSpan.FromHours(1));
        await cache.SetAsync("old", 1, ttl: TimeSpan.FromMinutes(1));
        Clock.Advance(TimeSpan.FromMinutes(30));

        await cache.RunMaintenanceAsync(CancellationToken.None);

        Assert.That(RowCount(), Is.EqualTo(1));
        Assert.That(SqliteLayerOf(cache).Get<int>("live").Found, Is.True);
    }

    [Test]
    public void CleanupOnStart_removes_expired_rows_when_the_cache_starts()
    {
        using (var seed = new SqliteCacheLayer(Config().Settings, Context()))
            Seed(seed, expiring: 7, live: 2);
        Clock.Advance(TimeSpan.FromMinutes(5));

        var cache = Own(new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig(), Config()], VacuumInterval = null, CleanupOnStart = true }, Clock));

        Assert.That(SpinWait.SpinUntil(() => cache.MaintenanceLoop.Passes >= 1, TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(RowCount(), Is.EqualTo(2));
    }

    [Test]
    public void Maintenance_runs_every_VacuumInterval()
    {
        var cache = Own(new LayeredCache(new CacheConfig { Layers = [Config()], VacuumInterval = TimeSpan.FromHours(1), CleanupOnStart = false }, Clock));
        cache.Set("old", 1, ttl: TimeSpan.FromMinutes(1));
        cache.Set("live", 1, ttl: TimeSpan.FromHours(2));

        Clock.Advance(TimeSpan.FromHours(1));

        Assert.That(SpinWait.SpinUntil(() => cache.MaintenanceLoop.Passes >= 1, TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(RowCount(), Is.EqualTo(1));
    }

    private string[] OpenHandles() =>
        System.IO.Directory.GetFiles("/proc/self/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Where(target => target is not null && target.StartsWith(Directory, StringComparison.Ordinal))
            .ToArray()!;

    [Test]
    [Repeat(10)] // a race between Dispose and operations in flight showed up about one run in ten
    public async Task Dispose_waits_for_operations_in_flight_and_closes_the_database()
    {
        var layer = new SqliteCacheLayer(Config().Settings, Context());
        var unexpected = 0;
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 2000; i++)
            {
                try
                {
                    if (i % 2 == 0)
                        layer.Set($"k{w}:{i % 20}", i, In(TimeSpan.FromMinutes(1)));
                    else
                        await layer.GetAsync<int>($"k{w}:{i % 20}", CancellationToken.None);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref unexpected);
                }
            }
        })).ToArray();
        await Task.Delay(50);

        await layer.DisposeAsync();
        await Task.WhenAll(workers);

        Assert.That(unexpected, Is.Zero);
        if (OperatingSystem.IsLinux())
            Assert.That(OpenHandles(), Is.Empty, "every connection is closed");
        Assert.That(SqliteFaultTests.Integrity(DbPath), Is.EqualTo("ok"));
    }
}

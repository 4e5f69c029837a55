using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Cachka.Tests.Sqlite;

/// <summary>
/// Every fault leaves the application working (L1 and the origin serve through GetOrCreate, the SQLite layer is
/// skipped and reported) and the layer recovers once the fault is gone.
/// </summary>
public class SqliteFaultTests : SqliteTestBase
{
    private static readonly TimeSpan BreakerWindow = TimeSpan.FromSeconds(30);

    private static void AssertServesThroughTheOrigin(LayeredCache cache, string key)
    {
        var calls = 0;
        Assert.That(cache.GetOrCreate(key, () => ++calls, TimeSpan.FromMinutes(5)), Is.EqualTo(1));
        Assert.That(cache.GetOrCreate(key, () => ++calls, TimeSpan.FromMinutes(5)), Is.EqualTo(1), "L1 keeps serving");
    }

    private static long LayerErrors(LayeredCache cache) =>
        cache.Metrics.Errors().Where(e => e.Layer == "sqlite_cache" && e.ErrorType != "circuit_breaker").Sum(e => e.Count);

    private async Task AssertRecoversAsync(LayeredCache cache)
    {
        Clock.Advance(BreakerWindow);
        cache.Set("after-recovery", 1, ttl: TimeSpan.FromMinutes(5));
        cache.Set("after-recovery", 2, ttl: TimeSpan.FromMinutes(5));
        Assert.That(SqliteLayerOf(cache).Get<int>("after-recovery").Value, Is.EqualTo(2), "writes reach SQLite again");
        var health = await cache.HealthCheckAsync();
        Assert.That(health.Layers[1].Status, Is.EqualTo(CacheHealth.Healthy), health.Layers[1].Error);
        Assert.That(health.CircuitBreaker, Is.EqualTo("CLOSED"));
    }

    [Test]
    public async Task A_database_locked_by_another_connection_is_skipped_and_recovers()
    {
        var cache = Cache();
        cache.Set("before", 1, ttl: TimeSpan.FromMinutes(5));
        var locker = OpenRaw();
        using (var begin = locker.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
        }

        AssertServesThroughTheOrigin(cache, "during");
        cache.Set("a", 1, ttl: TimeSpan.FromMinutes(5));
        cache.Set("b", 1, ttl: TimeSpan.FromMinutes(5));
        Assert.That(LayerErrors(cache), Is.GreaterThanOrEqualTo(3));
        var health = await cache.HealthCheckAsync();
        Assert.That(health.Status, Is.EqualTo(CacheHealth.Degraded));
        Assert.That(health.Layers[1].Status, Is.EqualTo(CacheHealth.Unhealthy));
        Assert.That(health.CircuitBreaker, Is.EqualTo("OPEN"));

        using (var commit = locker.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }

        await AssertRecoversAsync(cache);
    }

    [Test]
    public async Task Writes_missed_while_locked_never_bring_back_older_values()
    {
        var cache = Cache();
        cache.Set("changed", "v1", ttl: TimeSpan.FromMinutes(5));
        cache.Set("deleted", "v1", ttl: TimeSpan.FromMinutes(5));
        var locker = OpenRaw();
        using (var begin = locker.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
        }

        cache.Set("changed", "v2", ttl: TimeSpan.FromMinutes(5));   // L1 only: SQLite is locked
        cache.Delete("deleted");
        using (var commit = locker.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }

        var l1 = (MemoryCacheLayer)cache.Layers[0];
        l1.Delete("changed");                                          // as if evicted from L1
        Assert.Multiple(() =>
        {
            Assert.That(cache.TryGet<string>("changed").HasValue, Is.False, "SQLite's v1 is outdated: never served");
            Assert.That(cache.TryGet<string>("deleted").HasValue, Is.False, "a deleted value does not come back");
        });

        await cache.RepairsFinishedAsync();
        Assert.Multiple(() =>
        {
            Assert.That(SqliteLayerOf(cache).Get<string>("changed").Found, Is.False, "the repair removed v1 from the file");
            Assert.That(SqliteLayerOf(cache).Get<string>("deleted").Found, Is.False);
        });
    }

    [Test]
    public void Writers_queued_behind_a_locked_file_give_up_instead_of_waiting_in_line()
    {
        // Each writer that gets the connection waits BusyTimeout for the lock; without a bound on the wait
        // for the connection itself, the last of 16 would wait about 16 busy timeouts.
        var layer = Layer(Config() with { BusyTimeout = TimeSpan.FromSeconds(1) });
        layer.Set("warm", 1, In(TimeSpan.FromMinutes(5)));
        var locker = OpenRaw();
        using (var begin = locker.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
        }

        var outcomes = new System.Collections.Concurrent.ConcurrentBag<(string Error, TimeSpan Took)>();
        var writers = Enumerable.Range(0, 16).Select(i => new Thread(() =>
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                layer.Set("k" + i, i, In(TimeSpan.FromMinutes(5)));
                outcomes.Add(("none", started.Elapsed));
            }
            catch (Exception error)
            {
                outcomes.Add((error.GetType().Name, started.Elapsed));
            }
        })).ToList();
        writers.ForEach(t => t.Start());
        writers.ForEach(t => t.Join());
        using (var commit = locker.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }

        Assert.Multiple(() =>
        {
            Assert.That(outcomes.Count(o => o.Error == nameof(TimeoutException)), Is.GreaterThan(0), "queued writers gave up waiting for the connection");
            Assert.That(outcomes.Max(o => o.Took), Is.LessThan(TimeSpan.FromSeconds(10)), "no writer waited for everyone ahead of it");
        });
        layer.Set("after", 1, In(TimeSpan.FromMinutes(5)));
        Assert.That(layer.Get<int>("after").Value, Is.EqualTo(1), "the layer works once the lock is gone");
    }

    [Test]
    public void Reads_keep_working_while_another_connection_holds_the_write_lock()
    {
        var cache = Cache(memory: false);
        cache.Set("k", "v", ttl: TimeSpan.FromMinutes(5));
        var locker = OpenRaw();
        using var begin = locker.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE";
        begin.ExecuteNonQuery();

        Assert.That(cache.Get<string>("k"), Is.EqualTo("v"), "WAL readers are not blocked by a writer");
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_read_only_database_file_is_skipped_and_recovers()
    {
        var seed = Layer();
        seed.Set("k", "v", In(TimeSpan.FromMinutes(5)));
        seed.Dispose();
        if (OperatingSystem.IsWindows())
            Assert.Ignore("read-only faults are tested on Unix");
        using var readOnly = ReadOnly.Make(DbPath);

        var cache = Cache();
        AssertServesThroughTheOrigin(cache, "during");
        for (var i = 0; i < 3; i++)
            cache.Set($"w{i}", i, ttl: TimeSpan.FromMinutes(5));
        Assert.That(LayerErrors(cache), Is.GreaterThanOrEqualTo(3));
        Assert.That((await cache.HealthCheckAsync()).Layers[1].Status, Is.EqualTo(CacheHealth.Unhealthy));

        readOnly.Dispose();
        await AssertRecoversAsync(cache);
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_read_only_directory_is_skipped_and_recovers()
    {
        var path = Path.Combine(Directory, "ro", "cache.db");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (OperatingSystem.IsWindows())
            Assert.Ignore("read-only faults are tested on Unix");
        using var readOnly = ReadOnly.Make(Path.GetDirectoryName(path)!);

        var cache = Cache(Config(path));
        AssertServesThroughTheOrigin(cache, "during");
        for (var i = 0; i < 3; i++)
            cache.Set($"w{i}", i, ttl: TimeSpan.FromMinutes(5));
        Assert.That(LayerErrors(cache), Is.GreaterThanOrEqualTo(3));

        readOnly.Dispose();
        await AssertRecoversAsync(cache);
    }

    [Test]
    public void A_database_file_deleted_while_open_is_recreated()
    {
        var cache = Cache(memory: false);
        cache.Set("before", 1, ttl: TimeSpan.FromMinutes(5));
        var layer = SqliteLayerOf(cache);

        DeleteDatabaseFiles(DbPath);
        Clock.Advance(TimeSpan.FromSeconds(1)); // the per-operation file check runs at most once a second
        cache.Set("after", 3, ttl: TimeSpan.FromMinutes(5));

        Assert.That(File.Exists(DbPath), Is.True, "a fresh file was created");
        Assert.That(layer.Generation, Is.GreaterThan(0), "the connections were reopened");
        Assert.That(Layer().Get<int>("after").Value, Is.EqualTo(3), "other openers see the new file");
    }

    [Test]
    public async Task Maintenance_notices_a_deleted_database_file()
    {
        var layer = Layer();
        layer.Set("before", 1, In(TimeSpan.FromMinutes(5)));
        _ = layer.Get<int>("before");

        DeleteDatabaseFiles(DbPath);
        await layer.RunMaintenanceAsync(CancellationToken.None);
        layer.Set("after", 2, In(TimeSpan.FromMinutes(5)));

        Assert.That(Layer().Get<int>("after").Value, Is.EqualTo(2));
    }

    [Test]
    public void A_corrupt_file_at_start_is_moved_aside_and_replaced()
    {
        // A Cachka database damaged while no process had it open: its header is intact, its pages are garbage.
        // (A file that is not an SQLite database at all is someone else's: it is refused, never moved; see SqliteForeignDatabaseTests.)
        var old = Layer();
        for (var i = 0; i < 20; i++)
            old.Set($"k{i}", new string('x', 500), In(TimeSpan.FromMinutes(5)));
        _ = old.ExecuteScalar("PRAGMA wal_checkpoint(TRUNCATE)");
        old.Dispose();
        var garbage = File.ReadAllBytes(DbPath);
        new Random(1).NextBytes(garbage.AsSpan(100));
        File.WriteAllBytes(DbPath, garbage);

        var cache = Cache();
        cache.Set("k", "v", ttl: TimeSpan.FromMinutes(5));

        Assert.That(SqliteLayerOf(cache).Get<string>("k").Value, Is.EqualTo("v"), "the very first write already lands in a fresh file");
        var quarantined = Quarantined();
        Assert.That(quarantined, Has.Length.EqualTo(1), "the corrupt file is kept for inspection, not deleted");
        Assert.That(File.ReadAllBytes(quarantined[0]), Is.EqualTo(garbage));
    }

    [Test]
    public async Task A_file_corrupted_while_open_is_moved_aside_and_the_layer_recovers()
    {
        var cache = Cache();
        for (var i = 0; i < 50; i++)
            cache.Set($"k{i}", new string('x', 500), ttl: TimeSpan.FromMinutes(5));
        var layer = SqliteLayerOf(cache);
        _ = layer.ExecuteScalar("PRAGMA wal_checkpoint(TRUNCATE)");

        var garbage = new byte[new FileInfo(DbPath).Length];
        new Random(2).NextBytes(garbage);
        File.WriteAllBytes(DbPath, garbage);

        // Each call either fails (counted, the layer is skipped) or lands in the replacement file.
        for (var i = 0; i < 5; i++)
            AssertServesThroughTheOrigin(cache, $"during{i}");
        await cache.RunMaintenanceAsync(CancellationToken.None);

        Assert.That(Quarantined(), Has.Length.EqualTo(1));
        await AssertRecoversAsync(cache);
        Assert.That(Integrity(DbPath), Is.EqualTo("ok"));
    }

    [Test]
    public async Task A_full_database_skips_writes_and_recovers_when_space_is_freed()
    {
        var cache = Cache(Config() with { MaxDatabaseBytes = 128 * 1024 });
        var value = new string('x', 4000);
        for (var i = 0; i < 60; i++)
            cache.Set($"short{i}", value, ttl: TimeSpan.FromSeconds(10));
        Assert.That(cache.Metrics.Errors().Any(e => e.Layer == "sqlite_cache" && e.ErrorType == nameof(SqliteException)), Is.True, "the cap was reached");
        AssertServesThroughTheOrigin(cache, "during");

        Clock.Advance(TimeSpan.FromSeconds(11));
        Clock.Advance(BreakerWindow);
        Assert.That(SqliteLayerOf(cache).CleanupExpired(), Is.GreaterThan(0));
        await AssertRecoversAsync(cache);
    }

    [Test]
    public async Task A_full_database_makes_room_from_expired_rows()
    {
        var layer = Layer(Config() with { MaxDatabaseBytes = 128 * 1024 });
        var value = new string('x', 4000);
        var stored = 0;
        for (var i = 0; i < 60; i++)
        {
            try
            {
                layer.Set($"short{i}", value, In(TimeSpan.FromSeconds(10)));
                stored++;
            }
            catch (SqliteException)
            {
            }
        }

        Assert.That(stored, Is.LessThan(60), "the cap was reached");
        Clock.Advance(TimeSpan.FromSeconds(11));

        layer.Set("sync", value, In(TimeSpan.FromMinutes(5)));
        await layer.SetAsync("async", value, In(TimeSpan.FromMinutes(5)), CancellationToken.None);

        Assert.That(layer.Get<string>("sync").Found, Is.True);
        Assert.That(layer.Get<string>("async").Found, Is.True);
    }

    [Test]
    public async Task A_bad_path_does_not_fail_initialization_and_recovers()
    {
        var blocker = Path.Combine(Directory, "not-a-directory");
        File.WriteAllText(blocker, "a file where the directory should be");
        var config = new CacheConfig
        {
            Layers = [new MemoryCacheConfig(), Config(Path.Combine(blocker, "cache.db"))],
            VacuumInterval = null,
            CleanupOnStart = false,
            CircuitBreakerThreshold = 3,
            CircuitBreakerWindow = BreakerWindow,
        };

        var cache = Own(new LayeredCache(config, Clock));
        AssertServesThroughTheOrigin(cache, "k");
        var health = await cache.HealthCheckAsync();
        Assert.That(health.Status, Is.EqualTo(CacheHealth.Degraded));
        Assert.That(health.Layers[1].Status, Is.EqualTo(CacheHealth.Unhealthy));

        File.Delete(blocker);
        await AssertRecoversAsync(cache);
    }

    [Test]
    public async Task Async_operations_fail_soft_too()
    {
        var cache = Cache();
        var locker = OpenRaw();
        using var begin = locker.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE";
        begin.ExecuteNonQuery();

        var value = await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(5), TimeSpan.FromMinutes(1));

        Assert.That(value, Is.EqualTo(5));
        Assert.That(LayerErrors(cache), Is.GreaterThanOrEqualTo(1));
    }

    private string[] Quarantined() =>
        System.IO.Directory.GetFiles(Directory, "cache.db.corrupt-*").Where(f => !f.EndsWith("-wal", StringComparison.Ordinal)).ToArray();

    internal static void DeleteDatabaseFiles(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(path + suffix);
    }

    internal static string Integrity(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>Makes a file or directory read-only even for root (chattr +i), undone on dispose.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private sealed class ReadOnly : IDisposable
    {
        private readonly string _path;
        private readonly bool _immutable;
        private bool _disposed;

        private ReadOnly(string path, bool immutable)
        {
            _path = path;
            _immutable = immutable;
        }

        public static ReadOnly Make(string path)
        {
            if (Environment.UserName == "root")
            {
                if (!Run("chattr", "+i", path))
                    Assert.Ignore("running as root without chattr: a read-only file cannot be simulated");
                return new ReadOnly(path, immutable: true);
            }

            var isDirectory = System.IO.Directory.Exists(path);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | (isDirectory ? UnixFileMode.UserExecute : 0));
            return new ReadOnly(path, immutable: false);
        }

        public void Dispose()
        {
            if (_disposed)
                return;
            _disposed = true;
            if (_immutable)
                Run("chattr", "-i", _path);
            else
                File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        private static bool Run(string file, string flag, string path)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(file) { ArgumentList = { flag, path }, RedirectStandardError = true })!;
                process.WaitForExit();
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}

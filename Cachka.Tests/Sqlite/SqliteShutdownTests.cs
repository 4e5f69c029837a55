using System.Collections.Concurrent;

namespace Cachka.Tests.Sqlite;

/// <summary>
/// Shutdown loses nothing: every write issued before <c>ShutdownAsync</c>/<c>Dispose</c> is in the SQLite file when
/// it returns, and every operation issued after it throws <see cref="ObjectDisposedException"/>.
/// </summary>
[NonParallelizable] // CacheRegistry is process-wide
public class SqliteShutdownTests : SqliteTestBase
{
    private const int Writers = 4;
    private const int WritesPerWriter = 25;

    [SetUp]
    [TearDown]
    public void ResetRegistry() => CacheRegistry.Reset();

    private CacheConfig MemoryAndSqlite() => new()
    {
        Layers = [new MemoryCacheConfig { Ttl = TimeSpan.FromHours(1) }, Config() with { BusyTimeout = TimeSpan.FromSeconds(30) }],
        VacuumInterval = null,
        CleanupOnStart = false,
    };

    public enum Close { RegistryShutdownAsync, DisposeAsync, Dispose }

    [Test]
    public async Task Every_SetAsync_in_flight_when_the_cache_closes_is_in_the_file_afterwards([Values] Close close)
    {
        var cache = (LayeredCache)CacheRegistry.Initialize(MemoryAndSqlite(), Clock);
        cache.Set("setup", 0, TimeSpan.FromHours(1)); // the file exists, in WAL mode, with Cachka's schema
        using var locker = HoldWriteLock();

        // 100 writers each issue one write: the first waits inside SQLite for the lock, the others queue behind it.
        var issued = 0;
        var writes = Enumerable.Range(0, Writers * WritesPerWriter).Select(n => Task.Run(async () =>
        {
            var write = cache.SetAsync(Key(n / WritesPerWriter, n % WritesPerWriter), Value(n / WritesPerWriter, n % WritesPerWriter), TimeSpan.FromHours(1));
            Interlocked.Increment(ref issued);
            await write;
        })).ToArray();
        SpinWait.SpinUntil(() => Volatile.Read(ref issued) >= (Writers * WritesPerWriter) - 1);

        var closing = Task.Run(() => CloseAsync(cache, close));
        // A read does not queue behind the writer: once it is refused, the close has begun.
        SpinWait.SpinUntil(() => Refused(() => cache.Get<int>("late")));
        locker.Release();
        await closing;

        // Durable when closing returns: the file is read before the writers' own tasks are awaited (a write's task
        // completes a moment after the write left the cache, so its IsCompleted is no measure of durability).
        var expected = AllKeys();
        expected["setup"] = 0;
        AssertInFile(expected);
        await Task.WhenAll(writes); // none failed
    }

    [Test]
    public async Task Every_Set_that_returned_is_in_the_file_and_the_writes_after_close_throw_ObjectDisposedException([Values] bool asyncWrites, [Values] Close close)
    {
        var cache = (LayeredCache)CacheRegistry.Initialize(MemoryAndSqlite(), Clock);
        var written = new ConcurrentDictionary<string, int>();
        var unexpected = new ConcurrentQueue<Exception>();
        var refused = new int[Writers];

        // Each writer keeps writing until the cache refuses it, so writes are in flight whenever the cache closes.
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(async () =>
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    if (asyncWrites)
                        await cache.SetAsync(Key(w, i), Value(w, i), TimeSpan.FromHours(1));
                    else
                        cache.Set(Key(w, i), Value(w, i), TimeSpan.FromHours(1));
                    written[Key(w, i)] = Value(w, i);
                }
                catch (ObjectDisposedException)
                {
                    refused[w]++;
                    return;
                }
                catch (Exception error)
                {
                    unexpected.Enqueue(error);
                    return;
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToArray();

        SpinWait.SpinUntil(() => written.Count >= Writers * WritesPerWriter || !unexpected.IsEmpty);
        await CloseAsync(cache, close);
        await Task.WhenAll(writers);

        Assert.Multiple(() =>
        {
            Assert.That(unexpected, Is.Empty);
            Assert.That(refused, Is.All.EqualTo(1), "every writer's first write after the close was refused");
            Assert.That(written, Has.Count.GreaterThanOrEqualTo(Writers * WritesPerWriter));
        });
        AssertInFile(written);
    }

    [Test]
    public async Task The_SQLite_layer_on_its_own_finishes_the_writes_queued_for_its_connection_before_it_closes([Values] bool asyncClose)
    {
        var setup = new SqliteCacheLayer(Config().Settings, Context());
        setup.Set("setup", 0, In(TimeSpan.FromHours(1))); // the file exists, in WAL mode, with Cachka's schema
        setup.Dispose();
        var layer = new SqliteCacheLayer((Config() with { BusyTimeout = TimeSpan.FromSeconds(60) }).Settings, Context());
        using var locker = HoldWriteLock();

        var issued = 0;
        var writes = Enumerable.Range(0, Writers * WritesPerWriter).Select(n => Task.Run(async () =>
        {
            var write = layer.SetAsync(Key(n / WritesPerWriter, n % WritesPerWriter), Value(n / WritesPerWriter, n % WritesPerWriter), In(TimeSpan.FromHours(1)), CancellationToken.None);
            Interlocked.Increment(ref issued);
            await write;
        })).ToArray();
        SpinWait.SpinUntil(() => Volatile.Read(ref issued) >= (Writers * WritesPerWriter) - 1);

        var closing = asyncClose ? layer.DisposeAsync().AsTask() : Task.Run(layer.Dispose);
        SpinWait.SpinUntil(() => Refused(() => layer.Get<int>("late")));
        locker.Release();

        await closing;

        // Durable when closing returns, read before the writers' tasks are awaited (see the test above).
        var expected = AllKeys();
        expected["setup"] = 0;
        AssertInFile(expected);
        await Task.WhenAll(writes); // none was refused
    }

    [Test]
    public async Task A_GetOrCreate_factory_running_when_the_cache_closes_is_stored_before_close_returns([Values] bool asyncCall)
    {
        var cache = (LayeredCache)CacheRegistry.Initialize(MemoryAndSqlite(), Clock);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var call = Task.Factory.StartNew(async () =>
        {
            if (asyncCall)
                return await cache.GetOrCreateAsync("slow", async _ => { entered.Set(); await Task.Run(release.Wait); return 42; }, TimeSpan.FromHours(1));
            return cache.GetOrCreate("slow", () => { entered.Set(); release.Wait(); return 42; }, TimeSpan.FromHours(1));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        entered.Wait();

        var closing = CacheRegistry.ShutdownAsync();
        // The close has begun (new operations are refused) but waits for the factory.
        SpinWait.SpinUntil(() => Refused(() => cache.Set("other", 1)));
        Assert.That(closing.IsCompleted, Is.False);
        release.Set();
        await closing;

        Assert.That(await call, Is.EqualTo(42));
        AssertInFile(new Dictionary<string, int> { ["slow"] = 42 });
    }

    [Test]
    public async Task Every_member_throws_ObjectDisposedException_after_ShutdownAsync([Values] bool valueWasInL1)
    {
        var cache = CacheRegistry.Initialize(MemoryAndSqlite(), Clock);
        var typed = new NumberKey(7);
        if (valueWasInL1)
        {
            cache.Set("k", 1);
            cache.GetOrCreate(typed, 0, static _ => 7);
        }

        await CacheRegistry.ShutdownAsync();

        var sync = new (string Member, Action Call)[]
        {
            ("Get", () => cache.Get<int>("k")),
            ("TryGet", () => cache.TryGet<int>("k")),
            ("Set", () => cache.Set("k", 2)),
            ("Set(options)", () => cache.Set("k", 2, new CacheEntryOptions(TimeSpan.FromMinutes(1)))),
            ("Delete", () => cache.Delete("k")),
            ("GetOrCreate", () => cache.GetOrCreate("k", () => 3)),
            ("GetOrCreate(typed)", () => cache.GetOrCreate(typed, 0, static _ => 3)),
            ("InvalidateTag", () => cache.InvalidateTag("t")),
            ("CleanupExpired", () => cache.CleanupExpired()),
        };
        var async = new (string Member, Func<Task> Call)[]
        {
            ("GetAsync", async () => await cache.GetAsync<int>("k")),
            ("TryGetAsync", async () => await cache.TryGetAsync<int>("k")),
            ("SetAsync", async () => await cache.SetAsync("k", 2)),
            ("SetAsync(options)", async () => await cache.SetAsync("k", 2, new CacheEntryOptions(TimeSpan.FromMinutes(1)))),
            ("DeleteAsync", async () => await cache.DeleteAsync("k")),
            ("GetOrCreateAsync", async () => await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(3))),
            ("GetOrCreateAsync(typed)", async () => await cache.GetOrCreateAsync(typed, 0, static (_, _) => ValueTask.FromResult(3))),
            ("GetOrCreateTaskAsync(typed)", () => cache.GetOrCreateTaskAsync(typed, 0, static (_, _) => ValueTask.FromResult(3))),
            ("InvalidateTagAsync", async () => await cache.InvalidateTagAsync("t")),
            ("CleanupExpiredAsync", async () => await cache.CleanupExpiredAsync()),
            ("HealthCheckAsync", async () => await cache.HealthCheckAsync()),
        };

        // Every time, not only the first, with a message that says what happened and what to do.
        var outcomes = new List<(string Member, Exception? Error)>();
        foreach (var (member, call) in sync)
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    call();
                    outcomes.Add((member, null));
                }
                catch (Exception error)
                {
                    outcomes.Add((member, error));
                }
            }
        }

        foreach (var (member, call) in async)
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    await call();
                    outcomes.Add((member, null));
                }
                catch (Exception error)
                {
                    outcomes.Add((member, error));
                }
            }
        }

        Assert.Multiple(() =>
        {
            foreach (var (member, error) in outcomes)
            {
                Assert.That(error, Is.InstanceOf<ObjectDisposedException>(), member);
                Assert.That(error?.Message, Does.Contain("'default' has been shut down").And.Contain("CacheRegistry.Initialize"), member);
            }
        });
    }

    // Another connection holds the database's write lock until released (or disposed).
    private WriteLock HoldWriteLock() => new(OpenRaw());

    private sealed class WriteLock : IDisposable
    {
        private readonly Microsoft.Data.Sqlite.SqliteConnection _connection;
        private bool _held;

        public WriteLock(Microsoft.Data.Sqlite.SqliteConnection connection)
        {
            _connection = connection;
            Run("BEGIN IMMEDIATE");
            _held = true;
        }

        public void Release()
        {
            if (!_held)
                return;
            _held = false;
            Run("ROLLBACK");
        }

        public void Dispose() => Release();

        private void Run(string sql)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    private static string Key(int writer, int i) => $"w{writer}:{i}";

    private static int Value(int writer, int i) => (writer * 100_000) + i;

    private static Dictionary<string, int> AllKeys()
    {
        var all = new Dictionary<string, int>();
        for (var w = 0; w < Writers; w++)
        {
            for (var i = 0; i < WritesPerWriter; i++)
                all[Key(w, i)] = Value(w, i);
        }

        return all;
    }

    private static async Task CloseAsync(LayeredCache cache, Close close)
    {
        switch (close)
        {
            case Close.RegistryShutdownAsync:
                await CacheRegistry.ShutdownAsync();
                break;
            case Close.DisposeAsync:
                await cache.DisposeAsync();
                break;
            default:
                cache.Dispose();
                break;
        }
    }

    private static bool Refused(Action call)
    {
        try
        {
            call();
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    // The database is opened again, as the next run of the application would.
    private void AssertInFile(IReadOnlyDictionary<string, int> expected)
    {
        Assert.That(RowCount(), Is.EqualTo(expected.Count), "rows in the file");
        using var reopened = new SqliteCacheLayer(Config().Settings, Context());
        Assert.Multiple(() =>
        {
            foreach (var (key, value) in expected)
            {
                var hit = reopened.Get<int>(key);
                Assert.That(hit.Found ? hit.Value : (int?)null, Is.EqualTo(value), key);
            }
        });
    }

    private readonly record struct NumberKey(int Number) : ICacheKey<NumberKey>
    {
        public string ToKeyString() => "number:" + Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

using System.Diagnostics;

namespace Cachka.Tests.Sqlite;

/// <summary>Real second OS processes (Cachka.Tests.Worker) sharing one database file.</summary>
[NonParallelizable]
public class SqliteMultiProcessTests : SqliteTestBase
{
    // The workers run on the real clock: so must this test's cache, or their expiry times disagree.
    [SetUp]
    public void UseTheRealClock() => Clock.SetUtcNow(DateTimeOffset.UtcNow);

    private static string WorkerPath
    {
        get
        {
            // Tests run from Cachka.Tests/bin/<Configuration>/<tfm>/; the worker builds beside it.
            var tfmDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmDirectory.Parent!.Name;
            var repository = tfmDirectory.Parent.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(repository, "Cachka.Tests.Worker", "bin", configuration, tfmDirectory.Name, "Cachka.Tests.Worker.dll");
            Assert.That(File.Exists(path), Is.True, $"the worker is built by Cachka.Tests' project reference: {path}");
            return path;
        }
    }

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerPath);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    private static async Task<string> RunAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.Zero, $"worker {string.Join(' ', arguments)} failed: {await error}");
        return (await output).Trim();
    }

    [Test]
    public async Task Two_processes_see_each_others_writes()
    {
        var cache = Cache(memory: false);
        cache.Set("from-test", "hello from the test process", ttl: TimeSpan.FromHours(1));

        var readByWorker = await RunAsync("read", DbPath, "from-test");
        await RunAsync("write", DbPath, "from-worker", "hello from the worker");

        Assert.That(readByWorker, Is.EqualTo("hello from the test process"));
        Assert.That(cache.Get<string>("from-worker"), Is.EqualTo("hello from the worker"));
    }

    [Test]
    public async Task Concurrent_processes_never_corrupt_the_file()
    {
        // The test process joins the load with its own real-time cache.
        var local = Own(new LayeredCache(new CacheConfig { Layers = [Config() with { BusyTimeout = TimeSpan.FromSeconds(5) }], VacuumInterval = null, CleanupOnStart = false }));
        var workers = new[] { RunAsync("stress", DbPath, "w1", "3000"), RunAsync("stress", DbPath, "w2", "3000") };
        var wrong = 0;
        for (var i = 0; i < 1500; i++)
        {
            var key = "shared:" + (i % 64);
            if (i % 3 == 0)
                await local.SetAsync(key, $"{key}|test|{i}", ttl: TimeSpan.FromMinutes(5));
            else if (local.TryGet<string>(key) is { HasValue: true } hit && !hit.Value!.StartsWith(key + "|", StringComparison.Ordinal))
                wrong++;
        }

        var outputs = await Task.WhenAll(workers);

        Assert.That(outputs, Has.All.StartWith("ops=3000 wrong=0 errors=0"));
        Assert.That(wrong, Is.Zero);
        Assert.That(local.GetStatistics().Errors, Is.Zero);
        await local.DisposeAsync();
        Assert.That(SqliteFaultTests.Integrity(DbPath), Is.EqualTo("ok"));
    }

    [Test]
    public async Task A_write_lock_held_by_another_process_is_skipped_and_recovers()
    {
        var cache = Cache();
        cache.Set("before", 1, ttl: TimeSpan.FromMinutes(5));
        using var locker = Start("lock", DbPath, "4000");
        Assert.That(await locker.StandardOutput.ReadLineAsync(), Is.EqualTo("locked"));

        var calls = 0;
        Assert.That(cache.GetOrCreate("during", () => ++calls, TimeSpan.FromMinutes(5)), Is.EqualTo(1));
        Assert.That(cache.Get<int>("before"), Is.EqualTo(1), "reads still work");
        Assert.That(cache.Metrics.Errors().Any(e => e.Layer == "sqlite_cache"), Is.True, "the blocked write was counted");

        await locker.WaitForExitAsync();
        Clock.Advance(TimeSpan.FromSeconds(30));
        cache.Set("after", "written after the lock", ttl: TimeSpan.FromMinutes(5));
        Assert.That(await RunAsync("read", DbPath, "after"), Is.EqualTo("written after the lock"));
    }
}

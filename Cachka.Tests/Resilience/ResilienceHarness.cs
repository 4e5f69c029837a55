using Cachka.Tests.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Resilience;

/// <summary>
/// What the resilience tests share: a cache on a fake clock (memory only, or memory + a SQLite file that a second
/// cache can open), the call in its sync or async form, and gated factories that a test releases.
/// </summary>
internal abstract class ResilienceHarness(bool async, bool withSqlite)
{
    private readonly List<Gate> _gates = [];
    private string? _dbPath;

    protected FakeTimeProvider Clock { get; private set; } = null!;

    protected bool Async => async;

    protected bool WithSqlite => withSqlite;

    [SetUp]
    public void StartClock()
    {
        Clock = TestCaches.Clock();
        _dbPath = withSqlite ? Path.Combine(Path.GetTempPath(), $"cachka-resilience-{Guid.NewGuid():N}.db") : null;
    }

    [TearDown]
    public void ReleaseGates()
    {
        foreach (var gate in _gates)
            gate.Release();
        _gates.Clear();
        if (_dbPath is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _dbPath, _dbPath + "-wal", _dbPath + "-shm" })
                File.Delete(file);
        }
    }

    /// <summary>A cache over the test's layers; a second one opens the same SQLite file (its L1 is empty).</summary>
    protected LayeredCache Cache(CacheEntryOptions defaults = default) => new(new CacheConfig
    {
        Layers = withSqlite
            ? [new MemoryCacheConfig { Ttl = TimeSpan.FromDays(1) }, new SqliteCacheConfig { DbPath = _dbPath! }]
            : [new MemoryCacheConfig { Ttl = TimeSpan.FromDays(1) }],
        DefaultEntryOptions = defaults,
        VacuumInterval = null,
        CleanupOnStart = false,
    }, Clock);

    /// <summary>
    /// The call, then a wait until its fill has left the key's flight: an async fill hands its callers the value before
    /// its write below memory ends, and a caller arriving meanwhile joins it; with a clock that jumps, that caller would
    /// get the value of a moment (and minutes of fake time) ago.
    /// </summary>
    protected async Task<T> Call<T>(ICache cache, string key, Func<T> factory, CacheEntryOptions options)
    {
        var value = async
            ? await cache.GetOrCreateAsync(key, factory, static (f, _) => ValueTask.FromResult(f()), options)
            : cache.GetOrCreate(key, factory, static f => f(), options);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (((LayeredCache)cache).FlightsInProgress != 0 && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        return value;
    }

    /// <summary>The call with a factory that waits for <paramref name="gate"/> (on a thread for sync, on a task for async); started off the test's thread.</summary>
    protected Task<T> CallGated<T>(ICache cache, string key, Gate<T> gate, CacheEntryOptions options) =>
        async
            ? Task.Run(async () => await cache.GetOrCreateAsync(key, gate, static (g, ct) => g.WaitAsync(ct), options))
            : Task.Run(() => cache.GetOrCreate(key, gate, static g => g.WaitSync(), options));

    protected Gate<T> NewGate<T>()
    {
        var gate = new Gate<T>();
        _gates.Add(gate);
        return gate;
    }

    /// <summary>Moves the fake clock on in small steps until <paramref name="task"/> ends (a timer may be armed a moment after the test looks).</summary>
    protected async Task<T> AdvanceUntil<T>(Task<T> task, TimeSpan step)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            Clock.Advance(step);
            await Task.WhenAny(task, Task.Delay(10));
        }

        Assert.That(task.IsCompleted, Is.True, "the call returned once the clock passed its timeout");
        return await task;
    }

    /// <summary>Waits (in real time, bounded) until <paramref name="condition"/> holds: for work the cache does in the background.</summary>
    protected static async Task Eventually(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        Assert.That(condition(), Is.True, because);
    }

    public abstract class Gate
    {
        /// <summary>Ends a run the test left waiting (cancelled), so no thread is left blocked.</summary>
        public abstract void Release();
    }

    /// <summary>A factory that runs until the test opens it (or fails it), counting its runs.</summary>
    public sealed class Gate<T> : Gate
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _started = new();
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public bool Started => _started.IsSet;

        public override void Release() => _result.TrySetCanceled();

        public void Open(T value) => _result.TrySetResult(value);

        public void Fail(Exception error) => _result.TrySetException(error);

        public T WaitSync()
        {
            Interlocked.Increment(ref _runs);
            _started.Set();
            // A test factory that blocks its thread (what a sync factory does); the test always opens the gate.
            return _result.Task.ConfigureAwait(false).GetAwaiter().GetResult();
        }

        public async ValueTask<T> WaitAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            _started.Set();
            return await _result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

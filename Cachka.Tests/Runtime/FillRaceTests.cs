namespace Cachka.Tests.Runtime;

/// <summary>
/// A fill (GetOrCreate's factory run) hands its value to the callers as soon as L1 holds it, and writes the layers
/// below afterwards. A write or delete of the same key made meanwhile, or while the factory ran, must never be
/// undone by the fill's older value, and no write is dropped for it: found by a web app test whose DELETE was followed
/// by the old product. A change made while a fill stores waits for that store, then reaches every layer after it.
/// </summary>
public sealed class FillRaceTests
{
    private static (LayeredCache Cache, RecordingLayer Below) Cache()
    {
        var below = new RecordingLayer("below", TimeProvider.System);
        var cache = new LayeredCache(new CacheConfig { Layers = [new MemoryCacheConfig(), new ExistingLayerConfig(below)], VacuumInterval = null, CleanupOnStart = false });
        return (cache, below);
    }

    private static async Task Drained(LayeredCache cache)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (cache.FlightsInProgress > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        Assert.That(cache.FlightsInProgress, Is.Zero);
    }

    // A fill of "k" whose factory (returning 1; completing at once when async) waits while change runs; the caller
    // must get its own factory's value, and the fill must end.
    private static async Task FillWithChangeMeanwhile(LayeredCache cache, bool async, Action change)
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int Factory()
        {
            started.Set();
            release.Wait(TimeSpan.FromSeconds(10));
            return 1;
        }

        var fill = async
            ? Task.Run(async () => await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(Factory())))
            : Task.Run(() => cache.GetOrCreate("k", Factory));
        Assert.That(started.Wait(TimeSpan.FromSeconds(10)), Is.True);
        change();
        release.Set();
        Assert.That(await fill, Is.EqualTo(1), "the caller gets what its own factory made");
        await Drained(cache);
    }

    // What the cache serves once L1's copy is gone: the layer below must not hold the old value.
    private static CacheResult<int> BelowL1(LayeredCache cache, string key)
    {
        cache.Layers[0].Delete(key);
        return cache.TryGet<int>(key);
    }

    [Test]
    public async Task A_delete_after_an_async_fill_returned_is_not_undone_by_the_fills_late_write_below()
    {
        var (cache, below) = Cache();
        using var _ = cache;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        below.BeforeWriteAsync = () => release.Task;
        Assert.That(await cache.GetOrCreateAsync("product:1", _ => ValueTask.FromResult(1)), Is.EqualTo(1));
        below.BeforeWriteAsync = null;
        var delete = cache.DeleteAsync("product:1").AsTask(); // waits for the fill's write below L1, then removes it
        await Task.Delay(50);
        Assert.That(delete.IsCompleted, Is.False, "the delete waits while the fill stores");
        release.SetResult();
        await delete;
        await Drained(cache);

        Assert.That(cache.TryGet<int>("product:1").HasValue, Is.False);
        Assert.That(below.Holds("product:1"), Is.False, "the deleted value is not left below L1");
    }

    [Test]
    public async Task A_set_after_an_async_fill_returned_is_what_every_layer_serves()
    {
        var (cache, below) = Cache();
        using var _ = cache;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        below.BeforeWriteAsync = () => release.Task;
        await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(1));
        below.BeforeWriteAsync = null;
        var set = cache.SetAsync("k", 2).AsTask();
        release.SetResult();
        await set;
        await Drained(cache);

        Assert.That(cache.TryGet<int>("k").Value, Is.EqualTo(2), "the acknowledged write is kept");
        Assert.That(BelowL1(cache, "k").Value, Is.EqualTo(2), "below L1 too, never the fill's older 1");
    }

    [Test]
    public async Task A_delete_while_a_sync_fill_writes_below_is_not_undone()
    {
        var (cache, below) = Cache();
        using var _ = cache;
        using var writing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        below.BeforeWrite = () =>
        {
            writing.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        };
        var fill = Task.Run(() => cache.GetOrCreate("k", () => 1));
        Assert.That(writing.Wait(TimeSpan.FromSeconds(10)), Is.True);
        below.BeforeWrite = null;
        var delete = Task.Run(() => cache.Delete("k"));
        await Task.Delay(50);
        Assert.That(delete.IsCompleted, Is.False, "the delete waits while the fill stores");
        release.Set();
        await delete;
        Assert.That(await fill, Is.EqualTo(1));
        await Drained(cache);

        Assert.That(cache.TryGet<int>("k").HasValue, Is.False);
        Assert.That(below.Holds("k"), Is.False);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_set_while_the_factory_runs_wins_over_the_factorys_older_result(bool async)
    {
        var (cache, _) = Cache();
        using var __ = cache;
        await FillWithChangeMeanwhile(cache, async, () => cache.Set("k", 2));

        Assert.That(cache.TryGet<int>("k").Value, Is.EqualTo(2), "the cache keeps the newer write");
        Assert.That(BelowL1(cache, "k").Value, Is.EqualTo(2));
    }

    // A memory-only cache lands a fill nobody else touched in one step (FlightTable.TryClaimAlone): a change of the key
    // while the factory runs must still keep the fill's older value out, sync and async, set and delete.
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public async Task On_a_memory_only_cache_a_change_while_the_factory_runs_wins_over_the_factorys_older_result(bool async, bool delete)
    {
        using var cache = TestCaches.Memory();
        await FillWithChangeMeanwhile(cache, async, () =>
        {
            if (delete)
                cache.Delete("k");
            else
                cache.Set("k", 2);
        });

        var held = cache.TryGet<int>("k");
        Assert.That((held.HasValue, held.Value), Is.EqualTo(delete ? (false, 0) : (true, 2)), "the cache keeps the newer change");
        Assert.That(cache.GetOrCreate("k", () => 3), Is.EqualTo(delete ? 3 : 2), "and the next miss fills afresh");
    }
}

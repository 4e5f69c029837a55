namespace Cachka.Tests.Resilience;

/// <summary>
/// Eager refresh: a GetOrCreate hit after the threshold returns the cached value at once and starts one background
/// refresh (no timer: an unused key still expires); concurrent hits start one refresh. Sync and async, memory only and
/// memory + SQLite.
/// </summary>
[TestFixture(false, false)]
[TestFixture(false, true)]
[TestFixture(true, false)]
[TestFixture(true, true)]
internal sealed class EagerRefreshTests(bool async, bool withSqlite) : ResilienceHarness(async, withSqlite)
{
    private static readonly CacheEntryOptions Eager = new(TimeSpan.FromMinutes(10)) { EagerRefreshThreshold = 0.8f };

    [Test]
    public async Task A_hit_after_the_threshold_returns_the_value_and_refreshes_it_in_the_background()
    {
        using var cache = Cache();
        var version = 1;
        Assert.That(await Call(cache, "price", () => version, Eager), Is.EqualTo(1));

        Clock.Advance(TimeSpan.FromMinutes(7));
        version = 2;
        Assert.That(await Call(cache, "price", () => version, Eager), Is.EqualTo(1), "before the threshold: a plain hit");
        await Task.Delay(50);
        Assert.That(cache.TryGet<int>("price").Value, Is.EqualTo(1), "no refresh before the threshold");

        Clock.Advance(TimeSpan.FromMinutes(2)); // 9 of 10 minutes
        Assert.That(await Call(cache, "price", () => version, Eager), Is.EqualTo(1), "the hit does not wait for the refresh");
        await Eventually(() => cache.TryGet<int>("price").Value == 2, "the refresh replaced the entry");

        Clock.Advance(TimeSpan.FromMinutes(5)); // the old entry would have expired; the refreshed one lives 10 minutes from its refresh
        Assert.That(cache.TryGet<int>("price").Value, Is.EqualTo(2));
        if (WithSqlite)
        {
            using var other = Cache();
            Assert.That(other.TryGet<int>("price").Value, Is.EqualTo(2), "the refresh reached SQLite");
        }
    }

    [Test]
    public async Task Concurrent_hits_start_one_refresh()
    {
        using var cache = Cache();
        await Call(cache, "price", () => 1, Eager);
        Clock.Advance(TimeSpan.FromMinutes(9));
        var gate = NewGate<int>();
        var hits = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Async
            ? cache.GetOrCreateAsync("price", gate, static (g, ct) => g.WaitAsync(ct), Eager).AsTask()
            : Task.Run(() => cache.GetOrCreate("price", gate, static g => g.WaitSync(), Eager))));
        Assert.That(hits, Is.All.EqualTo(1), "every hit returned the cached value at once");
        await Eventually(() => gate.Started, "one refresh started");
        await Task.Delay(50);
        Assert.That(gate.Runs, Is.EqualTo(1));
        gate.Open(2);
        await Eventually(() => cache.TryGet<int>("price").Value == 2, "the refresh landed");
        Assert.That(gate.Runs, Is.EqualTo(1));
        Assert.That(cache.GetMetricsText(), Does.Contain("cache_background_runs_total{cache=\"default\",kind=\"eager_refresh\"} 1"));
    }

    // Why CACHKA029 warns: a refresh runs the factory that the hit passed, after the hit has returned. A closure reads its
    // variables then (a for loop's one variable has moved on, so each key gets another call's value); state was read at
    // the call.
    [Test]
    public async Task A_refresh_reads_a_closures_variables_when_it_runs_and_state_as_it_was_at_the_call()
    {
        using var cache = Cache(Eager);
        for (var id = 0; id < 2; id++)
        {
            cache.GetOrCreate("closure:" + id, id * 10, static value => value, Eager);
            cache.GetOrCreate("state:" + id, id * 10, static value => value, Eager);
        }

        Clock.Advance(TimeSpan.FromMinutes(9));
        using var open = new ManualResetEventSlim();
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
#pragma warning disable CACHKA029 // the closure over the loop's variable is what this test shows
        for (var id = 0; id < 2; id++)
        {
            var hit = Async
                ? await cache.GetOrCreateAsync("closure:" + id, async ct => { await opened.Task.WaitAsync(ct); return id * 10 + 1; })
                : cache.GetOrCreate("closure:" + id, () => { open.Wait(); return id * 10 + 1; });
            Assert.That(hit, Is.EqualTo(id * 10), "the hit returns the cached value at once");
        }
#pragma warning restore CACHKA029

        for (var id = 0; id < 2; id++)
        {
            var hit = Async
                ? await cache.GetOrCreateAsync("state:" + id, (id, opened), static async (s, ct) => { await s.opened.Task.WaitAsync(ct); return s.id * 10 + 1; })
                : cache.GetOrCreate("state:" + id, (id, open), static s => { s.open.Wait(); return s.id * 10 + 1; });
            Assert.That(hit, Is.EqualTo(id * 10), "the hit returns the cached value at once");
        }

        opened.SetResult();
        open.Set();
        await Eventually(() => cache.TryGet<int>("state:0").Value == 1 && cache.TryGet<int>("state:1").Value == 11, "each refresh computed its own call's value");
        await Eventually(() => cache.TryGet<int>("closure:0").Value == 21 && cache.TryGet<int>("closure:1").Value == 21, "both refreshes read id after the loop");
        Assert.That(cache.TryGet<int>("closure:0").Value, Is.EqualTo(21), "closure:0 holds the value of a call for id 2: the user's closure, not the key, decided it");
    }

    [Test]
    public async Task An_unused_key_still_expires()
    {
        using var cache = Cache();
        var runs = 0;
        await Call(cache, "price", () => ++runs, Eager);
        Clock.Advance(TimeSpan.FromMinutes(11));
        await Task.Delay(50);
        Assert.That(cache.TryGet<int>("price").HasValue, Is.False, "no timer kept it alive");
        Assert.That(runs, Is.EqualTo(1));
    }

    [Test]
    public async Task A_failed_refresh_leaves_the_entry_as_it_was()
    {
        using var cache = Cache();
        await Call(cache, "price", () => 1, Eager);
        Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.That(await Call<int>(cache, "price", () => throw new InvalidOperationException("origin down"), Eager), Is.EqualTo(1));
        await Task.Delay(100);
        Assert.That(cache.TryGet<int>("price").Value, Is.EqualTo(1));
    }

    [Test]
    public async Task Closing_the_cache_during_a_refresh_writes_nothing_afterwards()
    {
        var cache = Cache();
        await Call(cache, "price", () => 1, Eager);
        Clock.Advance(TimeSpan.FromMinutes(9));
        var gate = NewGate<int>();
        var hit = Async
            ? await cache.GetOrCreateAsync("price", gate, static (g, ct) => g.WaitAsync(ct), Eager)
            : cache.GetOrCreate("price", gate, static g => g.WaitSync(), Eager);
        Assert.That(hit, Is.EqualTo(1));
        await Eventually(() => gate.Started, "the refresh started");
        if (Async)
            await cache.DisposeAsync();
        else
            cache.Dispose();
        gate.Open(2);
        await Task.Delay(100);
        if (WithSqlite)
        {
            using var other = Cache();
            Assert.That(other.TryGet<int>("price").Value, Is.EqualTo(1), "the refresh's result came after the close: not written");
        }
    }

    [Test]
    public void A_threshold_outside_0_1_is_refused()
    {
        using var cache = Cache();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cache.GetOrCreate("k", () => 1, static f => f(), new CacheEntryOptions { EagerRefreshThreshold = 1f }));
        Assert.That(error!.Message, Does.Contain("CacheEntryOptions.EagerRefreshThreshold"));
    }
}

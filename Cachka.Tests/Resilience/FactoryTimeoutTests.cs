namespace Cachka.Tests.Resilience;

/// <summary>
/// Factory timeouts: a soft timeout (with a stale value at hand) returns the stale value and lets the factory finish
/// in the background; a hard timeout gives up (stale value, else TimeoutException). A late result still lands in every
/// layer, unless the key changed meanwhile or the cache closed. Sync and async, memory only and memory + SQLite.
/// </summary>
[TestFixture(false, false)]
[TestFixture(false, true)]
[TestFixture(true, false)]
[TestFixture(true, true)]
internal sealed class FactoryTimeoutTests(bool async, bool withSqlite) : ResilienceHarness(async, withSqlite)
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    private static readonly CacheEntryOptions Soft = new(TimeSpan.FromMinutes(1))
    {
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        FactorySoftTimeout = TimeSpan.FromMilliseconds(100),
    };

    private static readonly CacheEntryOptions Hard = new(TimeSpan.FromMinutes(1))
    {
        FactoryHardTimeout = TimeSpan.FromSeconds(2),
    };

    [Test]
    public async Task A_soft_timeout_returns_the_stale_value_and_the_factory_finishes_in_the_background()
    {
        using var cache = Cache();
        await Call(cache, "price", () => 42, Soft);
        Clock.Advance(TimeSpan.FromMinutes(2));

        var gate = NewGate<int>();
        var call = CallGated(cache, "price", gate, Soft);
        Assert.That(await AdvanceUntil(call, Step), Is.EqualTo(42), "the stale value, after the soft timeout");

        gate.Open(43);
        await Eventually(() => cache.TryGet<int>("price") is { HasValue: true, Value: 43 }, "the late result landed in memory");
        if (WithSqlite)
        {
            using var other = Cache();
            Assert.That(other.TryGet<int>("price").Value, Is.EqualTo(43), "and in SQLite");
        }
    }

    [Test]
    public async Task Without_a_stale_value_the_soft_timeout_does_not_apply()
    {
        using var cache = Cache();
        var gate = NewGate<int>();
        var call = CallGated(cache, "price", gate, Soft);
        await Eventually(() => gate.Started, "the factory started");
        Clock.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(50);
        Assert.That(call.IsCompleted, Is.False, "still waiting for the factory: there is nothing else to return");
        gate.Open(7);
        Assert.That(await call, Is.EqualTo(7));
    }

    [Test]
    public async Task A_hard_timeout_without_a_stale_value_throws_and_the_late_result_still_lands()
    {
        using var cache = Cache();
        var gate = NewGate<int>();
        var call = CallGated(cache, "price", gate, Hard);
        var error = await Assert.ThrowsAsync<TimeoutException>(() => AdvanceUntil(call, TimeSpan.FromMilliseconds(500)));
        Assert.That(error!.Message, Does.Contain("FactoryHardTimeout"));

        gate.Open(43);
        await Eventually(() => cache.TryGet<int>("price") is { HasValue: true, Value: 43 }, "the abandoned run's result was stored");
        Assert.That(gate.Runs, Is.EqualTo(1));
        Assert.That(cache.GetMetricsText(), Does.Contain("cache_background_runs_total{cache=\"default\",kind=\"timed_out\"} 1"));
    }

    [Test]
    public async Task A_hard_timeout_with_a_stale_value_serves_it()
    {
        var options = Hard with { FailSafeMaxDuration = TimeSpan.FromHours(1) };
        using var cache = Cache();
        await Call(cache, "price", () => 42, options);
        Clock.Advance(TimeSpan.FromMinutes(2));
        var gate = NewGate<int>();
        Assert.That(await AdvanceUntil(CallGated(cache, "price", gate, options), TimeSpan.FromMilliseconds(500)), Is.EqualTo(42));
    }

    [Test]
    public async Task A_factory_that_never_returns_is_abandoned_and_the_key_keeps_working()
    {
        using var cache = Cache();
        var hung = NewGate<int>(); // never opened
        await Assert.ThrowsAsync<TimeoutException>(() => AdvanceUntil(CallGated(cache, "price", hung, Hard), TimeSpan.FromMilliseconds(500)));
        Assert.That(await Call(cache, "price", () => 5, Hard), Is.EqualTo(5), "the next caller starts afresh");
    }

    [Test]
    public async Task A_late_result_keeps_the_tags_its_adaptive_factory_chose()
    {
        using var cache = Cache();
        var gate = NewGate<int>();
        var call = Async
            ? Task.Run(async () => await cache.GetOrCreateAsync("order:7", gate, static async (g, entry, ct) =>
            {
                var value = await g.WaitAsync(ct);
                entry.Tags.Add("customer:42");
                return value;
            }, Hard))
            : Task.Run(() => cache.GetOrCreate("order:7", gate, static (g, entry) =>
            {
                var value = g.WaitSync();
                entry.Tags.Add("customer:42");
                return value;
            }, Hard));
        await Assert.ThrowsAsync<TimeoutException>(() => AdvanceUntil(call, TimeSpan.FromMilliseconds(500)));

        gate.Open(7);
        await Eventually(() => cache.TryGet<int>("order:7").HasValue, "the late result landed");
        cache.InvalidateTag("customer:42");
        Assert.That(cache.TryGet<int>("order:7").HasValue, Is.False, "stored with the tag the factory added");
    }

    [Test]
    public async Task A_late_result_does_not_undo_a_delete_made_meanwhile()
    {
        using var cache = Cache();
        var gate = NewGate<int>();
        await Assert.ThrowsAsync<TimeoutException>(() => AdvanceUntil(CallGated(cache, "price", gate, Hard), TimeSpan.FromMilliseconds(500)));
        if (Async)
            await cache.SetAsync("price", 100, TimeSpan.FromMinutes(1));
        else
            cache.Set("price", 100, TimeSpan.FromMinutes(1));

        gate.Open(43);
        await Task.Delay(200);
        Assert.That(cache.TryGet<int>("price").Value, Is.EqualTo(100), "the write made after the run began stays");
    }

    [Test]
    public async Task Closing_the_cache_does_not_wait_for_an_abandoned_factory_and_its_late_result_is_dropped()
    {
        var cache = Cache();
        var gate = NewGate<int>();
        await Assert.ThrowsAsync<TimeoutException>(() => AdvanceUntil(CallGated(cache, "price", gate, Hard), TimeSpan.FromMilliseconds(500)));
        var close = Async ? cache.DisposeAsync().AsTask() : Task.Run(cache.Dispose);
        Assert.That(await Task.WhenAny(close, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(close), "closed without waiting for the factory");
        gate.Open(43); // after the close: nothing is written, nothing throws
        await Task.Delay(100);
        if (WithSqlite)
        {
            using var other = Cache();
            Assert.That(other.TryGet<int>("price").HasValue, Is.False);
        }
    }

    [Test]
    public void Bad_timeouts_name_the_setting()
    {
        using var cache = Cache();
        var soft = Assert.Throws<ArgumentOutOfRangeException>(() => cache.GetOrCreate("k", () => 1, static f => f(), new CacheEntryOptions { FactorySoftTimeout = TimeSpan.Zero }));
        Assert.That(soft!.Message, Does.Contain("CacheEntryOptions.FactorySoftTimeout"));
        var hard = Assert.Throws<ArgumentOutOfRangeException>(() => cache.GetOrCreate("k", () => 1, static f => f(), new CacheEntryOptions { FactoryHardTimeout = TimeSpan.FromSeconds(-1) }));
        Assert.That(hard!.Message, Does.Contain("CacheEntryOptions.FactoryHardTimeout"));
    }
}

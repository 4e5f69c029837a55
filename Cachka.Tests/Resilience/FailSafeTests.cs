namespace Cachka.Tests.Resilience;

/// <summary>
/// Fail-safe: an expired entry is kept (in every layer) and served when the factory that should replace it throws;
/// the factory is then not retried before the throttle duration; without fail-safe nothing changes. Sync and async,
/// memory only and memory + SQLite, on a fake clock.
/// </summary>
[TestFixture(false, false)]
[TestFixture(false, true)]
[TestFixture(true, false)]
[TestFixture(true, true)]
internal sealed class FailSafeTests(bool async, bool withSqlite) : ResilienceHarness(async, withSqlite)
{
    private static readonly CacheEntryOptions FailSafe = new(TimeSpan.FromMinutes(1))
    {
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        FailSafeThrottleDuration = TimeSpan.FromSeconds(30),
    };

    private static int Fail() => throw new InvalidOperationException("origin down");

    [Test]
    public async Task An_expired_value_is_served_when_the_factory_throws()
    {
        using var cache = Cache();
        Assert.That(await Call(cache, "price", () => 42, FailSafe), Is.EqualTo(42));
        Clock.Advance(TimeSpan.FromMinutes(2));

        Assert.That(await Call(cache, "price", Fail, FailSafe), Is.EqualTo(42), "the stale value instead of the exception");
        Assert.That(cache.GetMetricsText(), Does.Contain("cache_requests_total{cache=\"default\",type=\"stale\"} 1"));
    }

    [Test]
    public async Task The_fill_span_says_a_stale_value_was_served()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Cachka",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var cache = Cache();
        await Call(cache, "price", () => 42, FailSafe);
        Clock.Advance(TimeSpan.FromMinutes(2));
        await Call(cache, "price", Fail, FailSafe);

        Assert.That(spans.Where(s => s.OperationName == "cachka.get_or_create").Select(s => s.GetTagItem("cache.stale")), Has.Some.EqualTo("error"));
    }

    [Test]
    public async Task Without_fail_safe_the_exception_reaches_the_caller()
    {
        using var cache = Cache();
        Assert.That(await Call(cache, "price", () => 42, new CacheEntryOptions(TimeSpan.FromMinutes(1))), Is.EqualTo(42));
        Clock.Advance(TimeSpan.FromMinutes(2));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Call(cache, "price", Fail, FailSafe), "nothing was kept past the TTL");
    }

    [Test]
    public async Task An_expired_value_is_not_a_hit_for_a_plain_read()
    {
        using var cache = Cache();
        await Call(cache, "price", () => 42, FailSafe);
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.That(cache.TryGet<int>("price").HasValue, Is.False, "stale values are only for a failing factory");
        Assert.That(await Call(cache, "price", () => 43, FailSafe), Is.EqualTo(43), "a working factory replaces it");
        Assert.That(cache.TryGet<int>("price").Value, Is.EqualTo(43));
    }

    [Test]
    public async Task Nothing_is_served_past_FailSafeMaxDuration()
    {
        using var cache = Cache();
        await Call(cache, "price", () => 42, FailSafe);
        Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Call(cache, "price", Fail, FailSafe));
    }

    [Test]
    public async Task A_deleted_key_has_no_stale_value()
    {
        using var cache = Cache();
        await Call(cache, "price", () => 42, FailSafe);
        Clock.Advance(TimeSpan.FromMinutes(2));
        if (Async)
            await cache.DeleteAsync("price");
        else
            cache.Delete("price");
        await Assert.ThrowsAsync<InvalidOperationException>(() => Call(cache, "price", Fail, FailSafe), "a delete removes the kept copy too");
    }

    [Test]
    public async Task After_serving_stale_the_factory_waits_for_the_throttle_duration()
    {
        using var cache = Cache();
        await Call(cache, "price", () => 42, FailSafe);
        Clock.Advance(TimeSpan.FromMinutes(2));
        var runs = 0;
        int Failing()
        {
            runs++;
            throw new InvalidOperationException("origin down");
        }

        Assert.That(await Call(cache, "price", Failing, FailSafe), Is.EqualTo(42));
        Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.That(await Call(cache, "price", Failing, FailSafe), Is.EqualTo(42));
        Assert.That(runs, Is.EqualTo(1), "not retried within the throttle duration");

        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(await Call(cache, "price", Failing, FailSafe), Is.EqualTo(42), "still stale, tried again");
        Assert.That(runs, Is.EqualTo(2));

        Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.That(await Call(cache, "price", () => 44, FailSafe), Is.EqualTo(44), "the origin is back");
        Assert.That(cache.TryGet<int>("price").Value, Is.EqualTo(44));
    }

    [Test]
    public async Task A_value_written_by_Set_with_fail_safe_is_kept_too()
    {
        using var cache = Cache();
        if (Async)
            await cache.SetAsync("price", 42, FailSafe);
        else
            cache.Set("price", 42, FailSafe);
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.That(await Call(cache, "price", Fail, FailSafe), Is.EqualTo(42));
    }

    [Test]
    public async Task Cache_wide_defaults_turn_fail_safe_on()
    {
        using var cache = Cache(new CacheEntryOptions { FailSafeMaxDuration = TimeSpan.FromHours(1) });
        await Call(cache, "price", () => 42, new CacheEntryOptions(TimeSpan.FromMinutes(1)));
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.That(await Call(cache, "price", Fail, new CacheEntryOptions(TimeSpan.FromMinutes(1))), Is.EqualTo(42));
    }

    [Test]
    public async Task Callers_during_a_failing_refill_share_one_factory_run_and_all_get_the_stale_value()
    {
        using var cache = Cache();
        await Call(cache, "price", () => 42, FailSafe);
        Clock.Advance(TimeSpan.FromMinutes(2));

        var gate = NewGate<int>();
        var callers = Enumerable.Range(0, 64).Select(_ => CallGated(cache, "price", gate, FailSafe)).ToArray();
        await Eventually(() => gate.Started, "the factory started");
        await Task.Delay(50); // let the other callers join the flight
        gate.Fail(new InvalidOperationException("origin down"));
        var results = await Task.WhenAll(callers);
        Assert.That(results, Is.All.EqualTo(42));
        Assert.That(gate.Runs, Is.EqualTo(1), "one factory run for all 64 callers");
    }

    [Test]
    public void Bad_fail_safe_options_name_the_setting()
    {
        using var cache = Cache();
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => cache.GetOrCreate("k", () => 1, static f => f(), new CacheEntryOptions { FailSafeMaxDuration = TimeSpan.FromSeconds(-1) }));
        Assert.That(negative!.Message, Does.Contain("CacheEntryOptions.FailSafeMaxDuration"));
        var throttle = Assert.Throws<ArgumentOutOfRangeException>(() => cache.GetOrCreate("k", () => 1, static f => f(), new CacheEntryOptions { FailSafeMaxDuration = TimeSpan.FromHours(1), FailSafeThrottleDuration = TimeSpan.Zero }));
        Assert.That(throttle!.Message, Does.Contain("CacheEntryOptions.FailSafeThrottleDuration"));
        var config = Assert.Throws<ArgumentOutOfRangeException>(() => new CacheConfig { DefaultEntryOptions = new CacheEntryOptions { EagerRefreshThreshold = 1.5f } }.Validate());
        Assert.That(config!.Message, Does.Contain("CacheConfig.DefaultEntryOptions.EagerRefreshThreshold"));
    }
}

/// <summary>Fail-safe below memory: a fresh process (empty memory) serves SQLite's kept copy to a failing factory.</summary>
[TestFixture(false)]
[TestFixture(true)]
internal sealed class FailSafeBelowMemoryTests(bool async) : ResilienceHarness(async, withSqlite: true)
{
    private static readonly CacheEntryOptions FailSafe = new(TimeSpan.FromMinutes(1)) { FailSafeMaxDuration = TimeSpan.FromHours(1) };

    private static int Fail() => throw new InvalidOperationException("origin down");

    [Test]
    public async Task The_stale_value_is_kept_in_the_layer_below_memory()
    {
        using (var writer = Cache())
            await Call(writer, "price", () => 42, FailSafe);
        Clock.Advance(TimeSpan.FromMinutes(2));

        using var reader = Cache(); // a fresh process: its memory is empty, SQLite holds the stale entry
        Assert.That(reader.TryGet<int>("price").HasValue, Is.False, "SQLite does not serve it as fresh");
        Assert.That(await Call(reader, "price", Fail, FailSafe), Is.EqualTo(42), "SQLite's kept copy is served");
    }
}

using Cachka.Tests.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Resilience;

/// <summary>
/// Adaptive entries (the factory sets the TTL and tags from its result, or declines to cache it), jitter, and the
/// cache-wide default entry options: sync and async, memory only and memory + SQLite, on a fake clock.
/// </summary>
[TestFixture(false, false)]
[TestFixture(false, true)]
[TestFixture(true, false)]
[TestFixture(true, true)]
public sealed class AdaptiveEntryTests(bool async, bool withSqlite)
{
    private FakeTimeProvider _clock = null!;

    [SetUp]
    public void Clock() => _clock = TestCaches.Clock();

    private LayeredCache Cache(CacheEntryOptions defaults = default) => new(new CacheConfig
    {
        Layers = withSqlite ? [new MemoryCacheConfig { Ttl = TimeSpan.FromHours(2) }, new SqliteCacheConfig { DbPath = ":memory:" }] : [new MemoryCacheConfig { Ttl = TimeSpan.FromHours(2) }],
        DefaultEntryOptions = defaults,
        VacuumInterval = null,
        CleanupOnStart = false,
    }, _clock);

    private async Task<T> Adaptive<T>(ICache cache, string key, Func<CacheFactoryContext, T> factory, CacheEntryOptions options = default) =>
        async
            ? await cache.GetOrCreateAsync(key, factory, static (f, context, _) => ValueTask.FromResult(f(context)), options)
            : cache.GetOrCreate(key, factory, static (f, context) => f(context), options);

    [Test]
    public async Task The_factory_sets_the_TTL_from_its_result()
    {
        using var cache = Cache();
        var token = await Adaptive(cache, "token", context =>
        {
            context.Ttl = TimeSpan.FromSeconds(30); // the token's own expiry
            return "abc";
        }, new CacheEntryOptions(TimeSpan.FromHours(1)));
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.That(cache.TryGet<string>("token").Value, Is.EqualTo(token));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(cache.TryGet<string>("token").HasValue, Is.False, "expired with the TTL the factory chose, in every layer");
    }

    [Test]
    public async Task A_declined_result_reaches_the_caller_and_no_layer()
    {
        using var cache = Cache();
        var runs = 0;
        string? Load(CacheFactoryContext context)
        {
            runs++;
            context.DoNotCache();
            return null;
        }

        Assert.That(await Adaptive(cache, "user:404", Load), Is.Null);
        Assert.That(await Adaptive(cache, "user:404", Load), Is.Null);
        Assert.That(runs, Is.EqualTo(2), "nothing was cached");
        Assert.That(cache.TryGet<string?>("user:404").HasValue, Is.False);
    }

    [Test]
    public async Task The_factory_sets_tags_from_its_result_and_an_invalidation_finds_them()
    {
        using var cache = Cache();
        await Adaptive(cache, "order:7", context =>
        {
            context.Tags.Add("customer:42");
            return 7;
        });
        Assert.That(cache.TryGet<int>("order:7").Value, Is.EqualTo(7));
        cache.InvalidateTag("customer:42");
        Assert.That(cache.TryGet<int>("order:7").HasValue, Is.False);
    }

    [Test]
    public async Task The_context_starts_with_the_calls_TTL_and_tags()
    {
        using var cache = Cache();
        (TimeSpan Ttl, string[] Tags) seen = default;
        await Adaptive(cache, "k", context =>
        {
            seen = (context.Ttl, context.Tags.ToArray());
            return 1;
        }, new CacheEntryOptions(TimeSpan.FromMinutes(3), ["a"]));
        Assert.That(seen, Is.EqualTo((TimeSpan.FromMinutes(3), new[] { "a" })));
    }

    [Test]
    public async Task Concurrent_callers_share_one_adaptive_run_and_its_decision()
    {
        using var cache = Cache();
        var runs = 0;
        var release = new ManualResetEventSlim();
        var callers = Enumerable.Range(0, 16).Select(_ => Task.Run(() => Adaptive(cache, "shared", context =>
        {
            Interlocked.Increment(ref runs);
            release.Wait(TimeSpan.FromSeconds(10));
            context.DoNotCache();
            return 5;
        }))).ToArray();
        await Task.Delay(100);
        release.Set();
        Assert.That(await Task.WhenAll(callers), Has.All.EqualTo(5));
        Assert.That(runs, Is.LessThan(16), "callers that arrived during the run joined it");
        Assert.That(cache.TryGet<int>("shared").HasValue, Is.False);
    }

    [Test]
    public void A_TTL_of_zero_from_the_factory_is_an_error_that_names_it()
    {
        using var cache = Cache();
        Assert.That(async () => await Adaptive(cache, "k", context =>
        {
            context.Ttl = TimeSpan.Zero;
            return 1;
        }), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("CacheFactoryContext.Ttl").And.Message.Contains("DoNotCache"));
    }

    [Test]
    public async Task Jitter_adds_at_most_its_own_length_and_spreads_the_expiries()
    {
        using var cache = Cache();
        var options = new CacheEntryOptions(TimeSpan.FromMinutes(10)) { Jitter = TimeSpan.FromMinutes(5) };
        for (var i = 0; i < 200; i++)
        {
            if (async)
                await cache.SetAsync("k" + i, i, options);
            else
                cache.Set("k" + i, i, options);
        }

        _clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.That(Enumerable.Range(0, 200).Count(i => cache.TryGet<int>("k" + i).HasValue), Is.EqualTo(200), "none expires before the TTL");
        _clock.Advance(TimeSpan.FromMinutes(2.5));
        var alive = Enumerable.Range(0, 200).Count(i => cache.TryGet<int>("k" + i).HasValue);
        Assert.That(alive, Is.InRange(40, 160), "about half expired halfway through the jitter");
        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.That(Enumerable.Range(0, 200).Count(i => cache.TryGet<int>("k" + i).HasValue), Is.Zero, "all expired by TTL + jitter");
    }

    [Test]
    public async Task The_cache_wide_default_entry_options_apply_to_calls_that_leave_them_unset()
    {
        using var cache = Cache(new CacheEntryOptions(TimeSpan.FromMinutes(1)));
        if (async)
            await cache.SetAsync("default", 1);
        else
            cache.Set("default", 1);
        cache.Set("own", 2, TimeSpan.FromMinutes(30));
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.That(cache.TryGet<int>("default").HasValue, Is.False);
        Assert.That(cache.TryGet<int>("own").Value, Is.EqualTo(2));
    }

    [Test]
    public void Bad_defaults_and_a_negative_jitter_are_refused_naming_the_setting()
    {
        Assert.That(() => Cache(new CacheEntryOptions { Jitter = TimeSpan.FromSeconds(-1) }), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("CacheConfig.DefaultEntryOptions.Jitter"));
        Assert.That(() => Cache(new CacheEntryOptions(TimeSpan.Zero)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("CacheConfig.DefaultEntryOptions.Ttl"));
        Assert.That(() => Cache(new CacheEntryOptions(null, ["t"])), Throws.ArgumentException.With.Message.Contains("CacheConfig.DefaultEntryOptions.Tags"));
        using var cache = Cache();
        Assert.That(() => cache.Set("k", 1, new CacheEntryOptions { Jitter = TimeSpan.FromSeconds(-1) }), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("Jitter"));
    }

    [Test]
    public void The_default_entry_options_bind_from_configuration_and_a_misspelt_one_is_an_error()
    {
        var good = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cachka:DefaultEntryOptions:Ttl"] = "00:02:00",
            ["Cachka:DefaultEntryOptions:Jitter"] = "00:00:30",
            ["Cachka:DefaultEntryOptions:FailSafeMaxDuration"] = "02:00:00",
            ["Cachka:DefaultEntryOptions:FailSafeThrottleDuration"] = "45",
            ["Cachka:DefaultEntryOptions:FactorySoftTimeout"] = "0.1",
            ["Cachka:DefaultEntryOptions:FactoryHardTimeout"] = "00:00:02",
            ["Cachka:DefaultEntryOptions:EagerRefreshThreshold"] = "0.8",
        }).Build().GetSection("Cachka");
        var config = CacheConfigBinder.Bind(good);
        Assert.That(config.DefaultEntryOptions, Is.EqualTo(new CacheEntryOptions(TimeSpan.FromMinutes(2))
        {
            Jitter = TimeSpan.FromSeconds(30),
            FailSafeMaxDuration = TimeSpan.FromHours(2),
            FailSafeThrottleDuration = TimeSpan.FromSeconds(45),
            FactorySoftTimeout = TimeSpan.FromMilliseconds(100),
            FactoryHardTimeout = TimeSpan.FromSeconds(2),
            EagerRefreshThreshold = 0.8f,
        }));

        var outOfRange = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cachka:DefaultEntryOptions:EagerRefreshThreshold"] = "80",
        }).Build().GetSection("Cachka");
        Assert.That(() => new LayeredCache(CacheConfigBinder.Bind(outOfRange) with { Layers = [new MemoryCacheConfig()], VacuumInterval = null }).Dispose(),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("CacheConfig.DefaultEntryOptions.EagerRefreshThreshold"));

        var misspelt = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cachka:DefaultEntryOptions:Jiter"] = "00:00:30",
        }).Build().GetSection("Cachka");
        Assert.That(() => CacheConfigBinder.Bind(misspelt), Throws.InstanceOf<FormatException>().With.Message.Contains("Cachka:DefaultEntryOptions:Jiter"));
    }
}

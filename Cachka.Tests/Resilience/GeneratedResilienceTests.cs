using Cachka.Tests.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Resilience;

/// <summary>
/// Resilience options declared on generated methods reach the runtime: fail-safe with its throttle and eager refresh,
/// sync and async, on memory and memory + a SQLite file (the generator runs on this assembly).
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
internal sealed class GeneratedResilienceTests(bool withSqlite) : GeneratedCodeFixture(withSqlite)
{
    private Quotes _quotes = null!;

    [SetUp]
    public void SetUp() => _quotes = new Quotes(Cache);

    [Test]
    public async Task A_failing_body_is_answered_with_the_kept_value_and_not_retried_within_the_throttle([Values] bool async)
    {
        async Task<decimal> Price() => async ? await _quotes.PriceAsync("ACME") : _quotes.Price("ACME");

        Assert.That(await Price(), Is.EqualTo(10m));
        await Settled(); // an async fill hands its callers the value before its write below memory ends
        Clock.Advance(TimeSpan.FromMinutes(2)); // past the 60 s TTL, within the hour of fail-safe
        _quotes.Down = true;

        Assert.That(await Price(), Is.EqualTo(10m), "the kept value instead of the body's exception");
        Assert.That(await Price(), Is.EqualTo(10m));
        Assert.That(_quotes.Calls, Is.EqualTo(2), "the body was tried once, then throttled (30 s)");

        await Settled(); // the failed fill hands out the kept value before it leaves its flight, which a later caller would join
        Clock.Advance(TimeSpan.FromSeconds(31));
        _quotes.Down = false;
        _quotes.Value = 12m;
        Assert.That(await Price(), Is.EqualTo(12m), "after the throttle the body runs again");
    }

    // Until a fill has left its flight, a caller of the key joins it and gets its value: with a clock that jumps, wait.
    private async Task Settled()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Cache.FlightsInProgress != 0 && DateTime.UtcNow < deadline)
            await Task.Delay(5);
    }

    [Test]
    public async Task A_hit_late_in_the_ttl_refreshes_in_the_background()
    {
        Assert.That(_quotes.Eager("ACME"), Is.EqualTo(10m));
        Clock.Advance(TimeSpan.FromSeconds(60)); // 60 of 100 s, threshold 0.5
        _quotes.Value = 11m;
        Assert.That(_quotes.Eager("ACME"), Is.EqualTo(10m), "the hit returns the cached value at once");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Cache.TryGet<decimal>(QuotesCacheKeys.Eager("ACME")).Value != 11m && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        Assert.That(_quotes.Eager("ACME"), Is.EqualTo(11m), "the refreshed value replaced the entry");
        Assert.That(_quotes.Calls, Is.EqualTo(2));
    }
}

internal sealed partial class Quotes(ICache cache)
{
    private int _calls;

    [CacheSource] private ICache Cache { get; } = cache;

    public bool Down { get; set; }

    public decimal Value { get; set; } = 10m;

    public int Calls => Volatile.Read(ref _calls);

    [Cached(Ttl = 60, SimplifiedSelfSerialization = true, FailSafeMaxDuration = 3600, FailSafeThrottleDuration = 30)]
    public partial decimal Price(string symbol);

    private decimal PriceCore(string symbol) => Load();

    [Cached(Ttl = 60, SimplifiedSelfSerialization = true, FailSafeMaxDuration = 3600, FailSafeThrottleDuration = 30)]
    public partial Task<decimal> PriceAsync(string symbol, CancellationToken cancellationToken = default);

    private async Task<decimal> PriceAsyncCore(string symbol, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return Load();
    }

    [Cached(Ttl = 100, SimplifiedSelfSerialization = true, EagerRefreshThreshold = 0.5)]
    public partial decimal Eager(string symbol);

    private decimal EagerCore(string symbol) => Load();

    private decimal Load()
    {
        Interlocked.Increment(ref _calls);
        return Down ? throw new InvalidOperationException("quote service down") : Value;
    }
}

namespace Cachka.Tests.Runtime;

/// <summary>
/// A write or delete that does not reach a layer (it failed, its breaker was open, the caller cancelled)
/// must never let that layer serve the older value it still holds; once the layer works again the
/// outdated entry is removed from it.
/// </summary>
public class MissedWriteTests
{
    private Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = null!;
    private RecordingLayer _l2 = null!;
    private LayeredCache _cache = null!;

    [SetUp]
    public void Build()
    {
        _clock = TestCaches.Clock();
        _l2 = new RecordingLayer("l2", _clock);
        _cache = TestCaches.With(_clock, new MemoryCacheConfig { Ttl = TimeSpan.FromSeconds(10) }, new ExistingLayerConfig(_l2));
    }

    [TearDown]
    public async Task Dispose()
    {
        await _cache.DisposeAsync();
        _l2.Dispose();
    }

    private MemoryCacheLayer L1 => (MemoryCacheLayer)_cache.Layers[0];

    private LayerHealth L2Health() => _cache.HealthCheckAsync().AsTask().GetAwaiter().GetResult().Layers[1];

    // The repair runs in the background once the layer answers again; wait for it.
    private Task RepairedAsync() => _cache.RepairsFinishedAsync();

    private static IReadOnlyList<LayerSlot> SlotsOf(LayeredCache cache) => cache.Slots;

    [Test]
    public async Task A_failed_set_never_lets_the_layer_serve_the_older_value()
    {
        _cache.Set("k", "v1", TimeSpan.FromMinutes(5));
        _l2.Failing = true;
        _cache.Set("k", "v2", TimeSpan.FromMinutes(5));
        _l2.Failing = false;

        _clock.Advance(TimeSpan.FromSeconds(11));   // v2 leaves L1; L2 still holds v1
        Assert.That(L1.Get<string>("k").Found, Is.False);
        Assert.That(_cache.TryGet<string>("k").HasValue, Is.False, "v1 is outdated: a miss, never v1");

        await RepairedAsync();
        Assert.That(_l2.Holds("k"), Is.False, "the outdated value was removed once the layer answered again");
        _cache.Set("k", "v3", TimeSpan.FromMinutes(5));
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.That(_cache.Get<string>("k"), Is.EqualTo("v3"), "a write that reaches the layer makes it trusted for the key again");
    }

    [Test]
    public async Task A_failed_delete_never_lets_the_value_come_back()
    {
        _cache.Set("k", "v1", TimeSpan.FromMinutes(5));
        _l2.Failing = true;
        Assert.That(_cache.Delete("k"), Is.True, "L1 held it");
        _l2.Failing = false;

        Assert.That(_cache.Get<string>("k"), Is.Null, "the deleted value does not come back from L2");
        await RepairedAsync();
        Assert.That(_l2.Holds("k"), Is.False, "the repair deleted it from L2");
        Assert.That(await _cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh")), Is.EqualTo("fresh"));
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.That(_cache.Get<string>("k"), Is.EqualTo("fresh"));
    }

    [Test]
    public async Task An_async_failed_set_is_tracked_like_a_sync_one()
    {
        await _cache.SetAsync("k", "v1", TimeSpan.FromMinutes(5));
        _l2.Failing = true;
        await _cache.SetAsync("k", "v2", TimeSpan.FromMinutes(5));
        Assert.That(L2Health().MissedKeys, Is.EqualTo(1), "health reports the key the layer may hold an outdated value for");
        _l2.Failing = false;
        _clock.Advance(TimeSpan.FromSeconds(11));

        Assert.That((await _cache.TryGetAsync<string>("k")).HasValue, Is.False);
        await _cache.GetAsync<string>("other");   // any success starts the repair
        await RepairedAsync();
        Assert.That(_l2.Holds("k"), Is.False);
        Assert.That(L2Health().MissedKeys, Is.Zero);
    }

    [Test]
    public async Task Writes_skipped_by_the_open_breaker_are_repaired_when_it_closes()
    {
        _cache.Set("k", "v1", TimeSpan.FromMinutes(5));
        _l2.Failing = true;
        for (var i = 0; i < 3; i++)
            _cache.Get<string>("probe" + i);      // three failures open the breaker (threshold 3)
        Assert.That(L2Health().CircuitBreaker, Is.EqualTo("OPEN"));
        _l2.Failing = false;
        _cache.Set("k", "v2", TimeSpan.FromMinutes(5));   // skipped: the breaker is open
        Assert.That(_l2.Holds("k"), Is.True, "L2 still holds v1");

        _clock.Advance(TimeSpan.FromSeconds(31));  // v2 has left L1 (10 s) and the breaker's window is over
        Assert.That(_cache.Get<string>("k"), Is.Null, "L2's v1 is outdated: skipped, never served");
        _cache.Get<string>("other");               // the probe: it succeeds, the breaker closes, the repair starts
        await RepairedAsync();
        Assert.Multiple(() =>
        {
            Assert.That(L2Health().CircuitBreaker, Is.EqualTo("CLOSED"));
            Assert.That(_l2.Holds("k"), Is.False, "v1 was removed from L2");
            Assert.That(L2Health().MissedKeys, Is.Zero);
        });
    }

    [Test]
    public async Task A_cancelled_write_marks_every_layer_it_did_not_finish()
    {
        var slow = new BlockingLayer("slow");
        await using var cache = TestCaches.With(_clock, new MemoryCacheConfig(), new ExistingLayerConfig(slow), new ExistingLayerConfig(_l2));
        _l2.Put("k", "old", _clock.GetUtcNow().AddMinutes(5));
        using var cancel = new CancellationTokenSource();
        var write = cache.SetAsync("k", "new", TimeSpan.FromMinutes(5), cancel.Token).AsTask();
        await slow.Entered;
        cancel.Cancel();
        await Assert.CatchAsync<OperationCanceledException>(async () => await write);

        Assert.That(SlotsOf(cache).Select(s => s.MissedCount).ToArray(), Is.EqualTo(new[] { 0, 1, 1 }), "the cancelled layer and the one after it");

        var l1 = (MemoryCacheLayer)cache.Layers[0];
        l1.Delete("k");
        Assert.That((await cache.TryGetAsync<string>("k")).HasValue, Is.False, "L3 was never written: its 'old' must not be served");
        await cache.RepairsFinishedAsync();
        Assert.That(_l2.Holds("k"), Is.False, "the repair removed 'old'");
    }

    [Test]
    public void Tracking_is_bounded()
    {
        _l2.Failing = true;
        var slot = SlotsOf(_cache)[1];
        for (var i = 0; i < LayerSlot.MaxMissedKeys + 10; i++)
            slot.Missed("k" + i);
        Assert.That(slot.MissedCount, Is.EqualTo(LayerSlot.MaxMissedKeys));
        Assert.That(_cache.Metrics.Errors().Any(e => e.ErrorType == "missed_keys_overflow"), Is.True);
    }

    /// <summary>A layer whose first async write waits until cancelled.</summary>
    private sealed class BlockingLayer(string name) : ICacheLayer
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _writes;

        public Task Entered => _entered.Task;

        public string Name => name;

        public bool IsRemote => true;

        public CacheLayerHit<T> Get<T>(string key) => CacheLayerHit<T>.Miss;

        public ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken) => new(CacheLayerHit<T>.Miss);

        public void Set<T>(string key, T value, DateTimeOffset expiresAt)
        {
        }

        public async ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _writes) > 1)
                return;
            _entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public bool Delete(string key) => false;

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken) => new(false);

        public int CleanupExpired() => 0;

        public ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken) => new(0);

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Runtime;

/// <summary>
/// Changes made elsewhere, reported by a layer below memory (the Redis backplane does so): copies above that
/// layer are dropped, and a copy read just before such a report is never kept.
/// </summary>
public sealed class CoherenceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero));

    private (LayeredCache Cache, RecordingLayer Middle, RecordingLayer Bottom, Func<CacheLayerContext> Context) Build()
    {
        var middle = new RecordingLayer("middle", _time);
        var bottom = new RecordingLayer("bottom", _time);
        CacheLayerContext? context = null;
        var cache = new LayeredCache(
            new CacheConfig
            {
                Layers = [new MemoryCacheConfig(), new ExistingLayerConfig(middle), new ExistingLayerConfig(bottom) { OnCreate = c => context = c }],
                VacuumInterval = null,
                CleanupOnStart = false,
            },
            _time);
        return (cache, middle, bottom, () => context!);
    }

    private static MemoryCacheLayer Memory(LayeredCache cache) => (MemoryCacheLayer)cache.Layers[0];

    [Test]
    public void A_change_reported_by_a_layer_drops_the_copies_above_it_and_nothing_in_it()
    {
        var (cache, middle, bottom, context) = Build();
        using var _ = cache;
        cache.Set("k", "v1", TimeSpan.FromMinutes(5));
        context().ChangeSink!.ChangedElsewhere(bottom, ["k"]);

        Assert.That(Memory(cache).Get<string>("k").Found, Is.False);
        Assert.That(middle.Holds("k"), Is.False);
        Assert.That(bottom.Holds("k"), Is.True, "the reporting layer holds the current value");
        Assert.That(cache.Get<string>("k"), Is.EqualTo("v1"));
    }

    [Test]
    public void Lost_changes_empty_the_memory_layer()
    {
        var (cache, _, bottom, context) = Build();
        using var _ = cache;
        cache.Set("a", 1, TimeSpan.FromMinutes(5));
        cache.Set("b", 2, TimeSpan.FromMinutes(5));
        context().ChangeSink!.ChangesLost(bottom);
        Assert.That(Memory(cache).Count, Is.Zero);
    }

    [Test]
    public async Task A_copy_read_before_a_change_was_reported_is_not_kept_in_memory([Values] bool async)
    {
        var (cache, middle, bottom, context) = Build();
        await using var _ = cache;
        bottom.Put("k", "old", _time.GetUtcNow().AddMinutes(5));

        // The report arrives while the read is below memory: the value read may be the one it replaced.
        bottom.DuringRead = key => context().ChangeSink!.ChangedElsewhere(bottom, [key]);
        var read = async ? await cache.TryGetAsync<string>("k") : cache.TryGet<string>("k");
        Assert.That(read.Value, Is.EqualTo("old"), "the read still answers");
        Assert.That(Memory(cache).Get<string>("k").Found, Is.False, "but its copy is not kept");
        Assert.That(middle.Holds("k"), Is.False);

        // A read that starts after the report copies as usual.
        bottom.DuringRead = null;
        Assert.That(cache.Get<string>("k"), Is.EqualTo("old"));
        Assert.That(Memory(cache).Get<string>("k").Found, Is.True);
    }
}

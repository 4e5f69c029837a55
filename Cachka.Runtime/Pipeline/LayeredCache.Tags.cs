using Cachka.Internal;
using Cachka.Telemetry;

namespace Cachka.Pipeline;

// Tags: the keys tagged in this process (TagIndex) and those a layer recorded with the tag (other processes,
// earlier runs) leave every layer. A layer the invalidation did not reach replays it when repaired.
internal sealed partial class LayeredCache
{
    public void InvalidateTag(string tag)
    {
        TagIndex.ValidTag(tag);
        Enter();
        using var activity = StartSpan("cachka.invalidate_tag", null);
        var start = StartBelow();
        try
        {
            var keys = TaggedKeys(tag);
            var removedBy = new HashSet<string>?[_layers.Length];
            for (var i = 0; i < _layers.Length; i++)
                keys.UnionWith(removedBy[i] = Removed(_layers[i].Run<InvalidateTagOperation, IReadOnlyCollection<string>?>(LayerAccess.Tag(tag), new(tag))));
            foreach (var key in keys)
                DeleteEverywhere(key, removedBy);
            activity?.SetTag("cache.removed", keys.Count);
        }
        finally
        {
            EndBelow(CacheOperation.InvalidateTag, start);
            Exit();
        }
    }

    public ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        TagIndex.ValidTag(tag);
        Enter();
        return ExitAfter(InvalidateTagEverywhereAsync(tag, cancellationToken));
    }

    private async ValueTask InvalidateTagEverywhereAsync(string tag, CancellationToken cancellationToken)
    {
        using var activity = StartSpan("cachka.invalidate_tag", null);
        var start = StartBelow();
        var keys = TaggedKeys(tag);
        var removedBy = new HashSet<string>?[_layers.Length];
        var i = 0;
        try
        {
            for (; i < _layers.Length; i++)
                keys.UnionWith(removedBy[i] = Removed(await _layers[i].RunAsync<InvalidateTagOperation, IReadOnlyCollection<string>?>(LayerAccess.Tag(tag), new(tag), cancellationToken).ConfigureAwait(false)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Left unfinished at the caller's request: the layers not reached replay it once repaired.
            for (; i < _layers.Length; i++)
                _layers[i].MissedTag(tag);
            throw;
        }

        foreach (var key in keys)
            await DeleteEverywhereAsync(key, cancellationToken, removedBy).ConfigureAwait(false);
        activity?.SetTag("cache.removed", keys.Count);
        EndBelow(CacheOperation.InvalidateTag, start);
    }

    // The keys one layer removed for the tag: the other layers still delete them, that layer not again (a remote layer
    // would pay a round trip and tell the other processes once more per key).
    private static HashSet<string> Removed(IReadOnlyCollection<string>? keys) => new(keys ?? [], StringComparer.Ordinal);

    /// <summary>
    /// HybridCache's <c>RemoveByTagAsync("*")</c>: L1 is emptied, and every entry a layer below recorded with the reserved
    /// tag <see cref="TagIndex.Everything"/> (every entry written through HybridCache) leaves every layer.
    /// </summary>
    internal ValueTask InvalidateEverythingAsync(CancellationToken cancellationToken)
    {
        Enter();
        return ExitAfter(InvalidateEverythingCoreAsync(cancellationToken));
    }

    private async ValueTask InvalidateEverythingCoreAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _coherenceEpoch); // a copy read before this is not kept
        await _fillGuard.ChangingAllAsync().ConfigureAwait(false);
        _l1.Clear();
        await InvalidateTagEverywhereAsync(TagIndex.Everything, cancellationToken).ConfigureAwait(false);
    }

    private HashSet<string> TaggedKeys(string tag) => new(_tags.Take(tag), StringComparer.Ordinal);

    // Keys a layer removed for a tag (replayed by a repair): gone from the other layers too.
    private async Task RemoveEverywhereAsync(IReadOnlyCollection<string> keys)
    {
        // Not once the cache is closing: the repair is cancelled then, and the layers close after it.
        if (!_rundown.TryEnter())
            return;
        try
        {
            foreach (var key in keys)
                await DeleteEverywhereAsync(key, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Exit();
        }
    }
}

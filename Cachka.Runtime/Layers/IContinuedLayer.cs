using Cachka.Internal;

namespace Cachka.Layers;

/// <summary>
/// A remote layer whose async read and write take the pipeline's next step and run it in the same step as their own
/// ending (see <see cref="Continued{TInner, TResult, TNext}"/>): a call that reaches the layer then costs its caller
/// one pooled step in all, not one per level.
/// </summary>
internal interface IContinuedLayer
{
    /// <summary>
    /// As <see cref="ICacheLayer.GetAsync{T}(string, CancellationToken)"/>, then <paramref name="next"/> with its
    /// outcome (the hit, or the exception the plain read would have faulted with). Never throws itself.
    /// </summary>
    ValueTask<TOut> GetAsync<T, TOut, TNext>(string key, in TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<CacheLayerHit<T>, TOut>;

    /// <summary>
    /// As the keep-aware <c>ICacheLayer.SetAsync</c> (the entry's TTL ends at <see cref="EntryTimes.ExpiresAt"/>, and it
    /// is kept until <see cref="EntryTimes.KeepUntil"/> when <see cref="EntryTimes.IsKept"/>), then <paramref name="next"/>
    /// with its outcome (true once stored, or the exception the plain write would have faulted with). Never throws
    /// itself. The times were computed a moment ago from <see cref="EntryTimes.Origin"/> (when set): a layer that needs
    /// the time left takes it from there instead of reading the clock again.
    /// </summary>
    ValueTask SetAsync<T, TNext>(string key, T value, in EntryTimes times, IReadOnlyList<string>? tags, in TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<bool, bool>;
}

using Cachka.Internal;

namespace Cachka.Layers;

/// <summary>
/// A remote layer whose async read takes the pipeline's next step and runs it in the same step as its own ending
/// (see <see cref="Continued{TInner, TResult, TNext}"/>): a read that reaches the layer then costs its caller one
/// pooled step in all, not one per level.
/// </summary>
internal interface IContinuedReads
{
    /// <summary>
    /// As <see cref="ICacheLayer.GetAsync{T}(string, CancellationToken)"/>, then <paramref name="next"/> with its
    /// outcome (the hit, or the exception the plain read would have faulted with). Never throws itself.
    /// </summary>
    ValueTask<TOut> GetAsync<T, TOut, TNext>(string key, in TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<CacheLayerHit<T>, TOut>;
}

namespace Cachka.Layers;

/// <summary>
/// How a layer that hears of changes made by other processes (the Redis layer's backplane) tells the cache
/// that owns it, so copies in the layers above it are dropped. Set by the pipeline on the layers' context.
/// </summary>
internal interface ILayerChangeSink
{
    /// <summary>Another process wrote or removed <paramref name="keys"/> in <paramref name="source"/>: drop the copies above it.</summary>
    void ChangedElsewhere(ICacheLayer source, IReadOnlyCollection<string> keys);

    /// <summary>
    /// <paramref name="source"/> may have missed changes (its notifications were cut off): drop everything
    /// held in memory above it, since any of it may have been invalidated meanwhile.
    /// </summary>
    void ChangesLost(ICacheLayer source);
}

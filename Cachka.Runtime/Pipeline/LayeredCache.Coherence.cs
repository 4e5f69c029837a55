using Cachka.Layers;

namespace Cachka.Pipeline;

// Coherence with other processes: a layer that hears of changes made elsewhere (the Redis layer's backplane)
// reports them here, and the copies held above that layer are dropped.
//
// A read that copies a lower hit up races with such a report: it may read the old value just before the change
// and store its copy just after the report dropped the key. Every report therefore moves the coherence epoch
// first; a copy is stored only if the epoch it read under is still current after the store (else it is dropped
// again), so a report is never undone by a copy read before it.
internal sealed partial class LayeredCache
{
    private long _coherenceEpoch;

    private long CoherenceEpoch => Volatile.Read(ref _coherenceEpoch);

    void ILayerChangeSink.ChangedElsewhere(ICacheLayer source, IReadOnlyCollection<string> keys)
    {
        Interlocked.Increment(ref _coherenceEpoch);
        foreach (var key in keys)
            _fillGuard.ChangedElsewhere(key);
        var above = IndexOf(source);
        for (var i = 0; i < above; i++)
        {
            foreach (var key in keys)
            {
                if (i == 0 && _l1.IsPresent)
                    _l1.Remove(key);
                else
                    _layers[i].Run<DeleteOperation, bool>(LayerAccess.Write(key, "delete"), new(key));
            }
        }
    }

    // Only memory is cleared: a layer between L1 and the source (a local SQLite file) cannot tell which of its
    // entries changed; see docs/redis.md.
    void ILayerChangeSink.ChangesLost(ICacheLayer source)
    {
        Interlocked.Increment(ref _coherenceEpoch);
        if (IndexOf(source) > 0)
            _l1.Clear();
    }

    private int IndexOf(ICacheLayer layer)
    {
        for (var i = 0; i < _layers.Length; i++)
        {
            if (ReferenceEquals(_layers[i].Layer, layer))
                return i;
        }

        return 0;
    }

    // Stores a promoted copy in L1 unless a change reported meanwhile may have made it stale; false when dropped.
    private bool StoreCopy<TKey, T>(in TKey typedKey, string key, in BelowHit<T> found, long epoch)
        where TKey : struct, ICacheKey<TKey>
    {
        if (epoch != CoherenceEpoch)
            return false;
        _l1.Store(in typedKey, key, found.Hit.Value, found.Times);
        if (epoch == CoherenceEpoch)
            return true;
        _l1.Remove(key);
        return false;
    }
}

using System.Collections.Concurrent;

namespace Cachka.Pipeline;

/// <summary>
/// The fills in progress, per key, so that a write or delete of the key made while a fill runs is never undone by
/// the fill's result, which was made before it. A fill begins before its lookup and factory and ends after its last
/// write below L1. A write or delete marks the key's fill changed before it touches any layer; the fill then stores
/// nothing if the mark came before it stored (its callers still get the value they asked for), and removes the key
/// below L1 again if the mark came while it was writing there, so the older value it wrote cannot be served.
/// </summary>
internal sealed class FillGuard
{
    private readonly ConcurrentDictionary<string, Fill> _fills = new(StringComparer.Ordinal);
    private int _active;

    /// <summary>One key's fills in progress (more than one when fills of different value types overlap).</summary>
    internal sealed class Fill
    {
        // Guarded by the instance's own monitor (an internal sealed type nobody else locks); -1 once retired.
        internal int Holders;
        internal bool Changed;

        /// <summary>Whether a write or delete of the key was made since the fill began.</summary>
        public bool WasChanged
        {
            get
            {
                lock (this)
                    return Changed;
            }
        }
    }

    public Fill Begin(string key)
    {
        Interlocked.Increment(ref _active);
        while (true)
        {
            var fill = _fills.GetOrAdd(key, static _ => new Fill());
            lock (fill)
            {
                if (fill.Holders >= 0)
                {
                    fill.Holders++;
                    return fill;
                }
            }
        }
    }

    /// <summary>Ends a fill; true when the key was written or deleted meanwhile (remove what the fill wrote below L1).</summary>
    public bool End(string key, Fill fill)
    {
        bool changed;
        lock (fill)
        {
            changed = fill.Changed;
            if (--fill.Holders == 0)
            {
                fill.Holders = -1;
                _fills.TryRemove(new KeyValuePair<string, Fill>(key, fill));
            }
        }

        Interlocked.Decrement(ref _active);
        return changed;
    }

    /// <summary>A write or delete of <paramref name="key"/> is about to reach the layers. Costs one read when no fill runs.</summary>
    public void Changing(string key)
    {
        if (Volatile.Read(ref _active) == 0 || !_fills.TryGetValue(key, out var fill))
            return;
        lock (fill)
            fill.Changed = true;
    }

    /// <summary>Every key changes (HybridCache's <c>RemoveByTagAsync("*")</c>).</summary>
    public void ChangingAll()
    {
        foreach (var fill in _fills.Values)
        {
            lock (fill)
                fill.Changed = true;
        }
    }
}

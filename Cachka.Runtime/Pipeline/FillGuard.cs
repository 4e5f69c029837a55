using System.Collections.Concurrent;

namespace Cachka.Pipeline;

/// <summary>
/// The fills in progress, per key, so that a write or delete of the key is never undone by a fill's result, which was
/// made before it. A fill begins before its lookup and factory. A write or delete announces itself first
/// (<see cref="Changing"/>): a fill that has not stored yet then stores nothing (its callers still get the value they
/// asked for); a fill already storing (its L1 copy is in, its write below L1 in flight) is waited for, so the change
/// reaches every layer after it. Nothing a change wrote is ever removed by a fill.
/// </summary>
internal sealed class FillGuard
{
    private readonly ConcurrentDictionary<string, Fill> _fills = new(StringComparer.Ordinal);
    private int _active;

    /// <summary>One key's fills in progress (more than one when fills of different value types overlap).</summary>
    internal sealed class Fill
    {
        // Guarded by the instance's own monitor (an internal sealed type nobody else locks).
        internal int Holders; // -1 once retired
        internal bool Changed;
        internal int Storing;
        internal TaskCompletionSource? Stored;
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

    /// <summary>
    /// Starts storing a fill's value: false when the key changed since the fill began (store nothing). Otherwise
    /// <paramref name="storeLocal"/> runs under the fill's lock (so no change slips between the check and the L1
    /// store), and changes wait until <see cref="EndStore"/>.
    /// </summary>
    public bool TryStore<TState>(Fill fill, TState state, Action<TState> storeLocal)
    {
        lock (fill)
        {
            if (fill.Changed)
                return false;
            storeLocal(state);
            fill.Storing++;
            return true;
        }
    }

    /// <summary>The fill's writes below L1 are done (or failed): changes waiting for them go on.</summary>
    public void EndStore(Fill fill)
    {
        TaskCompletionSource? stored = null;
        lock (fill)
        {
            if (--fill.Storing == 0)
            {
                stored = fill.Stored;
                fill.Stored = null;
                Monitor.PulseAll(fill);
            }
        }

        stored?.TrySetResult();
    }

    public void End(string key, Fill fill)
    {
        lock (fill)
        {
            if (--fill.Holders == 0)
            {
                fill.Holders = -1;
                _fills.TryRemove(new KeyValuePair<string, Fill>(key, fill));
            }
        }

        Interlocked.Decrement(ref _active);
    }

    /// <summary>
    /// A write or delete of <paramref name="key"/> is about to reach the layers: returns once no fill of the key is
    /// storing (blocking on a monitor, never on a task). Costs one read when no fill runs.
    /// </summary>
    public void Changing(string key)
    {
        if (Volatile.Read(ref _active) == 0 || !_fills.TryGetValue(key, out var fill))
            return;
        lock (fill)
        {
            fill.Changed = true;
            while (fill.Storing > 0)
                Monitor.Wait(fill);
        }
    }

    /// <inheritdoc cref="Changing"/>
    public ValueTask ChangingAsync(string key)
    {
        if (Volatile.Read(ref _active) == 0 || !_fills.TryGetValue(key, out var fill))
            return default;
        lock (fill)
        {
            fill.Changed = true;
            if (fill.Storing == 0)
                return default;
            return new ValueTask((fill.Stored ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task);
        }
    }

    /// <summary>
    /// A change made elsewhere (another process, through the backplane): a fill of the key that has not stored yet
    /// stores nothing. Never waits: it runs on the notification's thread.
    /// </summary>
    public void ChangedElsewhere(string key)
    {
        if (Volatile.Read(ref _active) == 0 || !_fills.TryGetValue(key, out var fill))
            return;
        lock (fill)
            fill.Changed = true;
    }

    /// <summary>Every key changes (HybridCache's <c>RemoveByTagAsync("*")</c>): as <see cref="ChangingAsync"/> for every fill running now.</summary>
    public async ValueTask ChangingAllAsync()
    {
        var storing = new List<Task>();
        foreach (var fill in _fills.Values)
        {
            lock (fill)
            {
                fill.Changed = true;
                if (fill.Storing > 0)
                    storing.Add((fill.Stored ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task);
            }
        }

        await Task.WhenAll(storing).ConfigureAwait(false);
    }
}

using System.Collections.Concurrent;

namespace Cachka.Pipeline;

/// <summary>
/// What a fill (a lookup, factory run and store of one key) must respect: a write or delete of the key made meanwhile.
/// A change announces itself first (<see cref="Changing"/>): a fill that has not stored yet then stores nothing (its
/// callers still get the value they asked for, made before the change); a fill already storing (its L1 copy is in,
/// its write below L1 in flight) is waited for, so the change reaches every layer after it. So no fill undoes a
/// change, and no change is removed for a fill. Its state is guarded by the instance's own monitor (an internal type
/// nobody else locks; a <see cref="Flight{T}"/> shares it with its waiters, and every wait re-checks its condition).
/// </summary>
internal abstract class FillState
{
    private bool _changed;
    private int _storing;
    private int _blockedChanges;
    private TaskCompletionSource? _stored;

    /// <summary>
    /// Starts storing the fill's value: false when the key changed since the fill began (store nothing). Otherwise
    /// <paramref name="storeLocal"/> runs under the lock (no change slips between the check and the L1 store), and
    /// changes wait until <see cref="EndStore"/>.
    /// </summary>
    public bool TryStore<TState>(TState state, Action<TState> storeLocal)
    {
        lock (this)
        {
            if (_changed)
                return false;
            storeLocal(state);
            _storing++;
            return true;
        }
    }

    /// <summary>Back to a fresh fill's state (a flight reused by the thread that landed it; nobody else holds it).</summary>
    protected void ResetFill()
    {
        _changed = false;
        _storing = 0;
        _blockedChanges = 0;
        _stored = null;
    }

    /// <summary>
    /// For a fill with nothing to write below L1, under the instance's lock (held by the caller): stores through
    /// <paramref name="storeLocal"/> unless the key changed since the fill began. Changes need not wait for it after.
    /// </summary>
    protected bool StoreIfUnchanged<TState>(TState state, Action<TState> storeLocal)
    {
        if (_changed)
            return false;
        storeLocal(state);
        return true;
    }

    /// <summary>The fill's writes below L1 are done (or failed): changes waiting for them go on.</summary>
    public void EndStore()
    {
        TaskCompletionSource? stored = null;
        lock (this)
        {
            if (--_storing == 0)
            {
                stored = _stored;
                _stored = null;
                // A pulse needs a sync block (about a microsecond to create): only when a sync change waits.
                if (_blockedChanges > 0)
                    Monitor.PulseAll(this);
            }
        }

        stored?.TrySetResult();
    }

    /// <summary>Marks the key changed and returns once the fill is not storing (blocking on the monitor, never on a task).</summary>
    public void Changing()
    {
        lock (this)
        {
            _changed = true;
            if (_storing == 0)
                return;
            _blockedChanges++;
            while (_storing > 0)
                Monitor.Wait(this);
            _blockedChanges--;
        }
    }

    /// <summary>Marks the key changed; the task to await while the fill stores, or null.</summary>
    public Task? ChangingAsync()
    {
        lock (this)
        {
            _changed = true;
            return _storing == 0 ? null : (_stored ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Whether the key changed since the fill began.</summary>
    public bool IsChanged
    {
        get
        {
            lock (this)
                return _changed;
        }
    }

    /// <summary>Marks the key changed without waiting (a change made in another process, reported on a notification thread).</summary>
    public void ChangedElsewhere()
    {
        lock (this)
            _changed = true;
    }
}

/// <summary>
/// Finds the fills of a key for a change: the key's flight (stampede protection), and the fills that run outside one
/// (a fill of another value type than the key's flight, HybridCache's fills), registered here while they run. A
/// change costs one counter read when no fill runs.
/// </summary>
internal sealed class FillGuard(FlightTable flights)
{
    private readonly ConcurrentDictionary<string, Fill> _fills = new(StringComparer.Ordinal);
    private int _active;

    /// <summary>One key's fills outside a flight (more than one when they overlap).</summary>
    internal sealed class Fill : FillState
    {
        internal int Holders; // under the monitor; -1 once retired
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

    /// <summary>A write or delete of <paramref name="key"/> is about to reach the layers: returns once no fill of the key is storing.</summary>
    public void Changing(string key)
    {
        flights.Find(key)?.Changing();
        if (Volatile.Read(ref _active) != 0 && _fills.TryGetValue(key, out var fill))
            fill.Changing();
    }

    /// <inheritdoc cref="Changing"/>
    public ValueTask ChangingAsync(string key)
    {
        var flight = flights.Find(key)?.ChangingAsync();
        var other = Volatile.Read(ref _active) != 0 && _fills.TryGetValue(key, out var fill) ? fill.ChangingAsync() : null;
        if (flight is null && other is null)
            return default;
        return new ValueTask(flight is null ? other! : other is null ? flight : Task.WhenAll(flight, other));
    }

    /// <summary>A change made in another process: fills of the key that have not stored yet store nothing. Never waits.</summary>
    public void ChangedElsewhere(string key)
    {
        flights.Find(key)?.ChangedElsewhere();
        if (Volatile.Read(ref _active) != 0 && _fills.TryGetValue(key, out var fill))
            fill.ChangedElsewhere();
    }

    /// <summary>Every key changes (HybridCache's <c>RemoveByTagAsync("*")</c>): as <see cref="ChangingAsync"/> for every fill running now.</summary>
    public async ValueTask ChangingAllAsync()
    {
        var storing = new List<Task>();
        foreach (var state in flights.All().Concat<FillState>(_fills.Values))
        {
            if (state.ChangingAsync() is { } task)
                storing.Add(task);
        }

        await Task.WhenAll(storing).ConfigureAwait(false);
    }
}

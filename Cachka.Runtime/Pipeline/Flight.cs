using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Cachka.Pipeline;

/// <summary>
/// Stampede protection: at most one factory call per key at a time in this process. Callers of the
/// same key join one <see cref="Flight{T}"/>; the first (the leader) runs the lookup and the factory,
/// the others wait, sync waiters on a monitor and async waiters on a task, and all get the same value
/// or exception. The factory's token is cancelled only when every waiting caller has cancelled.
/// </summary>
/// <remarks>
/// A cold miss is the table's common case: one flight begun and landed with nobody joining. So the table is
/// a fixed array of buckets whose flights are their own list nodes (nothing allocated per flight but the
/// flight), guarded by striped locks, and a flight that nobody but its own runner and caller ever held is
/// reused (<see cref="Release"/>): the plain miss allocates no flight at all.
/// </remarks>
internal sealed class FlightTable
{
    private const int BucketCount = 256; // flights in progress, not entries: chains stay short
    private const int LockCount = 32;

    private readonly Flight?[] _buckets = new Flight?[BucketCount];
    private readonly BucketGates _locks = new(LockCount);

    /// <summary>
    /// Joins or starts the key's flight; null when a flight of another value type holds the key (then run unshared).
    /// <paramref name="holders"/> is how many <see cref="Release"/> calls a new flight awaits before it can be reused
    /// (a flight is never reused unless they all come).
    /// </summary>
    public Flight<T>? Join<T>(string key, CancellationToken cancellationToken, out bool leader, int holders = 1) =>
        Join<T>(key, KeyHash.Of(key), cancellationToken, out leader, holders);

    /// <inheritdoc cref="Join{T}(string, CancellationToken, out bool, int)"/>
    /// <remarks>With the key's <see cref="KeyHash"/>, which the caller computed for its L1 lookup.</remarks>
    public Flight<T>? Join<T>(string key, int hash, CancellationToken cancellationToken, out bool leader, int holders = 1)
    {
        var bucket = hash & (BucketCount - 1);
        using (_locks.Enter(bucket & (LockCount - 1)))
        {
            Flight? previous = null;
            for (var existing = _buckets[bucket]; existing is not null; previous = existing, existing = existing.Next)
            {
                if (existing.Hash != hash || !string.Equals(existing.Key, key, StringComparison.Ordinal))
                    continue;
                existing.Shared = true;
                leader = false;
                if (existing is not Flight<T> flight)
                    return null;
                if (flight.TryJoin(cancellationToken))
                    return flight;
                Unlink(bucket, previous, existing); // every caller of it cancelled: the next one starts afresh
                break;
            }

            var created = Flight<T>.Start(key, hash, cancellationToken, holders);
            created.Next = _buckets[bucket];
            created.InTable = true;
            _buckets[bucket] = created;
            leader = true;
            return created;
        }
    }

    /// <summary>
    /// Begins to land a flight that nobody but its runner ever found (no waiter joined, no change of the key marked
    /// it): true with its bucket's gate held, which <see cref="LeaveAlone"/> releases once the caller has stored the
    /// fill's value in L1. A change of the key then either found the flight before (and this returns false, having
    /// held nothing: land it the long way) or finds the stored value after it.
    /// </summary>
    public bool TryClaimAlone(Flight flight)
    {
        ref var gate = ref _locks.Gate(flight.Hash & (BucketCount - 1) & (LockCount - 1));
        SpinGate.Take(ref gate);
        if (!flight.Shared)
            return true;
        SpinGate.Exit(ref gate);
        return false;
    }

    /// <summary>Ends <see cref="TryClaimAlone"/>: the flight leaves the table and its bucket's gate is released (also when the store threw).</summary>
    public void LeaveAlone(Flight flight)
    {
        var bucket = flight.Hash & (BucketCount - 1);
        Flight? previous = null;
        for (var existing = _buckets[bucket]; existing is not null; previous = existing, existing = existing.Next)
        {
            if (ReferenceEquals(existing, flight))
            {
                Unlink(bucket, previous, existing);
                break;
            }
        }

        SpinGate.Exit(ref _locks.Gate(bucket & (LockCount - 1)));
    }

    /// <summary>Removes the flight from the table (nothing when it left already, or a later caller replaced it).</summary>
    public void Land(Flight flight)
    {
        if (!flight.InTable)
            return;
        var bucket = flight.Hash & (BucketCount - 1);
        using (_locks.Enter(bucket & (LockCount - 1)))
        {
            Flight? previous = null;
            for (var existing = _buckets[bucket]; existing is not null; previous = existing, existing = existing.Next)
            {
                if (ReferenceEquals(existing, flight))
                {
                    Unlink(bucket, previous, existing);
                    return;
                }
            }
        }
    }

    /// <summary>
    /// One holder of a landed flight is done with it (its runner after <see cref="Land"/>, or a caller that read its
    /// outcome). The last one reuses it unless anybody else ever found it (a waiter, a change, an enumeration).
    /// </summary>
    public static void Release<T>(Flight<T> flight)
    {
        // A flight that landed alone has its holders on one thread, one after the other: no interlocked operation.
        if (flight.Alone ? --flight.Holders == 0 : Interlocked.Decrement(ref flight.Holders) == 0 && !Volatile.Read(ref flight.Shared))
            flight.Recycle();
    }

    /// <summary>The flights in progress now (for tests and diagnostics: it takes every lock). No counter is kept: a cold miss would pay two interlocked operations for it.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            for (var bucket = 0; bucket < BucketCount; bucket++)
            {
                using (_locks.Enter(bucket & (LockCount - 1)))
                {
                    for (var existing = _buckets[bucket]; existing is not null; existing = existing.Next)
                        count++;
                }
            }

            return count;
        }
    }

    /// <summary>
    /// The key's flight, if one is in progress (for a change of the key: see <see cref="FillGuard"/>). No lock when its
    /// bucket is empty (the common case): a flight that joins after this read began after the change did.
    /// </summary>
    public Flight? Find(string key)
    {
        var hash = KeyHash.Of(key);
        var bucket = hash & (BucketCount - 1);
        if (Volatile.Read(ref _buckets[bucket]) is null)
            return null;
        using (_locks.Enter(bucket & (LockCount - 1)))
        {
            for (var existing = _buckets[bucket]; existing is not null; existing = existing.Next)
            {
                if (existing.Hash == hash && string.Equals(existing.Key, key, StringComparison.Ordinal))
                {
                    existing.Shared = true;
                    return existing;
                }
            }
        }

        return null;
    }

    /// <summary>Every flight in progress now (a snapshot).</summary>
    public List<Flight> All()
    {
        var all = new List<Flight>();
        for (var bucket = 0; bucket < BucketCount; bucket++)
        {
            using (_locks.Enter(bucket & (LockCount - 1)))
            {
                for (var existing = _buckets[bucket]; existing is not null; existing = existing.Next)
                {
                    existing.Shared = true;
                    all.Add(existing);
                }
            }
        }

        return all;
    }

    // Under the bucket's lock.
    private void Unlink(int bucket, Flight? previous, Flight flight)
    {
        if (previous is null)
            _buckets[bucket] = flight.Next;
        else
            previous.Next = flight.Next;
        flight.Next = null;
        flight.InTable = false;
    }

}

/// <summary>A flight is also its key's fill: see <see cref="FillState"/>. Its table fields are guarded by the table's locks.</summary>
internal abstract class Flight : FillState
{
    public string Key = null!;
    public int Hash;
    public Flight? Next;

    /// <summary>Set when anybody but the flight's own runner and caller found it: it is never reused then.</summary>
    public bool Shared;

    /// <summary>Set when the flight landed alone (<see cref="FlightTable.TryClaimAlone"/>): nobody else can ever find it.</summary>
    public bool Alone;

    /// <summary>True from the flight's start until it leaves the table (set under the table's lock; its runner may read it without one).</summary>
    public bool InTable;

    /// <summary>The <see cref="FlightTable.Release"/> calls still awaited before the flight can be reused.</summary>
    public int Holders;

    // A flight nobody else held, kept by the thread that landed it for its next cold miss (of the same value type: a
    // thread that alternates types makes a new flight now and then, which dies young). One slot of the base type, not
    // one per value type: a generic type's thread static costs a runtime lookup on every access, this one an inline read.
    [ThreadStatic]
    protected static Flight? t_spare;
}

internal sealed class Flight<T> : Flight
{
    // The flight's own monitor guards its state (an internal sealed type nobody else locks). Monitor.Wait/PulseAll
    // need a sync block, which costs about a microsecond to create: a flight pulses only when a sync caller waits.
    private object Gate => this;
    private int _blockedWaiters;
    // Only a flight whose leader can cancel needs one: if the first caller cannot cancel, nobody ever cancels the factory.
    private CancellationTokenSource? _cancellation;
    private TaskCompletionSource<T>? _completion;
    private int _cancelableWaiters;
    private bool _pinned;
    private bool _done;
    private T _value = default!;
    private ExceptionDispatchInfo? _error;

    /// <summary>A new flight of the key, led by the caller (a reused one when this thread's spare is of this value type).</summary>
    public static Flight<T> Start(string key, int hash, CancellationToken cancellationToken, int holders)
    {
        Flight<T> flight;
        if (t_spare is Flight<T> spare)
        {
            flight = spare;
            t_spare = null;
        }
        else
        {
            flight = new Flight<T>();
        }

        flight.Key = key;
        flight.Hash = hash;
        flight.Holders = holders;
        if (cancellationToken.CanBeCanceled)
        {
            flight._cancelableWaiters = 1;
            flight._cancellation = new CancellationTokenSource();
        }
        else
        {
            flight._pinned = true;
        }

        return flight;
    }

    /// <summary>Clears the landed flight for reuse: its runner and caller are done and nobody else ever held it.</summary>
    public void Recycle()
    {
        ResetFill();
        Key = null!;
        Hash = 0;
        Next = null;
        Shared = false;
        InTable = false;
        Alone = false;
        Holders = 0;
        _blockedWaiters = 0;
        _cancellation = null;
        _completion = null;
        _cancelableWaiters = 0;
        _pinned = false;
        _done = false;
        _value = default!;
        _error = null;
        t_spare = this;
    }

    /// <summary>The token the factory gets: cancelled when every caller waiting on this flight has cancelled.</summary>
    public CancellationToken Token => _cancellation?.Token ?? CancellationToken.None;

    public bool TryJoin(CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            if (_cancellation is { IsCancellationRequested: true })
                return false;
            if (cancellationToken.CanBeCanceled)
            {
                _cancelableWaiters++;
                if (!_pinned)
                    _cancellation ??= new CancellationTokenSource();
            }
            else
            {
                _pinned = true;
            }
        }

        return true;
    }

    public void Complete(T value)
    {
        TaskCompletionSource<T>? completion;
        lock (Gate)
        {
            // Landed already: the HybridCache adapter completes a flight before its last write.
            if (!TryLandLocked(value, out completion))
                return;
        }

        completion?.TrySetResult(value);
    }

    /// <summary>
    /// Lands a fill that writes nothing below L1 under one lock: its L1 store unless the key changed
    /// (<see cref="FillState.StoreIfUnchanged"/>), and its value to the waiters (<see cref="Complete"/>).
    /// </summary>
    public void StoreAndComplete<TState>(T value, TState state, Action<TState> storeLocal)
    {
        TaskCompletionSource<T>? completion;
        lock (Gate)
        {
            StoreIfUnchanged(state, storeLocal);
            if (!TryLandLocked(value, out completion))
                return;
        }

        completion?.TrySetResult(value);
    }

    /// <summary>
    /// The outcome of a flight that landed alone (<see cref="FlightTable.TryClaimAlone"/>): nobody else found it, so its
    /// only reader is its leader's caller, on this thread, after the leader returns. No lock.
    /// </summary>
    public void LandedAlone(T value)
    {
        _value = value;
        _done = true;
        Alone = true;
    }

    /// <summary>
    /// For the leader's caller once the leader has returned on the caller's own stack: its outcome, which that run
    /// set on this thread, read without the lock, and the caller's hold ended (as <see cref="WaitAsync(CancellationToken, bool)"/>
    /// with release). False when the flight has no outcome yet: wait for it.
    /// </summary>
    public bool TryTakeLanded(out ValueTask<T> outcome)
    {
        if (!_done)
        {
            outcome = default;
            return false;
        }

        outcome = _error is null ? new ValueTask<T>(_value) : ValueTask.FromException<T>(_error.SourceException);
        FlightTable.Release(this);
        return true;
    }

    // Under the lock: the value for every waiter (blocked ones woken; the async ones' completion to set after the lock).
    private bool TryLandLocked(T value, out TaskCompletionSource<T>? completion)
    {
        completion = null;
        if (_done)
            return false;
        _value = value;
        _done = true;
        completion = _completion;
        if (_blockedWaiters > 0)
            Monitor.PulseAll(Gate);
        return true;
    }

    public void Fail(Exception error)
    {
        TaskCompletionSource<T>? completion;
        lock (Gate)
        {
            if (_done)
                return;
            _error = ExceptionDispatchInfo.Capture(error);
            _done = true;
            completion = _completion;
            if (_blockedWaiters > 0)
                Monitor.PulseAll(Gate);
        }

        completion?.TrySetException(error);
    }

    /// <summary>Blocks on a monitor (never on a task) until the leader lands.</summary>
    public T BlockUntilLanded()
    {
        lock (Gate)
        {
            _blockedWaiters++;
            while (!_done)
                Monitor.Wait(Gate);
        }

        _error?.Throw();
        return _value;
    }

    public ValueTask<T> WaitAsync(CancellationToken cancellationToken) => WaitAsync(cancellationToken, release: false);

    /// <summary>
    /// Waits for the outcome; with <paramref name="release"/> (the leader's own caller, one of the flight's holders),
    /// an outcome already there ends the caller's hold (<see cref="FlightTable.Release"/>). A caller that has to wait
    /// keeps its hold, so the flight is never reused under it.
    /// </summary>
    public ValueTask<T> WaitAsync(CancellationToken cancellationToken, bool release)
    {
        Task<T> task;
        ValueTask<T> outcome;
        lock (Gate)
        {
            if (_done)
            {
                outcome = _error is null ? new ValueTask<T>(_value) : ValueTask.FromException<T>(_error.SourceException);
                goto Landed;
            }

            task = (_completion ??= new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        return cancellationToken.CanBeCanceled ? new ValueTask<T>(WaitCancelableAsync(task, cancellationToken)) : new ValueTask<T>(task);

    Landed:
        if (release)
            FlightTable.Release(this);
        return outcome;
    }

    private async Task<T> WaitCancelableAsync(Task<T> task, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !task.IsCompleted)
        {
            Leave();
            throw;
        }
    }

    private void Leave()
    {
        bool cancel;
        lock (Gate)
        {
            _cancelableWaiters--;
            cancel = _cancelableWaiters <= 0 && !_pinned && !_done;
        }

        if (cancel)
            _cancellation?.Cancel();
    }
}

using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Cachka.Pipeline;

/// <summary>
/// Stampede protection: at most one factory call per key at a time in this process. Callers of the
/// same key join one <see cref="Flight{T}"/>; the first (the leader) runs the lookup and the factory,
/// the others wait, sync waiters on a monitor and async waiters on a task, and all get the same value
/// or exception. The factory's token is cancelled only when every waiting caller has cancelled.
/// </summary>
internal sealed class FlightTable
{
    private readonly ConcurrentDictionary<string, Flight> _flights = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Joins or starts the key's flight; null when a flight of another value type holds the key (then run unshared).</summary>
    public Flight<T>? Join<T>(string key, CancellationToken cancellationToken, out bool leader)
    {
        while (true)
        {
            if (_flights.TryGetValue(key, out var existing))
            {
                leader = false;
                if (existing is not Flight<T> flight)
                    return null;
                if (flight.TryJoin(cancellationToken))
                    return flight;
                Land(key, existing);
                continue;
            }

            var created = new Flight<T>();
            created.TryJoin(cancellationToken);
            if (_flights.TryAdd(key, created))
            {
                Interlocked.Increment(ref _count);
                leader = true;
                return created;
            }
        }
    }

    public void Land(string key, Flight flight)
    {
        if (_flights.TryRemove(new KeyValuePair<string, Flight>(key, flight)))
            Interlocked.Decrement(ref _count);
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>The key's flight, if one is in progress (for a change of the key: see <see cref="FillGuard"/>). One counter read when none is.</summary>
    public Flight? Find(string key) => Count != 0 && _flights.TryGetValue(key, out var flight) ? flight : null;

    public IEnumerable<Flight> All() => _flights.Values;
}

/// <summary>A flight is also its key's fill: see <see cref="FillState"/>.</summary>
internal abstract class Flight : FillState
{
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
            if (_done)
                return; // landed already (the HybridCache adapter completes a flight before its last write)
            _value = value;
            _done = true;
            completion = _completion;
            if (_blockedWaiters > 0)
                Monitor.PulseAll(Gate);
        }

        completion?.TrySetResult(value);
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

    public ValueTask<T> WaitAsync(CancellationToken cancellationToken)
    {
        Task<T> task;
        lock (Gate)
        {
            if (_done)
            {
                return _error is null ? new ValueTask<T>(_value) : ValueTask.FromException<T>(_error.SourceException);
            }

            task = (_completion ??= new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        return cancellationToken.CanBeCanceled ? new ValueTask<T>(WaitCancelableAsync(task, cancellationToken)) : new ValueTask<T>(task);
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

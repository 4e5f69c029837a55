namespace Cachka.Internal;

/// <summary>
/// Counts the operations in flight on an object that can be closed, so closing can wait for them
/// (Windows' "rundown protection"). An operation enters before it touches anything and exits when it is
/// done; once <see cref="Close"/> has run, no operation enters again, and <see cref="Drained"/> (async) or
/// <see cref="WaitDrained"/> (sync) completes when the last one in flight exits.
/// </summary>
/// <remarks>
/// One integer holds both the count (low bits) and the closed flag (the sign bit), so entering is one
/// interlocked increment that also learns whether the object is closed: either an operation's increment
/// comes first and the close waits for it, or the close comes first and the operation backs out.
/// </remarks>
internal sealed class Rundown
{
    private const int ClosedFlag = int.MinValue;

    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _drainedEvent = new();
    private int _state;

    /// <summary>Whether <see cref="Close"/> has run.</summary>
    public bool IsClosed => Volatile.Read(ref _state) < 0;

    /// <summary>Completes when the object is closed and no operation is in flight.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Enters an operation; false (nothing to exit) once the object is closed.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _state) > 0)
            return true;
        Exit();
        return false;
    }

    /// <summary>Ends an operation that <see cref="TryEnter"/> let in.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _state) == ClosedFlag)
            SignalDrained();
    }

    /// <summary>Refuses every later operation. True for the first caller only (the one that closes the object).</summary>
    public bool Close()
    {
        var before = Interlocked.Or(ref _state, ClosedFlag);
        if (before < 0)
            return false;
        if (before == 0)
            SignalDrained();
        return true;
    }

    /// <summary>Blocks (on an event, never on a task) until the object is closed and no operation is in flight.</summary>
    public void WaitDrained() => _drainedEvent.Wait();

    private void SignalDrained()
    {
        _drainedEvent.Set();
        _drained.TrySetResult();
    }
}

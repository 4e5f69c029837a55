namespace Cachka.Internal;

/// <summary>
/// Counts the operations in flight on an object that can be closed, so closing can wait for them
/// (Windows' "rundown protection"). An operation enters before it touches anything and exits when it is
/// done; once <see cref="Close"/> has run, no operation enters again, and <see cref="Drained"/> (async) or
/// <see cref="WaitDrained"/> (sync) completes when the last one in flight exits.
/// </summary>
/// <remarks>
/// <para>Entering and exiting take no interlocked operation (every miss of a cache pays both): each thread counts in its
/// own cell of a <see cref="StripedCounter"/> with a plain write, then reads the closed flag. A write followed by a read
/// of another location is the one reordering x86 allows (Arm allows more), so the close pays for both sides: after
/// raising the flag it runs a process-wide barrier (<see cref="Interlocked.MemoryBarrierProcessWide"/>: every thread of
/// the process executes a full barrier). After it, every entry that read the flag as open has its count where the
/// close's sum sees it, and every later entry reads the flag as closed and backs out. Only then is the close sealed.</para>
/// <para>An exit that reads the flag as closed runs a full barrier and, once the close is sealed, sums the cells and
/// signals the drain at zero; before the seal, the close's own sum (after it) sees that exit's count. An operation
/// entered on one thread may exit on another (an await between): the cells sum to the operations in flight either way.</para>
/// </remarks>
internal sealed class Rundown
{
    private readonly StripedCounter _active = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _drainedEvent = new();
    private int _closed; // 1 once Close began: no operation enters after it
    private int _sealed; // 1 once Close's process-wide barrier ran: every entry before it is counted where a sum sees it

    /// <summary>Whether <see cref="Close"/> has run.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Completes when the object is closed and no operation is in flight.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Enters an operation; false (nothing to exit) once the object is closed.</summary>
    public bool TryEnter()
    {
        _active.Add(1);
        if (Volatile.Read(ref _closed) == 0)
            return true;
        Exit();
        return false;
    }

    /// <summary>Ends an operation that <see cref="TryEnter"/> let in.</summary>
    public void Exit()
    {
        _active.Add(-1);
        if (Volatile.Read(ref _closed) != 0)
            CheckDrained();
    }

    /// <summary>Refuses every later operation. True for the first caller only (the one that closes the object).</summary>
    public bool Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return false;
        Interlocked.MemoryBarrierProcessWide();
        Interlocked.Exchange(ref _sealed, 1);
        if (_active.Value == 0)
            SignalDrained();
        return true;
    }

    /// <summary>Blocks (on an event, never on a task) until the object is closed and no operation is in flight.</summary>
    public void WaitDrained() => _drainedEvent.Wait();

    // An exit after the close began: its count is visible to every sum that starts after this barrier; a sum that began
    // before it (or the close's, if not sealed yet) is left to whoever sums last.
    private void CheckDrained()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sealed) != 0 && _active.Value == 0)
            SignalDrained();
    }

    private void SignalDrained()
    {
        _drainedEvent.Set();
        _drained.TrySetResult();
    }
}

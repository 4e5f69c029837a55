using Cachka.Layers;

namespace Cachka.Redis;

// MaxConnections: the most commands of this layer in flight at once. Taking a slot is one compare-and-swap. An async
// caller beyond the bound waits in line (first come, first served) at most OperationTimeout; a sync caller does not
// wait. A released slot goes to the first in line; one timer, armed only while someone waits, ends the waits that
// ran out (every wait is as long, so the first in line is always the first to run out).
internal sealed partial class RedisCacheLayer
{
    private readonly Queue<SlotWaiter> _slotLine = new();
    private int _inFlight;
    private int _slotWaiters;
    private bool _threadsReserved;
    private Timer? _slotExpiry;
    private bool _slotExpiryArmed;

    /// <summary>Commands of this layer in flight now (at most <see cref="RedisCacheConfig.MaxConnections"/>).</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Async callers waiting for a slot now.</summary>
    internal int SlotWaiters => Volatile.Read(ref _slotWaiters);

    /// <summary>Takes a slot as a command does, until disposed (for tests: callers beyond the bound then wait in line).</summary>
    internal IDisposable HoldSlot() =>
        TryTakeSlot() ? new HeldSlot(this) : throw new InvalidOperationException("every slot is taken");

    private sealed class HeldSlot(RedisCacheLayer layer) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                layer.ReleaseSlot();
        }
    }

    private Slot Enter()
    {
        if (!_threadsReserved)
            ReserveThreadsForSyncCallers();
        // A sync caller beyond the bound does not wait: it would block one more thread, and the commands holding
        // the slots need pool threads to deliver their replies (StackExchange.Redis 3 reads on the thread pool).
        // It misses this layer at once instead (counted as busy; the breaker does not move).
        if (!TryTakeSlot())
            throw new LayerBusyException($"Redis cache layer '{Name}': {_config.MaxConnections} commands are in flight (RedisCacheConfig.MaxConnections); a sync call does not wait for a slot.");
        return new Slot(this);
    }

    // The sync path blocks its caller's thread for each command in flight, and StackExchange.Redis delivers
    // replies on the thread pool: with too few pool threads, blocked callers would wait for the thread that
    // brings their own reply (a stall of the pool's 0.5 s thread injection per thread). So the first sync call
    // makes the pool keep MaxConnections worker threads beyond one per processor ready. Only then: more ready
    // threads make the pool wake more of them for async bursts, which costs an async-only application throughput.
    private void ReserveThreadsForSyncCallers()
    {
        _threadsReserved = true;
        ThreadPool.GetMinThreads(out var workers, out var io);
        var wanted = Environment.ProcessorCount + _config.MaxConnections;
        if (workers < wanted)
            ThreadPool.SetMinThreads(wanted, io);
    }

    private ValueTask<Slot> EnterAsync(CancellationToken cancellationToken) =>
        TryTakeSlot() ? new(new Slot(this)) : WaitForSlotAsync(cancellationToken);

    // A compare-and-swap, so the count never goes past the bound even for an instant.
    private bool TryTakeSlot()
    {
        var current = Volatile.Read(ref _inFlight);
        while (current < _config.MaxConnections)
        {
            var seen = Interlocked.CompareExchange(ref _inFlight, current + 1, current);
            if (seen == current)
                return true;
            current = seen;
        }

        return false;
    }

    // The release comes before the look at the line, and a waiter joins the count before it looks for a slot: one
    // of the two always sees the other, so a waiter is never left in line beside a free slot.
    private void ReleaseSlot()
    {
        Interlocked.Decrement(ref _inFlight);
        if (Volatile.Read(ref _slotWaiters) > 0)
            HandOverSlot();
    }

    private void HandOverSlot()
    {
        while (true)
        {
            SlotWaiter waiter;
            lock (_slotLine)
            {
                // A caller that did not wait may have taken the slot first: its own release hands one over then.
                if (_slotLine.Count == 0 || !TryTakeSlot())
                    return;
                waiter = _slotLine.Dequeue();
            }

            if (waiter.TrySetResult(true))
                return;
            Interlocked.Decrement(ref _inFlight); // that waiter had given up (cancelled): the next one gets the slot
        }
    }

    private async ValueTask<Slot> WaitForSlotAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _slotWaiters);
        try
        {
            SlotWaiter waiter;
            lock (_slotLine)
            {
                if (TryTakeSlot())
                    return new Slot(this);
                waiter = new SlotWaiter(Environment.TickCount64 + (long)_slotTimeout.TotalMilliseconds);
                _slotLine.Enqueue(waiter);
                ArmSlotExpiry();
            }

            using (cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static (waiter, token) => ((SlotWaiter)waiter!).TrySetCanceled(token), waiter) : default)
                await waiter.Task.ConfigureAwait(false); // a timeout faults it, a cancellation cancels it
            return new Slot(this, waiter);
        }
        finally
        {
            Interlocked.Decrement(ref _slotWaiters);
        }
    }

    // Under the line's lock.
    private void ArmSlotExpiry()
    {
        if (_slotExpiryArmed || _slotLine.Count == 0)
            return;
        _slotExpiryArmed = true;
        var due = Math.Max(0, _slotLine.Peek().Deadline - Environment.TickCount64);
        _slotExpiry ??= new Timer(static layer => ((RedisCacheLayer)layer!).ExpireSlotWaits(), this, Timeout.Infinite, Timeout.Infinite);
        _slotExpiry.Change(due, Timeout.Infinite);
    }

    private void ExpireSlotWaits()
    {
        List<SlotWaiter>? expired = null;
        lock (_slotLine)
        {
            _slotExpiryArmed = false;
            var now = Environment.TickCount64;
            while (_slotLine.TryPeek(out var first) && (first.Task.IsCompleted || first.Deadline <= now))
            {
                _slotLine.Dequeue();
                if (!first.Task.IsCompleted)
                    (expired ??= []).Add(first);
            }

            ArmSlotExpiry();
        }

        if (expired is null)
            return;
        foreach (var waiter in expired)
            waiter.TrySetException(new LayerBusyException($"Redis cache layer '{Name}': {_config.MaxConnections} commands stayed in flight for {_slotTimeout.TotalMilliseconds:0} ms (RedisCacheConfig.MaxConnections, OperationTimeout)."));
    }

    /// <summary>
    /// A slot taken, given back when disposed. Taken after a wait in line, it gives the commands sent under it what is
    /// left of the caller's OperationTimeout (<see cref="Within"/>), so a call beyond the bound still ends within it.
    /// </summary>
    private readonly struct Slot(RedisCacheLayer layer, SlotWaiter? waited = null) : IDisposable
    {
        /// <summary>The command, waited for until the caller's deadline when the slot came after a wait.</summary>
        public Task<TResult> Within<TResult>(Task<TResult> command) => waited is null ? command : waited.WithinDeadline(layer, command);

        /// <inheritdoc cref="Within{TResult}(Task{TResult})"/>
        public Task Within(Task command) => waited is null ? command : waited.WithinDeadline(layer, command);

        public void Dispose()
        {
            if (waited is null || !waited.LeftBehind)
                layer.ReleaseSlot();
        }
    }

    // Continuations run on the thread pool: a slot handed over inside a completing command never runs the next
    // command on that stack (a line of waiters whose commands fail at once would otherwise nest one in another).
    private sealed class SlotWaiter(long deadline) : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long Deadline { get; } = deadline;

        /// <summary>A command outlived the caller's deadline: the slot passes back when that command ends.</summary>
        public bool LeftBehind { get; private set; }

        public async Task<TResult> WithinDeadline<TResult>(RedisCacheLayer layer, Task<TResult> command)
        {
            await WithinDeadline(layer, (Task)command).ConfigureAwait(false);
            return await command.ConfigureAwait(false);
        }

        // The caller goes on at its deadline (a timeout, counted as Redis's own would be); the command keeps its slot
        // until it ends, so the commands in flight never exceed MaxConnections.
        public async Task WithinDeadline(RedisCacheLayer layer, Task command)
        {
            try
            {
                await command.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(0, Deadline - Environment.TickCount64))).ConfigureAwait(false);
            }
            catch (TimeoutException) when (!command.IsCompleted)
            {
                LeftBehind = true;
                _ = command.ContinueWith(static (_, layer) => ((RedisCacheLayer)layer!).ReleaseSlot(), layer, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw new TimeoutException($"Redis cache layer '{layer.Name}': no reply within OperationTimeout ({layer._slotTimeout.TotalMilliseconds:0} ms), part of which went waiting for a slot (RedisCacheConfig.MaxConnections).");
            }
        }
    }
}

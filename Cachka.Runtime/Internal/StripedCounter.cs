using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Cachka.Internal;

/// <summary>
/// A counter for hot paths (an L1 hit counts one). Each of the first threads that count gets a cell of
/// its own in every counter and bumps it with a plain write: exact, because that thread is the cell's only
/// writer, and without the lock prefix an interlocked add pays on every hit. Threads beyond those share
/// padded cells through <see cref="Interlocked"/> and look for a free owned cell again now and then. Reads
/// sum the cells. A dead thread's cell passes to a later thread with its count kept, so the total never
/// loses an increment.
/// </summary>
internal sealed class StripedCounter
{
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct Cell
    {
        [FieldOffset(0)]
        public long Value;
    }

    // [0, OwnedCells): one owner thread each. [OwnedCells, OwnedCells + shared): shared, interlocked.
    private readonly Cell[] _cells;
    private readonly int _sharedMask;

    public StripedCounter()
    {
        var shared = 1;
        while (shared < Environment.ProcessorCount * 2)
            shared <<= 1;
        _cells = new Cell[CellOwner.OwnedCells + shared];
        _sharedMask = shared - 1;
    }

    public void Increment() => Add(1);

    public void Add(long value)
    {
        var owned = CellOwner.Current;
        if ((uint)owned < (uint)CellOwner.OwnedCells)
        {
            ref var cell = ref _cells[owned].Value;
            Volatile.Write(ref cell, cell + value);
        }
        else
        {
            Interlocked.Add(ref _cells[CellOwner.OwnedCells + (Environment.CurrentManagedThreadId & _sharedMask)].Value, value);
        }
    }

    public long Value
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _cells.Length; i++)
                sum += Volatile.Read(ref _cells[i].Value);
            return sum;
        }
    }
}

/// <summary>
/// Which owned cell (same index in every <see cref="StripedCounter"/>, and stripe of every duration histogram) the
/// current thread writes, or -1 for the shared cells.
/// </summary>
internal static class CellOwner
{
    // A thread that found no free cell counts this many times on the shared cells before it looks again.
    private const int RetryAfter = 4096;

    public static readonly int OwnedCells = Math.Clamp(Environment.ProcessorCount * 4, 16, 256);

    private static readonly ConcurrentStack<int> s_released = new();
    private static int s_next = -1;

    // The owned cell + 1; 0 until the thread first counts (or when it should look for a free cell
    // again); negative while it uses the shared cells, counting up to the next look.
    [ThreadStatic]
    private static int t_cell;

    // Unreachable once the thread has ended: its finalizer hands the cell to the next new thread.
    [ThreadStatic]
    private static Lease? t_lease;

    public static int Current
    {
        get
        {
            var cell = t_cell;
            if (cell > 0)
                return cell - 1;
            if (cell == 0)
                return Assign();
            t_cell = cell + 1;
            return -1;
        }
    }

    private static int Assign()
    {
        if (!s_released.TryPop(out var cell)
            && (Volatile.Read(ref s_next) >= OwnedCells - 1 || (cell = Interlocked.Increment(ref s_next)) >= OwnedCells))
        {
            // Every owned cell belongs to a live thread (or to one whose end the GC has not noticed yet).
            t_cell = -RetryAfter;
            return -1;
        }

        t_lease = new Lease(cell);
        t_cell = cell + 1;
        return cell;
    }

    private sealed class Lease(int cell)
    {
        ~Lease() => s_released.Push(cell);
    }
}

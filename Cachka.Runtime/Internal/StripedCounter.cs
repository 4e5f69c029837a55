using System.Runtime.InteropServices;

namespace Cachka.Internal;

/// <summary>
/// A counter for hot paths: increments land in one of several padded cells picked by thread id, so
/// threads on different cores do not fight over one cache line. Reads sum the cells.
/// </summary>
internal sealed class StripedCounter
{
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct Cell
    {
        [FieldOffset(0)]
        public long Value;
    }

    private readonly Cell[] _cells;
    private readonly int _mask;

    public StripedCounter()
    {
        var size = 1;
        while (size < Environment.ProcessorCount * 2)
            size <<= 1;
        _cells = new Cell[size];
        _mask = size - 1;
    }

    public void Increment() => Interlocked.Increment(ref _cells[Environment.CurrentManagedThreadId & _mask].Value);

    public void Add(long value) => Interlocked.Add(ref _cells[Environment.CurrentManagedThreadId & _mask].Value, value);

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

using System.Runtime.CompilerServices;

namespace Cachka.Internal;

/// <summary>
/// Spin locks for critical sections that are short and never wait on anything (a chain walk and link, an LRU list's
/// update). Entering costs one compare-exchange and leaving one write, where a <see cref="Lock"/> also fetches the
/// thread's id and keeps an owner, and a monitor also goes through the object's header; a caller that finds the gate
/// taken spins, then yields (<see cref="SpinWait"/>). Not reentrant: code under a gate never enters it again.
/// </summary>
internal static class SpinGate
{
    /// <summary>Takes the gate (an int that is 0 when free) until the scope is disposed (<c>using (SpinGate.Enter(ref gate)) { ... }</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scope Enter(ref int gate)
    {
        if (Interlocked.CompareExchange(ref gate, 1, 0) != 0)
            EnterContended(ref gate);
        return new Scope(ref gate);
    }

    /// <summary>Takes the gate; the caller releases it with <see cref="Exit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Take(ref int gate)
    {
        if (Interlocked.CompareExchange(ref gate, 1, 0) != 0)
            EnterContended(ref gate);
    }

    /// <summary>Releases a gate taken with <see cref="Take"/>.</summary>
    public static void Exit(ref int gate) => Volatile.Write(ref gate, 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EnterContended(ref int gate)
    {
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce();
        }
        while (Volatile.Read(ref gate) != 0 || Interlocked.CompareExchange(ref gate, 1, 0) != 0);
    }

    /// <summary>A taken gate; disposing it releases the gate.</summary>
    public readonly ref struct Scope
    {
        private readonly ref int _gate;

        internal Scope(ref int gate) => _gate = ref gate;

        public void Dispose() => Volatile.Write(ref _gate, 0);
    }
}

/// <summary>Striped <see cref="SpinGate"/>s, one per cache line (two cores holding neighbouring gates share no line).</summary>
internal sealed class BucketGates(int count)
{
    private const int Stride = 64 / sizeof(int);

    private readonly int[] _gates = new int[count * Stride];

    /// <summary>Takes gate <paramref name="index"/> until the scope is disposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SpinGate.Scope Enter(int index) => SpinGate.Enter(ref Gate(index));

    /// <summary>Gate <paramref name="index"/> itself, for a section that does not end in the method that begins it (<see cref="SpinGate.Take"/>, <see cref="SpinGate.Exit"/>).</summary>
    public ref int Gate(int index) => ref _gates[index * Stride];
}

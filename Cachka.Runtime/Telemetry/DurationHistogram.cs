using System.Diagnostics;

namespace Cachka.Telemetry;

/// <summary>What a duration is measured for (the <c>operation</c> label of <c>cache_operation_duration_seconds</c>).</summary>
internal enum CacheOperation
{
    Get,
    Set,
    Delete,
    InvalidateTag,
    Factory,
}

/// <summary>
/// Durations of one operation of one cache, in fixed buckets (the ones advertised to OpenTelemetry too), kept
/// always so <c>GetMetricsText()</c> can render them. Lock-free and cheap: each of the first threads that record owns a
/// stripe (its <see cref="CellOwner"/> cell) and bumps its bucket and the sum with plain writes, exact because it is the
/// stripe's only writer; threads beyond those share stripes through interlocked adds (threads recording into one line at
/// once would otherwise take turns owning it: with 64 remote reads in flight on two cores that was ~2% of a read). Both
/// are in <see cref="Stopwatch"/> ticks. Reads sum the stripes.
/// </summary>
internal sealed class DurationHistogram
{
    /// <summary>Upper bounds in seconds: 100 µs to 10 s (a memory fill is below the first, a remote call in the middle).</summary>
    public static readonly double[] Bounds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly long[] s_tickBounds = Array.ConvertAll(Bounds, bound => (long)(bound * Stopwatch.Frequency));

    // A stripe: the buckets (the last is +Inf), then the sum, padded to whole cache lines and apart from the array's header.
    private const int SumCell = 17;
    private const int StripeLength = 24;
    private const int Padding = 8;

    private static readonly int s_stripeMask = StripeMaskFor(Environment.ProcessorCount);

    // The owned stripes (one per CellOwner cell), then the shared ones.
    private readonly long[] _cells = new long[Padding + (CellOwner.OwnedCells + s_stripeMask + 1) * StripeLength];

    private static int StripeMaskFor(int processors)
    {
        var stripes = 1;
        while (stripes < processors * 2)
            stripes <<= 1;
        return stripes - 1;
    }

    public void Record(long ticks)
    {
        var i = 0;
        while (i < s_tickBounds.Length && ticks > s_tickBounds[i])
            i++;
        var owned = CellOwner.Current;
        if ((uint)owned < (uint)CellOwner.OwnedCells)
        {
            var own = Padding + owned * StripeLength;
            ref var count = ref _cells[own + i];
            Volatile.Write(ref count, count + 1);
            ref var sum = ref _cells[own + SumCell];
            Volatile.Write(ref sum, sum + ticks);
            return;
        }

        var stripe = Padding + (CellOwner.OwnedCells + (Environment.CurrentManagedThreadId & s_stripeMask)) * StripeLength;
        Interlocked.Increment(ref _cells[stripe + i]);
        Interlocked.Add(ref _cells[stripe + SumCell], ticks);
    }

    public long Count
    {
        get
        {
            long count = 0;
            for (var bucket = 0; bucket <= Bounds.Length; bucket++)
                count += Bucket(bucket);
            return count;
        }
    }

    /// <summary>Cumulative counts per bound (the last is +Inf), and the sum of every duration in seconds.</summary>
    public (long[] Cumulative, double Sum) Read()
    {
        var cumulative = new long[Bounds.Length + 1];
        long running = 0;
        for (var bucket = 0; bucket < cumulative.Length; bucket++)
            cumulative[bucket] = running += Bucket(bucket);
        return (cumulative, (double)Bucket(SumCell) / Stopwatch.Frequency);
    }

    // One cell summed over the stripes.
    private long Bucket(int cell)
    {
        long total = 0;
        for (var stripe = Padding; stripe < _cells.Length; stripe += StripeLength)
            total += Volatile.Read(ref _cells[stripe + cell]);
        return total;
    }
}

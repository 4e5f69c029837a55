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
/// always so <c>GetMetricsText()</c> can render them. Lock-free: one interlocked increment per bucket and count,
/// and a compare-exchange loop for the sum.
/// </summary>
internal sealed class DurationHistogram
{
    /// <summary>Upper bounds in seconds: 100 µs to 10 s (a memory fill is below the first, a remote call in the middle).</summary>
    public static readonly double[] Bounds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] _buckets = new long[Bounds.Length + 1];
    private long _count;
    private long _sumBits;

    public void Record(double seconds)
    {
        var i = 0;
        while (i < Bounds.Length && seconds > Bounds[i])
            i++;
        Interlocked.Increment(ref _buckets[i]);
        Interlocked.Increment(ref _count);
        long seen, next;
        do
        {
            seen = Volatile.Read(ref _sumBits);
            next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + seconds);
        }
        while (Interlocked.CompareExchange(ref _sumBits, next, seen) != seen);
    }

    public long Count => Volatile.Read(ref _count);

    /// <summary>Cumulative counts per bound (the last is +Inf), and the sum of every duration.</summary>
    public (long[] Cumulative, double Sum) Read()
    {
        var cumulative = new long[_buckets.Length];
        long running = 0;
        for (var i = 0; i < _buckets.Length; i++)
            cumulative[i] = running += Volatile.Read(ref _buckets[i]);
        return (cumulative, BitConverter.Int64BitsToDouble(Volatile.Read(ref _sumBits)));
    }

    public static double Since(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
}

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
/// always so <c>GetMetricsText()</c> can render them. Lock-free and cheap: a duration costs one interlocked
/// increment of its bucket and one interlocked add to the sum, both in <see cref="Stopwatch"/> ticks.
/// </summary>
internal sealed class DurationHistogram
{
    /// <summary>Upper bounds in seconds: 100 µs to 10 s (a memory fill is below the first, a remote call in the middle).</summary>
    public static readonly double[] Bounds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly long[] s_tickBounds = Array.ConvertAll(Bounds, bound => (long)(bound * Stopwatch.Frequency));

    private readonly long[] _buckets = new long[Bounds.Length + 1];
    private long _sumTicks;

    public void Record(long ticks)
    {
        var i = 0;
        while (i < s_tickBounds.Length && ticks > s_tickBounds[i])
            i++;
        Interlocked.Increment(ref _buckets[i]);
        Interlocked.Add(ref _sumTicks, ticks);
    }

    public long Count
    {
        get
        {
            long count = 0;
            for (var i = 0; i < _buckets.Length; i++)
                count += Volatile.Read(ref _buckets[i]);
            return count;
        }
    }

    /// <summary>Cumulative counts per bound (the last is +Inf), and the sum of every duration in seconds.</summary>
    public (long[] Cumulative, double Sum) Read()
    {
        var cumulative = new long[_buckets.Length];
        long running = 0;
        for (var i = 0; i < _buckets.Length; i++)
            cumulative[i] = running += Volatile.Read(ref _buckets[i]);
        return (cumulative, (double)Volatile.Read(ref _sumTicks) / Stopwatch.Frequency);
    }
}

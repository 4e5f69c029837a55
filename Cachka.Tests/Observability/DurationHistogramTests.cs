using System.Diagnostics;
using Cachka.Telemetry;

namespace Cachka.Tests.Observability;

/// <summary>The duration histogram keeps a stripe per thread: no recording is lost when many threads record at once.</summary>
public class DurationHistogramTests
{
    [Test]
    public async Task Every_duration_recorded_by_many_threads_at_once_is_counted_in_its_bucket_and_the_sum()
    {
        var histogram = new DurationHistogram();
        const int threads = 16;
        const int perThread = 20_000;
        var fast = (long)(0.00005 * Stopwatch.Frequency); // below the first bound (100 µs)
        var slow = (long)(0.003 * Stopwatch.Frequency);   // between 2.5 ms and 5 ms
        using var start = new Barrier(threads);
        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < perThread; i++)
                histogram.Record(t % 2 == 0 ? fast : slow);
        }, TaskCreationOptions.LongRunning)));

        var (cumulative, sum) = histogram.Read();
        Assert.That(histogram.Count, Is.EqualTo(threads * perThread));
        Assert.That(cumulative[0], Is.EqualTo(threads / 2 * perThread), "the fast half is in the first bucket");
        Assert.That(cumulative[Array.IndexOf(DurationHistogram.Bounds, 0.0025)], Is.EqualTo(threads / 2 * perThread), "nothing between");
        Assert.That(cumulative[Array.IndexOf(DurationHistogram.Bounds, 0.005)], Is.EqualTo(threads * perThread));
        Assert.That(cumulative[^1], Is.EqualTo(threads * perThread));
        var expected = (double)(threads / 2 * perThread) * (fast + slow) / Stopwatch.Frequency;
        Assert.That(sum, Is.EqualTo(expected).Within(1e-9 * expected));
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Cachka.Benchmarks.Generator;

/// <summary>
/// The runs of <see cref="GeneratorRunBenchmarks"/> in a plain loop, each on a fresh compilation set up as the suite sets
/// it up: for a profiler attached to one case, or to count what one run allocates and how many gen0 collections it
/// brings (exact, where the suite's short job carries a wide error on this machine).
/// </summary>
internal static class GeneratorLoop
{
    /// <summary>
    /// <paramref name="runs"/> runs of <paramref name="mode"/>: <c>full</c>, <c>rerun</c>, <c>floor</c>, or
    /// <c>allocations</c> (each of the three in turn, with time, bytes and gen0 collections per run), or <c>steps</c> (what a
    /// re-run after an unrelated edit runs again: each tracked step's outputs counted by run reason).
    /// </summary>
    public static void Run(int runs, string mode, TextWriter output)
    {
        var suite = new GeneratorRunBenchmarks();
        suite.Setup();
        if (mode == "steps")
        {
            foreach (var (step, reason, count) in suite.RerunSteps())
                output.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-28} {1,-10} {2,6}", step, reason, count));
            return;
        }

        if (mode == "allocations")
        {
            foreach (var each in new[] { "full", "rerun", "floor" })
                Report(each, Measure(suite, each, runs), output);
            return;
        }

        Report(mode, Measure(suite, mode, runs), output);
    }

    private static (double Milliseconds, double MinMilliseconds, long Bytes, double Gen0) Measure(GeneratorRunBenchmarks suite, string mode, int runs)
    {
        var total = TimeSpan.Zero;
        var min = TimeSpan.MaxValue;
        long bytes = 0;
        var collections = 0;
        for (var i = 0; i < runs; i++)
        {
            if (mode == "full")
                suite.FreshCompilation();
            else
                suite.UnrelatedEdit();
            var gen0 = GC.CollectionCount(0);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            _ = mode switch
            {
                "full" => suite.FullRun(),
                "rerun" => suite.RerunAfterUnrelatedEdit(),
                "floor" => suite.EmptyTransformRerun(),
                _ => throw new ArgumentException("full, rerun, floor or allocations", nameof(mode)),
            };
            watch.Stop();
            bytes += GC.GetAllocatedBytesForCurrentThread() - before;
            collections += GC.CollectionCount(0) - gen0;
            total += watch.Elapsed;
            if (watch.Elapsed < min)
                min = watch.Elapsed;
        }

        return (total.TotalMilliseconds / runs, min.TotalMilliseconds, bytes / runs, (double)collections / runs);
    }

    private static void Report(string mode, (double Milliseconds, double MinMilliseconds, long Bytes, double Gen0) result, TextWriter output) =>
        output.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-6} mean {1,8:F3} ms  min {2,8:F3} ms  {3,12:N0} B/run  {4:F2} gen0/run",
            mode, result.Milliseconds, result.MinMilliseconds, result.Bytes, result.Gen0));
}

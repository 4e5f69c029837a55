using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using Cachka.Benchmarks.L1;

namespace Cachka.Benchmarks.Shared;

/// <summary>
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- interleaved L1HitBenchmarks</c> (or any suite
/// class): the suite's cases run round-robin in one process, a short timed batch of each per round, so
/// every case sees the same machine load; on a shared, noisy machine the load shifts BenchmarkDotNet's
/// one-case-at-a-time results by more than the differences being measured. Reports the fastest and the
/// median batch per case, the ratios of the fastest batches to the floors (when the suite has them), and
/// bytes allocated per call on the calling thread. On Linux it also reports the calling thread's CPU time per call
/// (median batch, and its ratio to the baseline's): time the thread spent descheduled while other processes ran is
/// not in it, so on a busy machine it moves far less than the batch's elapsed time (a case that runs on other
/// threads, or waits, is not measured by it).
/// </summary>
internal static class Interleaved
{
    private const int Rounds = 40;
    private const int WarmupRounds = 5;
    private const int CallsPerBatch = 100_000;

    public static void Run(string suiteName, TextWriter output)
    {
        var suiteType = typeof(Interleaved).Assembly.GetTypes().SingleOrDefault(t => t.Name == suiteName)
            ?? throw new ArgumentException($"No benchmark class named {suiteName}.", nameof(suiteName));
        var suite = Activator.CreateInstance(suiteType)!;
        Invoke<GlobalSetupAttribute>(suite);
        try
        {
            var cases = suiteType.GetMethods()
                .Select(m => (Method: m, Info: m.GetCustomAttribute<BenchmarkAttribute>()))
                .Where(c => c.Info is not null)
                .Select(c => new Case(Describe(c.Method, c.Info!), c.Method.Name, Batch(suite, c.Method), c.Info!.OperationsPerInvoke) { IsBaseline = c.Info!.Baseline })
                .ToList();

            for (var round = 0; round < Rounds; round++)
            {
                foreach (var c in cases)
                {
                    var allocated = GC.GetAllocatedBytesForCurrentThread();
                    var cpu = ThreadCpu.Nanoseconds();
                    var started = Stopwatch.GetTimestamp();
                    c.Run(c.Calls);
                    var nanoseconds = Stopwatch.GetElapsedTime(started).TotalNanoseconds / c.Operations;
                    var cpuNanoseconds = (ThreadCpu.Nanoseconds() - cpu) / c.Operations;
                    if (round >= WarmupRounds)
                    {
                        c.Times.Add(nanoseconds);
                        c.CpuTimes.Add(cpuNanoseconds);
                        c.Bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)c.Operations;
                    }
                }
            }

            var intFloor = cases.SingleOrDefault(c => c.Name == nameof(L1HitBenchmarks.Floor_IntDictionary))?.Fastest;
            var stringFloor = cases.SingleOrDefault(c => c.Name == nameof(L1HitBenchmarks.Floor_StringDictionary_KeyPerCall))?.Fastest;
            var baselines = cases.Where(c => c.IsBaseline).ToList();
            var baseline = baselines.Count == 1 ? baselines[0] : null; // suites with a baseline per category report none
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{suiteName}: {Rounds - WarmupRounds} interleaved rounds of {CallsPerBatch:N0} calls per case (one call for a case that runs many operations per call; times are per operation); ratios are of the fastest batches. Allocated counts this thread only."));
            output.WriteLine();
            output.WriteLine("| Case | Fastest | Median | vs string-key floor | vs int floor | vs baseline | Allocated | Thread CPU (median) | CPU vs baseline |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var c in cases)
            {
                var cpu = ThreadCpu.Available ? string.Create(CultureInfo.InvariantCulture, $"{Median(c.CpuTimes):0.0} ns") : "-";
                var cpuRatio = ThreadCpu.Available ? Ratio(Median(c.CpuTimes), baseline is null ? null : Median(baseline.CpuTimes), "0.00") : "-";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Description} | {c.Fastest:0.0} ns | {c.Median:0.0} ns | {Ratio(c.Fastest, stringFloor, "0.00")} | {Ratio(c.Fastest, intFloor, "0.0")} | {Ratio(c.Fastest, baseline?.Fastest, "0.00")} | {Math.Round(c.Bytes):0} B | {cpu} | {cpuRatio} |"));
            }
        }
        finally
        {
            Invoke<GlobalCleanupAttribute>(suite);
        }
    }

    private static string Describe(MethodInfo method, BenchmarkAttribute info)
    {
        var name = info.Description ?? method.Name;
        var category = method.GetCustomAttribute<BenchmarkCategoryAttribute>()?.Categories.FirstOrDefault();
        return category is null ? name : $"{name} ({category})";
    }

    private static string Ratio(double value, double? floor, string format) =>
        floor is { } f ? (value / f).ToString(format, CultureInfo.InvariantCulture) + "x" : "-";

    /// <summary>One case of a suite alone for <paramref name="seconds"/> (for a profiler): calls per second and bytes per call.</summary>
    public static void Loop(string suiteName, string caseName, double seconds, TextWriter output)
    {
        var suiteType = typeof(Interleaved).Assembly.GetTypes().SingleOrDefault(t => t.Name == suiteName)
            ?? throw new ArgumentException($"No benchmark class named {suiteName}.", nameof(suiteName));
        var suite = Activator.CreateInstance(suiteType)!;
        Invoke<GlobalSetupAttribute>(suite);
        try
        {
            var run = Batch(suite, suiteType.GetMethod(caseName) ?? throw new ArgumentException($"{suiteName} has no case {caseName}.", nameof(caseName)));
            // Half a second unmeasured first: the tiered JIT's background compilation settles (a case's first calls run
            // unoptimized code for about 100 ms after the last new method).
            var warm = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
            while (Stopwatch.GetTimestamp() < warm)
                run(10_000);
            var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            long calls = 0;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var paused = GC.GetTotalPauseDuration();
            int[] collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
            var cpu = ThreadCpu.Nanoseconds();
            var started = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() < until)
            {
                run(10_000);
                calls += 10_000;
            }

            var elapsed = Stopwatch.GetElapsedTime(started).TotalNanoseconds;
            var cpuNs = ThreadCpu.Nanoseconds() - cpu;
            var pausedNs = (GC.GetTotalPauseDuration() - paused).TotalNanoseconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{caseName}: {elapsed / calls:0.0} ns per call, thread CPU {(ThreadCpu.Available ? (cpuNs / calls).ToString("0.0", CultureInfo.InvariantCulture) : "-")} ns per call, {(GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)calls:0} B per call ({calls} calls); GC pauses {pausedNs / calls:0.0} ns per call, collections gen0/1/2 {GC.CollectionCount(0) - collections[0]}/{GC.CollectionCount(1) - collections[1]}/{GC.CollectionCount(2) - collections[2]}"));
        }
        finally
        {
            Invoke<GlobalCleanupAttribute>(suite);
        }
    }

    private static void Invoke<TAttribute>(object suite)
        where TAttribute : Attribute
    {
        foreach (var method in suite.GetType().GetMethods().Where(m => m.GetCustomAttribute<TAttribute>() is not null))
            method.Invoke(suite, null);
    }

    // A typed loop per return type, so no case pays for boxing or a generic await.
    private static Action<int> Batch(object suite, MethodInfo method)
    {
        var type = method.ReturnType;
        if (type == typeof(void))
        {
            var action = method.CreateDelegate<Action>(suite);
            return calls =>
            {
                for (var i = 0; i < calls; i++)
                    action();
            };
        }

        if (type == typeof(long))
            return Loop(method.CreateDelegate<Func<long>>(suite), static v => (int)v);
        if (type == typeof(int))
            return Loop(method.CreateDelegate<Func<int>>(suite), static v => v);
        if (type == typeof(object))
            return Loop(method.CreateDelegate<Func<object?>>(suite), static v => v is null ? 0 : 1);
        if (type == typeof(User))
            return Loop(method.CreateDelegate<Func<User>>(suite), static u => u.Id);
        if (type == typeof(ValueTask<User>))
            return Loop(method.CreateDelegate<Func<ValueTask<User>>>(suite), static t => t.Result.Id);
        if (type == typeof(Task<User>))
            return Loop(method.CreateDelegate<Func<Task<User>>>(suite), static t => t.Result.Id);
        if (type == typeof(Task<User?>))
            return Loop(method.CreateDelegate<Func<Task<User?>>>(suite), static t => t.Result!.Id);
        if (type == typeof(ValueTask<MutableUser>))
            return Loop(method.CreateDelegate<Func<ValueTask<MutableUser>>>(suite), static t => t.Result.Id);
        if (type == typeof(ValueTask<ImmutableUser>))
            return Loop(method.CreateDelegate<Func<ValueTask<ImmutableUser>>>(suite), static t => t.Result.Id);
        throw new NotSupportedException($"{method.Name} returns {type}: add a loop for it.");
    }

    private static Action<int> Loop<TResult>(Func<TResult> call, Func<TResult, int> use) => calls =>
    {
        var sink = 0;
        for (var i = 0; i < calls; i++)
            sink += use(call());
        GC.KeepAlive(sink);
    };

    private sealed class Case(string description, string name, Action<int> run, int operationsPerInvoke)
    {
        // A case that runs many operations per call (a multi-threaded batch) is called once per batch.
        public int Calls { get; } = operationsPerInvoke > 1 ? 1 : CallsPerBatch;

        public double Operations => operationsPerInvoke > 1 ? operationsPerInvoke : CallsPerBatch;

        public string Description { get; } = description;

        public string Name { get; } = name;

        public bool IsBaseline { get; init; }

        public Action<int> Run { get; } = run;

        public List<double> Times { get; } = [];

        public double Bytes { get; set; }

        public List<double> CpuTimes { get; } = [];

        public double Fastest => Times.Min();

        public double Median => Interleaved.Median(Times);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The calling thread's CPU time (Linux: <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, nanosecond resolution).</summary>
    private static class ThreadCpu
    {
        private const int ClockThreadCpuTime = 3;

        public static bool Available { get; } = OperatingSystem.IsLinux();

        public static double Nanoseconds()
        {
            if (!Available || clock_gettime(ClockThreadCpuTime, out var time) != 0)
                return 0;
            return time.Seconds * 1e9 + time.Nanoseconds;
        }

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
        private static extern int clock_gettime(int clock, out Timespec time);

        private struct Timespec
        {
            public long Seconds;
            public long Nanoseconds;
        }
    }
}

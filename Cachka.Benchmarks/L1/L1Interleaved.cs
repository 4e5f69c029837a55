using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using Cachka.Benchmarks.Shared;

namespace Cachka.Benchmarks.L1;

/// <summary>
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- l1-interleaved</c>: the <see cref="L1HitBenchmarks"/>
/// cases run round-robin in one process (a short timed batch of each, many rounds), so every case sees
/// the same machine load; a shared, noisy machine shifts BenchmarkDotNet's one-case-at-a-time results
/// by more than the differences being measured. Reports the fastest and the median batch per case, the
/// ratio of the medians to the floors, and bytes allocated per call.
/// </summary>
internal static class L1Interleaved
{
    private const int Rounds = 40;
    private const int WarmupRounds = 5;
    private const int CallsPerBatch = 100_000;

    public static void Run(TextWriter output)
    {
        var suite = new L1HitBenchmarks();
        suite.Setup();
        try
        {
            var cases = typeof(L1HitBenchmarks).GetMethods()
                .Select(m => (Method: m, Info: m.GetCustomAttribute<BenchmarkAttribute>()))
                .Where(c => c.Info is not null)
                .Select(c => new Case(c.Info!.Description ?? c.Method.Name, c.Method.Name, Batch(suite, c.Method)))
                .ToList();

            for (var round = 0; round < Rounds; round++)
            {
                foreach (var c in cases)
                {
                    var allocated = GC.GetAllocatedBytesForCurrentThread();
                    var started = Stopwatch.GetTimestamp();
                    c.Run(CallsPerBatch);
                    var nanoseconds = Stopwatch.GetElapsedTime(started).TotalNanoseconds / CallsPerBatch;
                    if (round >= WarmupRounds)
                    {
                        c.Times.Add(nanoseconds);
                        c.Bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)CallsPerBatch;
                    }
                }
            }

            var intFloor = cases.Single(c => c.Name == nameof(L1HitBenchmarks.Floor_IntDictionary)).Median;
            var stringFloor = cases.Single(c => c.Name == nameof(L1HitBenchmarks.Floor_StringDictionary_KeyPerCall)).Median;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Rounds - WarmupRounds} interleaved rounds of {CallsPerBatch:N0} calls per case; ratios are of medians."));
            output.WriteLine();
            output.WriteLine("| Case | Fastest | Median | vs string-key floor | vs int floor | Allocated |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|");
            foreach (var c in cases)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Description} | {c.Fastest:0.0} ns | {c.Median:0.0} ns | {c.Median / stringFloor:0.00}x | {c.Median / intFloor:0.0}x | {Math.Round(c.Bytes):0} B |"));
            }
        }
        finally
        {
            suite.Cleanup();
        }
    }

    // A typed loop per return type, so no case pays for boxing or a generic await.
    private static Action<int> Batch(L1HitBenchmarks suite, MethodInfo method)
    {
        var type = method.ReturnType;
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

    private sealed class Case(string description, string name, Action<int> run)
    {
        public string Description { get; } = description;

        public string Name { get; } = name;

        public Action<int> Run { get; } = run;

        public List<double> Times { get; } = [];

        public double Bytes { get; set; }

        public double Fastest => Times.Min();

        public double Median
        {
            get
            {
                var sorted = Times.Order().ToList();
                return sorted[sorted.Count / 2];
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Cachka.Benchmarks.Sqlite;

/// <summary>
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- sqlite-interleaved</c>: the L2 get and set cases run
/// round-robin in one process (a timed batch of each, many rounds), so every case sees the same machine load;
/// on a shared machine BenchmarkDotNet's one-case-at-a-time runs drift by more than the differences measured.
/// Reports the median batch per case as time per call, calls per second and the throughput ratio to the raw
/// prepared statement.
/// </summary>
internal static class SqliteInterleaved
{
    private const int Rounds = 25;
    private const int WarmupRounds = 3;

    public static async Task RunAsync(TextWriter output)
    {
        var gets = new SqliteL2GetBenchmarks();
        var sets = new SqliteL2SetBenchmarks();
        gets.Setup();
        sets.Setup();
        try
        {
            var getCases = new Case[]
            {
                new("Raw prepared SELECT (byte[])", () => gets.RawSelect()),
                new("Raw prepared SELECT + JSON deserialize", () => gets.RawSelectJson()),
                new("SqliteCacheLayer.Get alone (JSON)", () => gets.LayerGet()),
                new("Cachka L2 Get (JSON)", () => gets.CachkaGet()),
                new("Cachka L2 GetAsync (JSON)", null, async () => await gets.CachkaGetAsync()),
                new("Cachka L2 Get (JSON, AES-GCM)", () => gets.CachkaGetEncrypted()),
            };
            var setCases = new Case[]
            {
                new("Raw prepared INSERT OR REPLACE (autocommit)", () => sets.RawUpsert()),
                new("Cachka L2 Set (JSON)", () => { sets.CachkaSet(); return null; }),
                new("Cachka L2 SetAsync (JSON)", null, async () => { await sets.CachkaSetAsync(); return null; }),
                new("Cachka L2 Set (JSON, AES-GCM)", () => { sets.CachkaSetEncrypted(); return null; }),
            };

            await MeasureAsync(getCases, callsPerBatch: 2_000);
            await MeasureAsync(setCases, callsPerBatch: 100);

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Rounds - WarmupRounds} interleaved rounds per case (2,000 gets or 100 sets per batch); medians; ratio = throughput / raw throughput."));
            output.WriteLine();
            output.WriteLine("| Case | Median per call | Calls/s | Throughput vs raw |");
            output.WriteLine("|---|---:|---:|---:|");
            Report(output, getCases);
            Report(output, setCases);
        }
        finally
        {
            gets.Cleanup();
            sets.Cleanup();
        }
    }

    private static async Task MeasureAsync(Case[] cases, int callsPerBatch)
    {
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var c in cases)
            {
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < callsPerBatch; i++)
                {
                    if (c.Sync is not null)
                        GC.KeepAlive(c.Sync());
                    else
                        GC.KeepAlive(await c.Async!());
                }

                if (round >= WarmupRounds)
                    c.Times.Add(Stopwatch.GetElapsedTime(started).TotalNanoseconds / callsPerBatch);
            }
        }
    }

    private static void Report(TextWriter output, Case[] cases)
    {
        var raw = cases[0].Median;
        foreach (var c in cases)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c.Description} | {c.Median / 1000:0.00} µs | {1e9 / c.Median:N0} | {raw / c.Median:0.00}x |"));
        }
    }

    private sealed class Case(string description, Func<object?>? sync, Func<Task<object?>>? async = null)
    {
        public string Description { get; } = description;

        public Func<object?>? Sync { get; } = sync;

        public Func<Task<object?>>? Async { get; } = async;

        public List<double> Times { get; } = [];

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

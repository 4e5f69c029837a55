using System.Diagnostics;
using System.Globalization;

namespace Cachka.Benchmarks.Redis;

/// <summary>
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- redis-interleaved</c>: the get and set cases of
/// <see cref="RedisLayerBenchmarks"/> (sequential sync, sequential async, 64 concurrent callers) round-robin in one
/// process against one redis-server (a timed batch of each, many rounds), so raw StackExchange.Redis and Cachka see
/// the same machine load. Reports the median batch per case and the throughput ratio to raw. <c>-- redis-loop &lt;case&gt; &lt;seconds&gt;</c> runs one case alone for a
/// profiler (cases: raw-get, get, raw-set, set; get50 and set50 with MaxConnections 50; raw-get-sync, get-sync,
/// raw-get-async, get-async and the same for set, one call at a time).
/// </summary>
internal static class RedisInterleaved
{
    private const int Rounds = 25;
    private const int WarmupRounds = 3;
    private const int BurstsPerRound = 150;
    private const int SequentialPerRound = 200;

    public static async Task RunAsync(TextWriter output)
    {
        var (wide, narrow, cases) = await StartAsync();
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var c in cases)
                {
                    var runs = c.CallsPerRun == 1 ? SequentialPerRound : BurstsPerRound;
                    var started = Stopwatch.GetTimestamp();
                    for (var i = 0; i < runs; i++)
                        await c.Run();
                    if (round >= WarmupRounds)
                        c.Times.Add(Stopwatch.GetElapsedTime(started).TotalNanoseconds / (runs * c.CallsPerRun));
                }
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Rounds - WarmupRounds} interleaved rounds per case ({SequentialPerRound} sequential calls or {BurstsPerRound} bursts of 64 concurrent callers per round); medians; ratio = throughput / raw throughput."));
            output.WriteLine();
            output.WriteLine("| Case | Median per call | Throughput vs raw |");
            output.WriteLine("|---|---:|---:|");
            foreach (var c in cases)
            {
                var raw = cases.First(r => r.Operation == c.Operation).Median;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {c.Description} | {c.Median / 1000:0.00} µs | {raw / c.Median:0.00}x |"));
            }
        }
        finally
        {
            wide.Cleanup();
            narrow.Cleanup();
        }
    }

    public static async Task LoopAsync(string name, double seconds, TextWriter output)
    {
        var (wide, narrow, cases) = await StartAsync();
        try
        {
            var c = cases.Single(c => c.Name == name);
            var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            long calls = 0;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var collections = GC.CollectionCount(0);
            var started = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() < until)
            {
                await c.Run();
                calls += c.CallsPerRun;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {Stopwatch.GetElapsedTime(started).TotalNanoseconds / calls:0} ns per call, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)calls:0} B allocated per call, {GC.CollectionCount(0) - collections} gen0 collections; wide: {wide.Batches()}; narrow: {narrow.Batches()}"));
        }
        finally
        {
            wide.Cleanup();
            narrow.Cleanup();
        }
    }

    private static async Task<(RedisLayerBenchmarks Wide, RedisLayerBenchmarks Narrow, Case[] Cases)> StartAsync()
    {
        var wide = new RedisLayerBenchmarks { MaxConnections = 100 };
        var narrow = new RedisLayerBenchmarks { MaxConnections = 50 };
        await wide.Setup();
        await narrow.Setup();
        Case[] cases =
        [
            new("raw-get-sync", "get sync", "raw StringGet (sync)", () => Sync(wide.RawGet), 1),
            new("get-sync", "get sync", "Cachka L3 get (sync)", () => Sync(wide.CachkaGet), 1),
            new("raw-get-async", "get async", "raw StringGetAsync", wide.RawGetAsync, 1),
            new("get-async", "get async", "Cachka L3 get (async)", wide.CachkaGetAsync, 1),
            new("raw-set-sync", "set sync", "raw StringSet (sync)", () => Sync(wide.RawSet), 1),
            new("set-sync", "set sync", "Cachka L3 set (sync)", () => Sync(wide.CachkaSet), 1),
            new("raw-set-async", "set async", "raw StringSetAsync", wide.RawSetAsync, 1),
            new("set-async", "set async", "Cachka L3 set (async)", () => wide.CachkaSetAsync().AsTask(), 1),
            new("raw-get", "get", "raw StringGetAsync x64", wide.RawGet64),
            new("raw-mget", "get", "raw MGET x64", wide.RawMGet64),
            new("get", "get", "Cachka L3 get x64, MaxConnections 100", wide.CachkaGet64),
            new("get50", "get", "Cachka L3 get x64, MaxConnections 50", narrow.CachkaGet64),
            new("raw-set", "set", "raw StringSetAsync x64", wide.RawSet64),
            new("raw-set-batch", "set", "raw StringSetAsync x64 in one IBatch", wide.RawSetBatch64),
            new("raw-set-script", "set", "raw script of 64 SETs", wide.RawScriptSet64),
            new("raw-set-script16", "set", "raw scripts of 16 SETs", wide.RawScriptSet16),
            new("raw-set-script8", "set", "raw scripts of 8 SETs", wide.RawScriptSet8),
            new("set", "set", "Cachka L3 set x64, MaxConnections 100", wide.CachkaSet64),
            new("set50", "set", "Cachka L3 set x64, MaxConnections 50", narrow.CachkaSet64),
        ];
        return (wide, narrow, cases);
    }

    private static Task Sync<T>(Func<T> call)
    {
        GC.KeepAlive(call());
        return Task.CompletedTask;
    }

    private static Task Sync(Action call)
    {
        call();
        return Task.CompletedTask;
    }

    private sealed class Case(string name, string operation, string description, Func<Task> run, int callsPerRun = 64)
    {
        public int CallsPerRun { get; } = callsPerRun;

        public string Name { get; } = name;

        public string Operation { get; } = operation;

        public string Description { get; } = description;

        public Func<Task> Run { get; } = run;

        public List<double> Times { get; } = [];

        public double Median => Times.Order().ElementAt(Times.Count / 2);
    }
}

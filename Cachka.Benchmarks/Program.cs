using BenchmarkDotNet.Running;
using Cachka.Benchmarks.Stampede;

// dotnet run -c Release --project Cachka.Benchmarks -- --filter '*L1*' --job short
// dotnet run -c Release --project Cachka.Benchmarks -- stampede         (factory-run counts only, no timing)
// dotnet run -c Release --project Cachka.Benchmarks -- interleaved L1HitBenchmarks   (cases round-robin: robust on a noisy machine)
if (args is ["interleaved", var suite])
{
    Cachka.Benchmarks.Shared.Interleaved.Run(suite, Console.Out);
    return;
}

// dotnet run -c Release --project Cachka.Benchmarks -- loop ColdMissBenchmarks Cachka_GetOrCreate 10   (one case alone, for a profiler)
if (args is ["loop", var loopSuite, var suiteCase, var suiteSeconds])
{
    Cachka.Benchmarks.Shared.Interleaved.Loop(loopSuite, suiteCase, double.Parse(suiteSeconds, System.Globalization.CultureInfo.InvariantCulture), Console.Out);
    return;
}

// dotnet run -c Release --project Cachka.Benchmarks -- sqlite-interleaved (the SQLite L2 cases round-robin)
if (args is ["sqlite-interleaved"])
{
    await Cachka.Benchmarks.Sqlite.SqliteInterleaved.RunAsync(Console.Out).ConfigureAwait(false);
    return;
}

// dotnet run -c Release --project Cachka.Benchmarks -- backplane          (propagation delay between two nodes, p50/p99)
if (args is ["backplane"])
{
    await Cachka.Benchmarks.Redis.BackplaneLatencyReport.RunAsync(Console.Out).ConfigureAwait(false);
    return;
}

// dotnet run -c Release --project Cachka.Benchmarks -- redis-interleaved  (64-caller Redis get/set against raw, round-robin)
if (args is ["redis-interleaved"])
{
    await Cachka.Benchmarks.Redis.RedisInterleaved.RunAsync(Console.Out).ConfigureAwait(false);
    return;
}

// dotnet run -c Release --project Cachka.Benchmarks -- redis-loop get 20    (one case alone, for a profiler)
if (args is ["redis-loop", var loopCase, var loopSeconds])
{
    await Cachka.Benchmarks.Redis.RedisInterleaved.LoopAsync(loopCase, double.Parse(loopSeconds, System.Globalization.CultureInfo.InvariantCulture), Console.Out).ConfigureAwait(false);
    return;
}

// dotnet run -c Release --project Cachka.Benchmarks -- generator-loop 400 rerun   (one GeneratorRunBenchmarks case in a loop, for a profiler)
// dotnet run -c Release --project Cachka.Benchmarks -- generator-loop 300 allocations   (time, bytes and gen0 collections per run of each case)
// dotnet run -c Release --project Cachka.Benchmarks -- generator-loop 1 steps   (which steps a re-run after an unrelated edit runs again, by run reason)
if (args is ["generator-loop", var generatorRuns, .. var generatorMode])
{
    Cachka.Benchmarks.Generator.GeneratorLoop.Run(int.Parse(generatorRuns, System.Globalization.CultureInfo.InvariantCulture), generatorMode is [var mode] ? mode : "rerun", Console.Out);
    return;
}

if (args is ["stampede"])
{
    await StampedeReport.RunAsync(Console.Out).ConfigureAwait(false);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

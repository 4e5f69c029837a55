using BenchmarkDotNet.Running;
using Cachka.Benchmarks.Stampede;

// dotnet run -c Release --project Cachka.Benchmarks -- --filter '*L1*' --job short
// dotnet run -c Release --project Cachka.Benchmarks -- stampede         (factory-run counts only, no timing)
// dotnet run -c Release --project Cachka.Benchmarks -- l1-interleaved   (the L1 cases round-robin: robust on a noisy machine)
if (args is ["l1-interleaved"])
{
    Cachka.Benchmarks.L1.L1Interleaved.Run(Console.Out);
    return;
}

if (args is ["stampede"])
{
    await StampedeReport.RunAsync(Console.Out).ConfigureAwait(false);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

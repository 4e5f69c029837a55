using BenchmarkDotNet.Running;
using Cachka.Benchmarks.Stampede;

// dotnet run -c Release --project Cachka.Benchmarks -- --filter '*L1*' --job short
// dotnet run -c Release --project Cachka.Benchmarks -- stampede   (factory-run counts only, no timing)
if (args is ["stampede"])
{
    await StampedeReport.RunAsync(Console.Out).ConfigureAwait(false);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

using BenchmarkDotNet.Running;

// dotnet run -c Release --project Cachka.Benchmarks -- --filter '*L1*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

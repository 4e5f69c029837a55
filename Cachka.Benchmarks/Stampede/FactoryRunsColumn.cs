using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Cachka.Benchmarks.Stampede;

/// <summary>
/// Factory runs counted in the benchmark process (every round, warm-up included), saved to a file
/// on cleanup and read back here by the host process that prints the summary.
/// </summary>
internal sealed class FactoryTally
{
    private long _rounds;
    private long _runs;
    private string? _method;

    public static string PathFor(string method) => Path.Combine(Path.GetTempPath(), "cachka-stampede", method + ".txt");

    public void Add(string method, int runs)
    {
        _method = method;
        Interlocked.Increment(ref _rounds);
        Interlocked.Add(ref _runs, runs);
    }

    public void Save()
    {
        if (_method is null)
            return;
        var path = PathFor(_method);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"{_rounds} {_runs}"));
    }

    public static bool TryLoad(string method, out long rounds, out long runs)
    {
        rounds = runs = 0;
        var path = PathFor(method);
        if (!File.Exists(path))
            return false;
        var parts = File.ReadAllText(path).Split(' ');
        rounds = long.Parse(parts[0], CultureInfo.InvariantCulture);
        runs = long.Parse(parts[1], CultureInfo.InvariantCulture);
        return rounds > 0;
    }
}

/// <summary>"Factory runs / 20 rounds": 20 means one factory run per round of 64 callers.</summary>
internal sealed class FactoryRunsColumn : IColumn
{
    public string Id => nameof(FactoryRunsColumn);

    public string ColumnName => $"Factory runs / {StampedeRounds.Rounds} rounds";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"Factory runs per {StampedeRounds.Rounds} rounds of {StampedeRounds.Callers} callers, averaged over every round the benchmark ran";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        FactoryTally.TryLoad(benchmarkCase.Descriptor.WorkloadMethod.Name, out var rounds, out var runs)
            ? (runs * (double)StampedeRounds.Rounds / rounds).ToString("0.#", CultureInfo.InvariantCulture)
            : "?";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}

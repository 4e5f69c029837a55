using System.Globalization;
using Cachka.Benchmarks.Shared;

namespace Cachka.Benchmarks.Stampede;

/// <summary>
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- stampede</c>: exactly 20 rounds per cache
/// and mode, printed as a markdown table of factory runs (no BenchmarkDotNet, a count not a time).
/// </summary>
internal static class StampedeReport
{
    public static async Task RunAsync(TextWriter output)
    {
        using var cachka = Peers.Cachka();
        using var fusion = Peers.FusionCache();
        using var memory = Peers.MemoryCache();
        var (hybrid, hybridServices) = Peers.HybridCache();
        await using var _ = hybridServices.ConfigureAwait(false);

        output.WriteLine($"{StampedeRounds.Rounds} rounds of {StampedeRounds.Callers} concurrent callers on a cold key, factory ~1 ms. Target: {StampedeRounds.Rounds}.");
        output.WriteLine();
        output.WriteLine("| Cache | Sync factory runs | Async factory runs |");
        output.WriteLine("|---|---:|---:|");
        Row(output, "Cachka", Sync(k => f => StampedeRounds.CachkaSync(cachka, k, f)), await Async(k => f => StampedeRounds.CachkaAsync(cachka, k, f)).ConfigureAwait(false));
        Row(output, "FusionCache", Sync(k => f => StampedeRounds.FusionSync(fusion, k, f)), await Async(k => f => StampedeRounds.FusionAsync(fusion, k, f)).ConfigureAwait(false));
        Row(output, "HybridCache", null, await Async(k => f => StampedeRounds.HybridAsync(hybrid, k, f)).ConfigureAwait(false));
        Row(output, "IMemoryCache", Sync(k => f => StampedeRounds.MemorySync(memory, k, f)), await Async(k => f => StampedeRounds.MemoryAsync(memory, k, f)).ConfigureAwait(false));
    }

    private static int Sync(Func<string, Func<Func<User>, User>> call)
    {
        var total = 0;
        for (var round = 0; round < StampedeRounds.Rounds; round++)
            total += StampedeRounds.RunSync((key, factory) => call(key)(factory));
        return total;
    }

    private static async Task<int> Async(Func<string, Func<Func<CancellationToken, Task<User>>, Task<User>>> call)
    {
        var total = 0;
        for (var round = 0; round < StampedeRounds.Rounds; round++)
            total += await StampedeRounds.RunAsync((key, factory) => call(key)(factory)).ConfigureAwait(false);
        return total;
    }

    private static void Row(TextWriter output, string cache, int? sync, int async) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {cache} | {(sync is { } s ? s.ToString(CultureInfo.InvariantCulture) : "n/a (no sync API)")} | {async} |"));
}

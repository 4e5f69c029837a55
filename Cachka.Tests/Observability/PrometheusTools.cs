using System.Diagnostics;

namespace Cachka.Tests.Observability;

/// <summary>
/// The real Prometheus tools (Debian package <c>prometheus</c>): <c>promtool</c> and the server. Tests that need them
/// are ignored when they are missing, unless CACHKA_REQUIRE_PROMETHEUS=1 (CI), where that fails them.
/// </summary>
internal static class PrometheusTools
{
    public static void Require(string program)
    {
        if ((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, program))))
            return;
        if (Environment.GetEnvironmentVariable("CACHKA_REQUIRE_PROMETHEUS") == "1")
            Assert.Fail($"{program} is not on PATH, and CACHKA_REQUIRE_PROMETHEUS=1 says the Prometheus tests must run (apt-get install prometheus).");
        Assert.Ignore($"{program} is not on PATH: this test needs the real Prometheus tools (apt-get install prometheus).");
    }

    /// <summary>Runs <c>promtool check metrics</c> on an exposition; its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition)
    {
        Require("promtool");
        var start = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}

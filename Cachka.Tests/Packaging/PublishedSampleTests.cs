using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Cachka.Tests.Packaging;

/// <summary>
/// Publishes samples/Cachka.Sample trimmed and as Native AOT (no reflection-based JSON in either) and runs each binary
/// twice in one directory: the second run must read from SQLite what the first stored, strings and the sample's own
/// [Cached] record alike, with no serialization error and no trim or AOT warning from the publish. Slow: two publishes
/// (about 1.5 and 2.5 minutes on two cores). Native AOT needs clang: without it the AOT test is ignored, unless
/// CACHKA_REQUIRE_AOT=1 (CI installs clang and sets it).
/// </summary>
[NonParallelizable]
[Category("Slow")]
public sealed partial class PublishedSampleTests
{
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromMinutes(2);

    private string _work = "";

    [OneTimeSetUp]
    public void CreateWorkDirectory() => _work = Directory.CreateTempSubdirectory("cachka-publish-").FullName;

    [OneTimeTearDown]
    public void DeleteWorkDirectory()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [Test]
    public void A_trimmed_sample_reads_back_from_SQLite_what_its_previous_run_stored() =>
        PublishAndRunTwice("PublishTrimmed");

    [Test]
    public void A_Native_AOT_sample_reads_back_from_SQLite_what_its_previous_run_stored()
    {
        if (!OnPath("clang"))
        {
            if (Environment.GetEnvironmentVariable("CACHKA_REQUIRE_AOT") == "1")
                Assert.Fail("clang is not on PATH but CACHKA_REQUIRE_AOT=1: Native AOT needs it (apt-get install clang zlib1g-dev).");
            Assert.Ignore("clang is not on PATH: Native AOT cannot link (apt-get install clang zlib1g-dev; .ci/run does).");
        }

        PublishAndRunTwice("PublishAot");
    }

    private void PublishAndRunTwice(string property)
    {
        var output = Path.Combine(_work, property, "bin");
        var watch = Stopwatch.StartNew();
        var publish = Run(Repository.Root, s_publishTimeout, "dotnet", "publish", Repository.PathOf("samples", "Cachka.Sample", "Cachka.Sample.csproj"),
            "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "-p:" + property + "=true", "-o", output,
            "--artifacts-path", Path.Combine(_work, property, "artifacts"), "-nodeReuse:false", "--disable-build-servers");
        TestContext.Out.WriteLine($"{property}: published in {watch.Elapsed.TotalSeconds:F0} s");

        // Zero trim and AOT warnings (IL2xxx/IL3xxx) from Cachka.Runtime, the sample and its generated code.
        Assert.That(publish.Split('\n').Where(line => line.Contains(" warning ", StringComparison.Ordinal)), Is.Empty, publish);

        var binary = Path.Combine(output, OperatingSystem.IsWindows() ? "Cachka.Sample.exe" : "Cachka.Sample");
        var directory = Path.Combine(_work, property, "run");
        Directory.CreateDirectory(directory);
        var first = Run(directory, s_runTimeout, binary);
        var second = Run(directory, s_runTimeout, binary);

        Assert.Multiple(() =>
        {
            // The first run computes everything and stores it (no serialize_failed, no other error).
            Assert.That(Errors(first), Is.Empty, first);
            Assert.That(first, Does.Contain("origin calls: 2 "), first);
            Assert.That(first, Does.Contain("sqlite_cache: healthy"), first);

            // The second run finds in cache.db what the first left there: GetOrCreate's strings (Paris, Oslo) and the
            // [Cached] Forecast record (Bergen) are layer-1 (SQLite) hits; only Lisbon, which the sample invalidates, runs again.
            Assert.That(Errors(second), Is.Empty, second);
            Assert.That(LayerOneHits(first), Is.Zero, first);
            Assert.That(LayerOneHits(second), Is.EqualTo(3), second);
            Assert.That(second, Does.Contain("origin calls: 0 "), second);
            Assert.That(second, Does.Contain("body calls so far: 1"), second);
            Assert.That(second, Does.Contain("Bergen, TemperatureC = 9, Summary = windy"), second);
        });
    }

    private static int LayerOneHits(string output)
    {
        var match = LayerOneHitsPattern().Match(output);
        Assert.That(match.Success, "no hit_layer_1 counter in:\n" + output);
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static List<string> Errors(string output) =>
        output.Split('\n').Where(line => line.StartsWith("cache_errors_total{", StringComparison.Ordinal) && !line.Contains("error_type=\"none\"", StringComparison.Ordinal)).ToList();

    [GeneratedRegex("""cache_requests_total\{cache="default",type="hit_layer_1"\} (\d+)""")]
    private static partial Regex LayerOneHitsPattern();

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, program)));

    private static string Run(string directory, TimeSpan timeout, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        // The test host's MSBuild variables would point a child dotnet at the wrong MSBuild.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {timeout}:\n{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)} failed:\n{output}");
            return output.ToString();
        }
    }
}

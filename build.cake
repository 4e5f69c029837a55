// Cachka build: dotnet tool restore && dotnet cake --target=<Clean|Build|Test|Pack|Bench>
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var benchFilter = Argument("filter", "*");
var benchJob = Argument("job", "short");   // BenchmarkDotNet job; a full default run of every suite takes hours
var solution = "./Cachka.slnx";
var artifacts = MakeAbsolute(Directory("./artifacts"));
var testResults = artifacts.Combine("test-results");
var packages = artifacts.Combine("packages");

Task("Clean")
    .Does(() =>
{
    CleanDirectories("./**/bin/" + configuration);
    CleanDirectories("./**/obj");
    CleanDirectory(artifacts);
});

Task("Build")
    .Does(() =>
{
    DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration });
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    CleanDirectory(testResults);
    var failedRun = false;
    try
    {
        DotNetTest(solution, new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            ResultsDirectory = testResults,
            // minimal: failures with their messages, not one line per passing test
            Loggers = new[] { "trx", "console;verbosity=minimal" },
        });
    }
    catch (Exception)
    {
        failedRun = true;
    }

    // One line for people and CI: the sum over every TRX file of every test project.
    long passed = 0, failed = 0, skipped = 0;
    var failures = new List<string>();
    var trxFiles = GetFiles(testResults.FullPath + "/**/*.trx");
    foreach (var trx in trxFiles)
    {
        var document = XDocument.Load(trx.FullPath);
        var counters = document.Descendants().First(e => e.Name.LocalName == "Counters");
        long Read(string name) => long.Parse(counters.Attribute(name)?.Value ?? "0");
        passed += Read("passed");
        failed += Read("failed") + Read("error") + Read("timeout") + Read("aborted");
        skipped += Read("notExecuted") + Read("inconclusive");
        foreach (var result in document.Descendants().Where(e => e.Name.LocalName == "UnitTestResult" && (string)e.Attribute("outcome") is "Failed" or "Error" or "Timeout" or "Aborted"))
        {
            var message = result.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? "";
            var firstLine = message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
            failures.Add($"FAILED {result.Attribute("testName")?.Value}: {(firstLine.Length > 300 ? firstLine[..300] + "..." : firstLine)}");
        }
    }

    // The end of the log is what a CI page shows: name every failure there, before the summary.
    foreach (var failure in failures.Take(40))
        Console.WriteLine(failure);
    if (failures.Count > 40)
        Console.WriteLine($"... and {failures.Count - 40} more failures (see {testResults.FullPath})");

    var summary = $"{passed} passed, {failed} failed, {skipped} skipped";
    System.IO.File.WriteAllText(testResults.CombineWithFilePath("summary.txt").FullPath, summary + "\n");
    Console.WriteLine(summary);
    if (trxFiles.Count == 0 || passed == 0)
        throw new Exception("No test ran: the run produced no passing test results.");
    if (failed > 0 || failedRun)
        throw new Exception($"{failed} test(s) failed.");
});

Task("Pack")
    .Does(() =>
{
    CleanDirectory(packages);
    foreach (var project in new[] { "./Cachka.Runtime/Cachka.Runtime.csproj", "./Cachka.Redis/Cachka.Redis.csproj" })
    {
        DotNetPack(project, new DotNetPackSettings
        {
            Configuration = configuration,
            OutputDirectory = packages,
        });
    }

    // The generator and analyzers ship inside the Cachka package; a package without them is broken.
    var expected = new List<string> { "Cachka.Generators.dll", "Cachka.Analyzers.dll" };
    if (FileExists("./Cachka.Analyzers.CodeFixes/Cachka.Analyzers.CodeFixes.csproj"))
        expected.Add("Cachka.Analyzers.CodeFixes.dll");
    foreach (var package in GetFiles(packages.FullPath + "/Cachka.*.nupkg").Where(p => System.Text.RegularExpressions.Regex.IsMatch(p.GetFilename().FullPath, @"^Cachka\.\d")))
    {
        using var archive = System.IO.Compression.ZipFile.OpenRead(package.FullPath);
        var entries = archive.Entries.Select(e => e.FullName).ToList();
        foreach (var name in expected)
        {
            if (!entries.Contains("analyzers/dotnet/roslyn4.8/cs/" + name))
                throw new Exception($"{package.GetFilename()} lacks analyzers/dotnet/roslyn4.8/cs/{name}.");
        }

        Information($"{package.GetFilename()}: runtime + {string.Join(", ", expected)} under analyzers/dotnet/roslyn4.8/cs");
    }
});

Task("Bench")
    .Does(() =>
{
    DotNetRun("./Cachka.Benchmarks/Cachka.Benchmarks.csproj", new ProcessArgumentBuilder().Append("--filter").AppendQuoted(benchFilter).Append("--job").Append(benchJob), new DotNetRunSettings
    {
        Configuration = "Release",
    });
});

RunTarget(target);

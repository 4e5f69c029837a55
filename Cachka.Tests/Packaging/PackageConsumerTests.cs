using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Cachka.Tests.Packaging;

/// <summary>
/// Packs Cachka.Runtime into a folder feed and builds a fresh project that references only that
/// package, with docs/generator.md's quick start as its Program.cs: the generator and analyzers must
/// arrive through the package and the program must print what the docs say. Slow (a pack, a restore
/// and a build in child processes).
/// </summary>
[NonParallelizable]
[Category("Slow")]
public sealed class PackageConsumerTests
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromMinutes(10);

    [Test]
    public void A_project_referencing_only_the_package_runs_the_generator_quick_start()
    {
        var repository = Repository.Root;
        var work = Directory.CreateTempSubdirectory("cachka-package-").FullName;
        var version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "." + Environment.ProcessId;
        try
        {
            var feed = Path.Combine(work, "feed");
            Run(repository, "pack", Path.Combine(repository, "Cachka.Runtime", "Cachka.Runtime.csproj"), "-c", "Release", "-o", feed,
                "-p:Version=" + version, "--artifacts-path", Path.Combine(work, "artifacts"));

            var package = Path.Combine(feed, $"Cachka.Runtime.{version}.nupkg");
            Assert.That(AnalyzerEntries(package), Is.SupersetOf(ExpectedAnalyzers(repository)));
            // The build props that let the analyzers see PublishTrimmed/PublishAot (CACHKA017/018), also for transitive consumers.
            Assert.That(Entries(package), Is.SupersetOf(new[] { "build/Cachka.Runtime.props", "buildTransitive/Cachka.Runtime.props", "README.md" }));
            Assert.That(Nuspec(package), Does.Contain("<license type=\"expression\">MIT</license>").And.Contain("<readme>README.md</readme>"));
            Assert.That(File.Exists(Path.Combine(feed, $"Cachka.Runtime.{version}.snupkg")), Is.True, "symbols are packed beside");

            var (program, expected) = QuickStart(Path.Combine(repository, "docs", "generator.md"));
            var consumer = Path.Combine(work, "consumer");
            Directory.CreateDirectory(consumer);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), program);
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Cachka.Runtime" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            // The feed comes on top of the machine's usual sources (which serve the dependencies).
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="cachka-test-feed" value="{feed}" />
                  </packageSources>
                </configuration>
                """);

            Run(consumer, "build", "-c", "Release");
            var output = Run(consumer, "run", "--no-build", "-c", "Release");

            Assert.That(output.ReplaceLineEndings("\n").Trim(), Is.EqualTo(expected.Trim()));
        }
        finally
        {
            TryDelete(work);
            TryDelete(Path.Combine(GlobalPackagesFolder(), "cachka.runtime", version));
        }
    }

    private static List<string> Entries(string package)
    {
        using var archive = ZipFile.OpenRead(package);
        return archive.Entries.Select(e => e.FullName).ToList();
    }

    private static IEnumerable<string> AnalyzerEntries(string package)
    {
        using var archive = ZipFile.OpenRead(package);
        return archive.Entries.Select(e => e.FullName).Where(n => n.StartsWith("analyzers/", StringComparison.Ordinal)).ToList();
    }

    private static IEnumerable<string> ExpectedAnalyzers(string repository)
    {
        var names = new List<string> { "Cachka.Generators", "Cachka.Analyzers" };
        if (File.Exists(Path.Combine(repository, "Cachka.Analyzers.CodeFixes", "Cachka.Analyzers.CodeFixes.csproj")))
            names.Add("Cachka.Analyzers.CodeFixes");
        return names.Select(n => "analyzers/dotnet/roslyn4.8/cs/" + n + ".dll");
    }

    // The first csharp block after the quick-start marker, and the text block that follows it (the expected output).
    private static (string Program, string Output) QuickStart(string markdown)
    {
        var text = File.ReadAllText(markdown).ReplaceLineEndings("\n");
        var start = text.IndexOf("<!-- quick-start:generator", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), "docs/generator.md has no quick-start marker");
        var program = Block(text, "```csharp\n", ref start);
        var output = Block(text, "```text\n", ref start);
        return (program, output);
    }

    private static string Block(string text, string fence, ref int position)
    {
        var open = text.IndexOf(fence, position, StringComparison.Ordinal) + fence.Length;
        var close = text.IndexOf("```", open, StringComparison.Ordinal);
        position = close + 3;
        return text[open..close];
    }

    private static string Run(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        if (arguments[0] is "pack" or "build")
        {
            start.ArgumentList.Add("-nodeReuse:false");
            start.ArgumentList.Add("--disable-build-servers");
        }

        // The test host's MSBuild variables would point the child at the wrong MSBuild.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(s_commandTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} did not finish within {s_commandTimeout}:\n{output}\n{errors}");
        }

        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"dotnet {string.Join(' ', arguments)} failed:\n{output}\n{errors}");
        return output.ToString();
    }

    private static string Nuspec(string package)
    {
        using var archive = System.IO.Compression.ZipFile.OpenRead(package);
        using var reader = new StreamReader(archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return reader.ReadToEnd();
    }

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

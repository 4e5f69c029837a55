using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Cachka.Tests.Packaging;

/// <summary>
/// Packs Cachka and Cachka.Redis into a folder feed and builds fresh projects that reference only the
/// package: docs/generator.md's quick start (the generator and analyzers must arrive through the package
/// and the program must print what the docs say) and docs/aspnetcore.md's web app (run on 127.0.0.1 and
/// called on every endpoint). Slow (packs, restores and builds in child processes).
/// </summary>
[NonParallelizable]
[Category("Slow")]
public sealed class PackageConsumerTests
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromMinutes(10);

    private string _work = null!;
    private string _feed = null!;
    private string _version = null!;

    // Packs Cachka and Cachka.Redis once into a folder feed for every consumer below.
    [OneTimeSetUp]
    public void Pack()
    {
        var repository = Repository.Root;
        _work = Directory.CreateTempSubdirectory("cachka-package-").FullName;
        _version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "." + Environment.ProcessId;
        _feed = Path.Combine(_work, "feed");
        foreach (var project in new[] { "Cachka.Runtime", "Cachka.Redis" })
        {
            Run(repository, "pack", Path.Combine(repository, project, project + ".csproj"), "-c", "Release", "-o", _feed,
                "-p:Version=" + _version, "--artifacts-path", Path.Combine(_work, "artifacts"));
        }
    }

    [OneTimeTearDown]
    public void Clean()
    {
        TryDelete(_work);
        TryDelete(Path.Combine(GlobalPackagesFolder(), "cachka", _version));
        TryDelete(Path.Combine(GlobalPackagesFolder(), "cachka.redis", _version));
    }

    [Test]
    public void The_packages_are_Cachka_with_the_generator_and_analyzers_inside_and_Cachka_Redis_on_top_of_it()
    {
        var package = Path.Combine(_feed, $"Cachka.{_version}.nupkg");
        Assert.That(AnalyzerEntries(package), Is.SupersetOf(ExpectedAnalyzers(Repository.Root)));
        // The build props that let the analyzers see PublishTrimmed/PublishAot (CACHKA017/018), also for transitive consumers.
        Assert.That(Entries(package), Is.SupersetOf(new[] { "build/Cachka.props", "buildTransitive/Cachka.props", "README.md", "lib/net10.0/Cachka.Runtime.dll" }));
        Assert.That(Nuspec(package), Does.Contain("<id>Cachka</id>").And.Contain("<license type=\"expression\">MIT</license>").And.Contain("<readme>README.md</readme>").And.Contain("<repository "));
        Assert.That(File.Exists(Path.Combine(_feed, $"Cachka.{_version}.snupkg")), Is.True, "symbols are packed beside");
        var redis = Nuspec(Path.Combine(_feed, $"Cachka.Redis.{_version}.nupkg"));
        Assert.That(redis, Does.Contain($"<dependency id=\"Cachka\" version=\"{_version}\""));
    }

    [Test]
    public void A_project_referencing_only_the_package_runs_the_generator_quick_start()
    {
        var (program, expected) = QuickStart(Path.Combine(Repository.Root, "docs", "generator.md"));
        var consumer = Consumer("console", "Microsoft.NET.Sdk", program, "<OutputType>Exe</OutputType>", []);
        Run(consumer, "build", "-c", "Release");
        var output = Run(consumer, "run", "--no-build", "-c", "Release");

        Assert.That(output.ReplaceLineEndings("\n").Trim(), Is.EqualTo(expected.Trim()));
    }

    [Test]
    public async Task A_web_app_referencing_the_package_serves_docs_aspnetcore_example()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "docs", "aspnetcore.md")).ReplaceLineEndings("\n");
        var position = text.IndexOf("<!-- example:aspnetcore", StringComparison.Ordinal);
        Assert.That(position, Is.GreaterThanOrEqualTo(0), "docs/aspnetcore.md has no example marker");
        var program = Block(text, "```csharp\n", ref position);
        var consumer = Consumer("web", "Microsoft.NET.Sdk.Web", program, "", ["<PackageReference Include=\"OpenTelemetry.Extensions.Hosting\" Version=\"1.21.0\" />"]);
        Run(consumer, "build", "-c", "Release");

        var port = Redis.RedisServer.FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = consumer, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "run", "--no-build", "-c", "Release", "--urls", $"http://127.0.0.1:{port}" })
            start.ArgumentList.Add(argument);
        using var app = Process.Start(start)!;
        var log = new StringBuilder();
        app.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        app.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var first = await GetWhenUpAsync(http, "/products/1", app, log);
            Assert.That(first, Does.Contain("\"name\":\"Product 1\""));
            Assert.That(await http.GetStringAsync(new Uri("/products/1", UriKind.Relative)), Is.EqualTo(first));
            Assert.That(await http.GetStringAsync(new Uri("/products/loads", UriKind.Relative)), Is.EqualTo("1"), "the second request came from the cache");
            using (var deleted = await http.DeleteAsync(new Uri("/products/1", UriKind.Relative)))
                Assert.That((int)deleted.StatusCode, Is.EqualTo(204));
            await http.GetStringAsync(new Uri("/products/1", UriKind.Relative));
            Assert.That(await http.GetStringAsync(new Uri("/products/loads", UriKind.Relative)), Is.EqualTo("2"), "the invalidation reached the cache");
            Assert.That(await http.GetStringAsync(new Uri("/prices/3", UriKind.Relative)), Is.EqualTo("13"));
            Assert.That(await http.GetStringAsync(new Uri("/health", UriKind.Relative)), Is.EqualTo("Healthy"));
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.That(metrics, Does.Contain("cache_requests_total{cache=\"catalog\",type=\"hit_layer_0\"}"));
        }
        finally
        {
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
        }
    }

    private static async Task<string> GetWhenUpAsync(HttpClient http, string path, Process app, StringBuilder log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await http.GetStringAsync(new Uri(path, UriKind.Relative));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !app.HasExited)
            {
                await Task.Delay(200);
            }
            catch (HttpRequestException error)
            {
                lock (log)
                    Assert.Fail($"The app did not answer {path}: {error.Message}\n{log}");
                throw;
            }
        }
    }

    // A fresh project that references only the packed Cachka (and what the example itself needs) from the feed.
    private string Consumer(string name, string sdk, string program, string properties, string[] references)
    {
        var consumer = Path.Combine(_work, name);
        Directory.CreateDirectory(consumer);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), program);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                {properties}
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Cachka" Version="{_version}" />
                {string.Join("\n", references)}
              </ItemGroup>
            </Project>
            """);
        // The feed comes on top of the machine's usual sources (which serve the dependencies).
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="cachka-test-feed" value="{_feed}" />
              </packageSources>
            </configuration>
            """);
        return consumer;
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

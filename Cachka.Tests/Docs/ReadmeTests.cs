using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cachka.Tests.Docs;

/// <summary>The README stays true: its commands are the ones CI runs, and its C# compiles.</summary>
public partial class ReadmeTests
{
    private static string Read(string relative) => File.ReadAllText(Repository.PathOf(relative)).ReplaceLineEndings("\n");

    private static string Block(string text, string marker) =>
        Regex.Match(text, "<!-- " + Regex.Escape(marker) + "[^>]*-->\n```csharp\n(.*?)```", RegexOptions.Singleline) is { Success: true } m
            ? m.Groups[1].Value
            : throw new AssertionException($"no ```csharp block after <!-- {marker} -->");

    [Test]
    public void The_generator_quick_start_is_the_one_the_packaging_test_runs()
    {
        Assert.That(Block(Read("README.md"), "quick-start:generator"), Is.EqualTo(Block(Read("docs/generator.md"), "quick-start:generator")));
    }

    [Test]
    public void The_test_command_in_the_readme_is_the_one_ci_runs()
    {
        var readme = Read("README.md");
        var ci = Read(".ci/run");
        const string command = "dotnet tool restore && dotnet cake --target=Test";
        Assert.Multiple(() =>
        {
            Assert.That(readme, Does.Contain(command));
            Assert.That(ci, Does.Contain(command));
            Assert.That(readme, Does.Contain("dotnet run --project samples/Cachka.Sample"));
        });
    }

    [Test]
    public void The_cache_api_quick_start_compiles()
    {
        var code = Regex.Match(Read("README.md"), "## Quick start: the cache API\n\n```csharp\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        Assert.That(code, Does.Contain("CacheRegistry.Initialize"));

        AssertCompiles(code, typeof(ICache));
    }

    // A console program of the docs' code against the runtime (and the given packages' assemblies): no warning, no error.
    private static void AssertCompiles(string code, params Type[] from)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path))
            .Concat(from.Select(type => MetadataReference.CreateFromFile(type.Assembly.Location)));
        var compilation = CSharpCompilation.Create("DocsExample",
            [CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest))],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication).WithNullableContextOptions(NullableContextOptions.Enable))
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText("global using System; global using System.Threading; global using System.Threading.Tasks;"));

        var problems = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString());
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void The_resilience_example_compiles()
    {
        var code = Regex.Match(Read("docs/resilience.md"), "```csharp\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        Assert.That(code, Does.Contain("FailSafeMaxDuration"));
        AssertCompiles(code, typeof(ICache));
    }

    [Test]
    public void The_redis_example_compiles()
    {
        var code = Regex.Match(Read("docs/redis.md"), "```csharp\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        Assert.That(code, Does.Contain("new RedisCacheConfig"));
        AssertCompiles(code, typeof(ICache), typeof(Cachka.Redis.RedisCacheConfig), typeof(StackExchange.Redis.IConnectionMultiplexer));
    }
}

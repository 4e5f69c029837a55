using System.Text.RegularExpressions;
using Cachka.Analyzers;
using Cachka.Tests.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Tests.Docs;

/// <summary>The examples of docs/generator.md marked <c>&lt;!-- compiles:generator --&gt;</c> compile with the generator and the analyzers: no warning, no error.</summary>
public sealed partial class GeneratorDocsTests
{
    private const string Prelude = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;

        """;

    private static IEnumerable<TestCaseData> Examples()
    {
        var text = File.ReadAllText(Repository.PathOf("docs", "generator.md")).ReplaceLineEndings("\n");
        var i = 0;
        foreach (Match match in ExamplePattern().Matches(text))
        {
            var code = match.Groups[1].Value;
            var firstType = Regex.Match(code, @"(class|record) (\w+)").Groups[2].Value;
            yield return new TestCaseData(code).SetName("docs/generator.md example " + ++i + " (" + firstType + ") compiles");
        }
    }

    [Test]
    public void The_generator_docs_have_examples() => Assert.That(Examples().Count(), Is.GreaterThanOrEqualTo(4));

    [TestCaseSource(nameof(Examples))]
    public async Task Example_compiles_with_the_generator_and_the_analyzers(string code)
    {
        var result = GeneratorHarness.Run(Prelude + code);
        var analyzerDiagnostics = await result.Output
            .WithAnalyzers([new CachedMethodAnalyzer(), new CacheMemberAnalyzer(), new InvalidationAnalyzer()])
            .GetAnalyzerDiagnosticsAsync();

        Assert.That(result.Diagnostics, Is.Empty, result.DiagnosticsText);
        Assert.That(analyzerDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()), Is.Empty);
    }

    [GeneratedRegex("<!-- compiles:generator -->\n```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ExamplePattern();
}

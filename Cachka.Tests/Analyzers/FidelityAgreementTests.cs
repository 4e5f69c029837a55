using System.Text;
using Cachka.Analyzers;
using Cachka.Tests.Fidelity;
using Cachka.Tests.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Tests.Analyzers;

/// <summary>
/// CACHKA008 and the runtime's check before the first L2/L3 write apply one list of rules (FidelityRules.cs, linked
/// into both): for every shape of the fidelity suite, the analyzer's verdict on a [Cached] method returning the type
/// (no warning, or the reason it names) is the runtime's verdict for the type (faithful, or the reason it counts).
/// </summary>
public class FidelityAgreementTests
{
    private static readonly Lazy<Task<IReadOnlyDictionary<string, string?>>> AnalyzerVerdicts = new(AnalyzeAsync);

    public static IEnumerable<TestCaseData> Shapes() =>
        FidelityShapes.All().Where(s => s.TypeSyntax is not null).Select(s => new TestCaseData(s).SetArgDisplayNames(s.Name));

    [TestCaseSource(nameof(Shapes))]
    public async Task The_analyzer_and_the_runtime_give_the_same_verdict(FidelityShape shape)
    {
        var analyzer = (await AnalyzerVerdicts.Value)[shape.Name];
        var runtime = shape.FidelityWith(JsonCacheSerializer.Default);

        Assert.That(analyzer, Is.EqualTo(runtime.Reason), $"{shape.TypeSyntax}: the runtime says {runtime}");
    }

    [Test]
    public void Per_value_refusals_are_not_type_verdicts()
    {
        // A derived instance, a lone surrogate or a collection's own comparer is refused value by value: the type itself is faithful to both.
        var perValue = FidelityShapes.All().Where(s => s.RefusedAs is "polymorphic_value" or "lone_surrogate" or "custom_comparer").ToList();

        Assert.That(perValue, Is.Not.Empty);
        Assert.That(perValue.Select(s => s.FidelityWith(JsonCacheSerializer.Default).Reason), Is.All.Null);
    }

    [Test]
    public void Every_type_level_refusal_of_the_suite_is_the_runtime_verdict()
    {
        var typeLevel = FidelityShapes.All().Where(s => s.RefusedAs is not null and not "polymorphic_value" and not "lone_surrogate" and not "custom_comparer").ToList();

        Assert.That(typeLevel, Has.Count.GreaterThan(10));
        foreach (var shape in typeLevel)
            Assert.That(shape.FidelityWith(JsonCacheSerializer.Default).Reason, Is.EqualTo(shape.RefusedAs), shape.Name);
    }

    private static async Task<IReadOnlyDictionary<string, string?>> AnalyzeAsync()
    {
        var shapes = FidelityShapes.All().Where(s => s.TypeSyntax is not null).ToList();
        var holder = new StringBuilder("namespace Cachka.Tests.Fidelity.Agreement;\n\npublic partial class Holder\n{\n");
        for (var i = 0; i < shapes.Count; i++)
        {
            holder.Append("    [global::Cachka.Cached] public static partial ").Append(shapes[i].TypeSyntax).Append(" M").Append(i).AppendLine("(int id);");
            holder.Append("    private static ").Append(shapes[i].TypeSyntax).Append(" M").Append(i).AppendLine("Core(int id) => throw null!;");
        }

        holder.AppendLine("}");
        var types = await File.ReadAllTextAsync(Repository.PathOf("Cachka.Tests", "Fidelity", "FidelityShapeTypes.cs"));
        var compilation = GeneratorHarness.Compile(types, holder.ToString());
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795").ToList();
        Assert.That(errors, Is.Empty, "the shapes must compile as the analyzer sees them");

        var diagnostics = await compilation.WithAnalyzers([new CachedMethodAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        var verdicts = shapes.ToDictionary(s => s.Name, _ => (string?)null);
        foreach (var diagnostic in diagnostics.Where(d => d.Id == DiagnosticDescriptors.ResultNotSerializableId))
        {
            var tree = diagnostic.Location.SourceTree!;
            var method = (await tree.GetRootAsync()).FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>()!;
            var index = int.Parse(method.Identifier.Text[1..], System.Globalization.CultureInfo.InvariantCulture);
            verdicts[shapes[index].Name] = diagnostic.Properties[DiagnosticDescriptors.FidelityReasonProperty];
        }

        return verdicts;
    }
}

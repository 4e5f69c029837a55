using System.Text;
using BenchmarkDotNet.Attributes;
using Cachka.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cachka.Benchmarks.Generator;

/// <summary>
/// The generator on a synthetic compilation with 1,000 <c>[Cached]</c> methods (100 types of 10): a
/// full first run, and a re-run after an unrelated edit (what the IDE does on most keystrokes): the
/// syntax provider runs its transform for every method again on a new compilation, which returns each
/// method's previous parse (nothing is declared anew), so nothing is bound, emitted or re-parsed downstream.
/// The floor is what the pipeline cost when it was ForAttributeWithMetadataName, with an empty transform.
/// </summary>
[MemoryDiagnoser]
public class GeneratorRunBenchmarks
{
    private const int Types = 100;
    private const int MethodsPerType = 10;

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.CSharp12);

    private CSharpCompilation _compilation = null!;
    private SyntaxTree _unrelated = null!;
    private GeneratorDriver _warmDriver = null!;
    private GeneratorDriver _warmEmptyDriver = null!;
    private CSharpCompilation _next = null!;
    private int _edits;

    [GlobalSetup]
    public void Setup()
    {
        var trees = new List<SyntaxTree>();
        for (var t = 0; t < Types; t++)
            trees.Add(CSharpSyntaxTree.ParseText(ServiceSource(t), s_parseOptions, path: $"Service{t}.cs"));
        _unrelated = CSharpSyntaxTree.ParseText(UnrelatedSource(0), s_parseOptions, path: "Unrelated.cs");
        trees.Add(_unrelated);

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(CachedAttribute).Assembly.Location));
        _compilation = CSharpCompilation.Create("Synthetic", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        _warmDriver = NewDriver().RunGenerators(_compilation);
        _warmEmptyDriver = CSharpGeneratorDriver.Create([new EmptyTransformGenerator().AsSourceGenerator()], parseOptions: s_parseOptions).RunGenerators(_compilation);
        var generated = _warmDriver.GetRunResult().GeneratedTrees;
        if (generated.Length != Types || generated.Sum(tree => tree.GetText().ToString().Split("private const string Identity = ").Length - 1) != Types * MethodsPerType)
            throw new InvalidOperationException($"expected {Types} generated files (one per type) implementing {Types * MethodsPerType} methods, got {generated.Length} files");

        // A generator runs in a long-lived process (the compiler server, the IDE), its code and Roslyn's
        // long since optimized by the tiered JIT. Each measured iteration is a single call, so without
        // this the few iterations of a short job would time tier-0 code (3-5x slower, seen here).
        for (var i = 0; i < JitWarmupRuns; i++)
        {
            FreshCompilation();
            FullRun();
            UnrelatedEdit();
            RerunAfterUnrelatedEdit();
            UnrelatedEdit();
            EmptyTransformRerun();
        }
    }

    private const int JitWarmupRuns = 40;

    // Each iteration gets a fresh compilation, already bound (as the IDE's is when a generator runs),
    // so the time is the generator's own and no run profits from another's caches.
    [IterationSetup(Target = nameof(FullRun))]
    public void FreshCompilation()
    {
        _next = _compilation.Clone();
        _next.GetDiagnostics();
        CollectSetupGarbage();
    }

    [IterationSetup(Targets = [nameof(RerunAfterUnrelatedEdit), nameof(EmptyTransformRerun)])]
    public void UnrelatedEdit()
    {
        _next = _compilation.ReplaceSyntaxTree(_unrelated, CSharpSyntaxTree.ParseText(UnrelatedSource(++_edits), s_parseOptions, path: "Unrelated.cs"));
        _next.GetDiagnostics();
        CollectSetupGarbage();
    }

    // Binding the compilation allocates far more than the generator; its garbage is not the generator's cost.
    private static void CollectSetupGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [Benchmark(Baseline = true, Description = "Full run, 1,000 [Cached] methods")]
    public GeneratorDriver FullRun() => NewDriver().RunGenerators(_next);

    [Benchmark(Description = "Re-run after an unrelated edit")]
    public GeneratorDriver RerunAfterUnrelatedEdit() => _warmDriver.RunGenerators(_next);

    // The floor a re-run cannot go below: the compiler finding the same 1,000 attributed methods and
    // calling a transform that reads nothing.
    [Benchmark(Description = "Re-run, ForAttributeWithMetadataName with an empty transform (floor)")]
    public GeneratorDriver EmptyTransformRerun() => _warmEmptyDriver.RunGenerators(_next);

    private sealed class EmptyTransformGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var names = context.SyntaxProvider.ForAttributeWithMetadataName(
                "Cachka.CachedAttribute",
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                static (syntax, _) => syntax.TargetSymbol.MetadataName);
            context.RegisterSourceOutput(names, static (_, _) => { });
        }
    }

    /// <summary>
    /// A re-run after an unrelated edit by a driver that tracks its steps: each step's outputs counted by why they are
    /// there (Cached: the step did not run for it; Unchanged: it ran and its output equals the previous run's).
    /// </summary>
    public IEnumerable<(string Step, IncrementalStepRunReason Reason, int Count)> RerunSteps()
    {
        GeneratorDriver tracked = CSharpGeneratorDriver.Create([new CachedMethodGenerator().AsSourceGenerator()], parseOptions: s_parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        tracked = tracked.RunGenerators(_compilation);
        UnrelatedEdit();
        var steps = tracked.RunGenerators(_next).GetRunResult().Results[0].TrackedSteps;
        return steps.SelectMany(step => step.Value.SelectMany(run => run.Outputs).Select(output => (step.Key, output.Reason)))
            .GroupBy(entry => entry)
            .OrderBy(group => group.Key.Key, StringComparer.Ordinal).ThenBy(group => group.Key.Reason)
            .Select(group => (group.Key.Key, group.Key.Reason, group.Count()));
    }

    private static GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create([new CachedMethodGenerator().AsSourceGenerator()], parseOptions: s_parseOptions);

    private static string ServiceSource(int index)
    {
        var text = new StringBuilder();
        text.Append("using System.Threading;\nusing System.Threading.Tasks;\nusing Cachka;\nnamespace Synthetic.Area").Append(index % 10).Append(";\n\n");
        text.Append("public sealed partial class Service").Append(index).Append("\n{\n    [CacheKey] public string Tenant { get; } = \"t\";\n");
        for (var m = 0; m < MethodsPerType; m++)
        {
            var returnType = (m % 3) switch { 0 => "string", 1 => "Task<string>", _ => "ValueTask<string>" };
            var body = (m % 3) switch { 0 => "\"v\" + id", 1 => "Task.FromResult(\"v\" + id)", _ => "new ValueTask<string>(\"v\" + id)" };
            text.Append("    [Cached(Ttl = ").Append(60 + m).Append(")] public partial ").Append(returnType).Append(" Get").Append(m)
                .Append("(int id, string name, CancellationToken ct = default);\n");
            text.Append("    private ").Append(returnType).Append(" Get").Append(m).Append("Core(int id, string name, CancellationToken ct) => ").Append(body).Append(";\n");
        }

        return text.Append("}\n").ToString();
    }

    private static string UnrelatedSource(int edit) => $"namespace Synthetic;\n\npublic static class Unrelated\n{{\n    public static int Value => {edit};\n}}\n";
}

using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Cachka.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cachka.Tests.Generators;

/// <summary>Runs the generator on source text the way the compiler does, with step tracking, against net10 reference assemblies.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    public static ImmutableArray<MetadataReference> References => s_references.Value;

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "Cachka.Generated.Tests",
            sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: "Input" + i + ".cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            [new CachedMethodGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Generates for <paramref name="sources"/>; the result holds the generated files and the compiled output's diagnostics.</summary>
    public static GeneratorResult Run(params string[] sources)
    {
        var compilation = Compile(sources);
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var run = driver.GetRunResult();
        var diagnostics = output.GetDiagnostics()
            .Concat(generatorDiagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToList();
        var files = run.Results.SelectMany(r => r.GeneratedSources)
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .Select(s => (s.HintName, Text: s.SourceText.ToString()))
            .ToList();
        return new GeneratorResult(files, diagnostics, output);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var referenceDirectory = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .Select(d => Path.Combine(d, "ref", "net10.0"))
                .Where(Directory.Exists)
                .OrderBy(d => d, StringComparer.Ordinal)
                .LastOrDefault()
            : null;
        var framework = referenceDirectory is not null
            ? Directory.GetFiles(referenceDirectory, "*.dll")
            : Directory.GetFiles(runtimeDirectory, "*.dll").Where(f => !f.Contains("Native", StringComparison.Ordinal)).ToArray();
        return [.. framework.Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)), MetadataReference.CreateFromFile(typeof(CachedAttribute).Assembly.Location)];
    }
}

/// <summary>What one generator run produced.</summary>
internal sealed record GeneratorResult(IReadOnlyList<(string HintName, string Text)> Files, IReadOnlyList<Diagnostic> Diagnostics, Compilation Output)
{
    /// <summary>Every generated file, each under a header with its hint name (the snapshot text).</summary>
    public string AllText => string.Concat(Files.Select(f => "// ---- " + f.HintName + " ----\n" + f.Text + "\n"));

    public string DiagnosticsText => string.Join("\n", Diagnostics.Select(d => d.ToString()));
}

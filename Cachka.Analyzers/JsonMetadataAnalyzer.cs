using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Analyzers;

/// <summary>
/// In a trimmed or Native AOT project (where System.Text.Json has no reflection), reports a <c>[Cached]</c>
/// method whose result has no JSON metadata: neither built into Cachka.Runtime nor described by a
/// <c>JsonSerializerContext</c> of the project that the generator registers (CACHKA017), or described only by
/// one it cannot register (CACHKA018). Silent in other projects: reflection serves them.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class JsonMetadataAnalyzer : DiagnosticAnalyzer
{
    private static readonly SymbolDisplayFormat s_fullyQualified = SymbolDisplayFormat.FullyQualifiedFormat;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ResultWithoutJsonMetadata,
        DiagnosticDescriptors.ResultInUnregistrableJsonContext);

    public override void Initialize(AnalysisContext context)
    {
        // See GeneratedCode: declarations in generated files are skipped by hand.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.Create(start.Compilation);
            if (known is null || !IsWithoutReflection(start.Options.AnalyzerConfigOptionsProvider.GlobalOptions))
            {
                return;
            }

            // The contexts are found once per compilation, on the first [Cached] method that needs them.
            var compilation = start.Compilation;
            var contexts = new Lazy<ImmutableArray<(INamedTypeSymbol Context, System.Collections.Generic.HashSet<ITypeSymbol> Covered)>>(
                () => JsonMetadataTypes.FindContexts(compilation, CancellationToken.None),
                LazyThreadSafetyMode.ExecutionAndPublication);
            start.RegisterSymbolAction(symbolContext => AnalyzeMethod(symbolContext, known, contexts), SymbolKind.Method);
        });
    }

    /// <summary>
    /// True for projects whose published form has no reflection-based JSON (the build properties the package's
    /// build props make visible to the compiler): PublishTrimmed, PublishAot, IsAotCompatible, or
    /// JsonSerializerIsReflectionEnabledByDefault=false.
    /// </summary>
    public static bool IsWithoutReflection(AnalyzerConfigOptions options) =>
        IsTrue(options, "build_property.PublishTrimmed")
        || IsTrue(options, "build_property.PublishAot")
        || IsTrue(options, "build_property.IsAotCompatible")
        || (options.TryGetValue("build_property.JsonSerializerIsReflectionEnabledByDefault", out var reflection)
            && string.Equals(reflection.Trim(), "false", StringComparison.OrdinalIgnoreCase));

    private static bool IsTrue(AnalyzerConfigOptions options, string name) =>
        options.TryGetValue(name, out var value) && string.Equals(value.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    private static void AnalyzeMethod(
        SymbolAnalysisContext context,
        KnownSymbols known,
        Lazy<ImmutableArray<(INamedTypeSymbol Context, System.Collections.Generic.HashSet<ITypeSymbol> Covered)>> contexts)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.PartialDefinitionPart is not null || method.IsGenericMethod || known.FindCached(method) is null)
        {
            return;
        }

        var cancellationToken = context.CancellationToken;
        var tree = method.Locations[0].SourceTree;
        if (tree is null || GeneratedCode.IsGenerated(tree, context.Options, cancellationToken))
        {
            return;
        }

        // CACHKA004 and CACHKA008 report results that cannot be cached or serialized at all.
        var valueType = ResultTypes.GetCachedValueType(method, out _);
        if (valueType is null || valueType.TypeKind is TypeKind.Error or TypeKind.TypeParameter
            || JsonMetadataTypes.IsBuiltIn(valueType) || JsonRoundTrip.FindProblem(valueType) is not null)
        {
            return;
        }

        INamedTypeSymbol? unregistrable = null;
        foreach (var (jsonContext, covered) in contexts.Value)
        {
            if (!covered.Contains(valueType))
            {
                continue;
            }

            if (JsonMetadataTypes.DescribeUnregistrable(jsonContext) is null)
            {
                return;
            }

            unregistrable ??= jsonContext;
        }

        var declaration = method.DeclaringSyntaxReferences.Length > 0
            ? method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) as MethodDeclarationSyntax
            : null;
        var location = declaration?.ReturnType.GetLocation() ?? method.Locations[0];
        var display = TypeFacts.Display(valueType);
        if (unregistrable is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.ResultInUnregistrableJsonContext,
                location,
                method.Name,
                display,
                TypeFacts.Display(unregistrable),
                JsonMetadataTypes.DescribeUnregistrable(unregistrable)));
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(DiagnosticDescriptors.JsonValueTypeProperty, valueType.ToDisplayString(s_fullyQualified));
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ResultWithoutJsonMetadata, location, properties, method.Name, display));
    }
}

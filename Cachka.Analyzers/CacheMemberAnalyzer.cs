using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Analyzers;

/// <summary>
/// Reports <c>[CacheKey]</c> fields and properties that cannot contribute to keys (or whose type has no
/// key form, or only a run-time one), and <c>[CacheSource]</c> members the generator would ignore.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CacheMemberAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.KeyTypeNotEncodable,
        DiagnosticDescriptors.KeyCheckedAtRunTime,
        DiagnosticDescriptors.CacheKeyMemberMisuse,
        DiagnosticDescriptors.CacheSourceIgnored);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.Create(start.Compilation);
            if (known is null || (known.CacheKey is null && known.CacheSource is null))
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => AnalyzeMember(symbolContext, known), SymbolKind.Field, SymbolKind.Property);
        });
    }

    private static void AnalyzeMember(SymbolAnalysisContext context, KnownSymbols known)
    {
        var member = context.Symbol;
        if (member.Locations.Length == 0)
        {
            return;
        }

        if (known.HasCacheKey(member))
        {
            AnalyzeCacheKey(context, known, member);
        }

        if (known.HasCacheSource(member))
        {
            AnalyzeCacheSource(context, known, member);
        }
    }

    private static void AnalyzeCacheKey(SymbolAnalysisContext context, KnownSymbols known, ISymbol member)
    {
        var location = member.Locations[0];
        var misuse = member switch
        {
            { IsStatic: true } => "it is static, and only instance members identify an instance",
            IPropertySymbol { IsIndexer: true } => "an indexer cannot be read without arguments",
            IPropertySymbol { GetMethod: null } => "the property has no getter",
            _ => null,
        };
        if (misuse is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CacheKeyMemberMisuse, location, member.Name, misuse));
            return;
        }

        var type = TypeOf(member);
        if (type.TypeKind == TypeKind.Error)
        {
            return;
        }

        var shape = KeyTypes.Shape(type, context.Compilation, out var whyNot, context.CancellationToken);
        if (shape is { CheckedAtRunTime: true })
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.KeyCheckedAtRunTime, location, "[CacheKey] member", member.Name, TypeFacts.Display(type), "remove [CacheKey] from it"));
        }
        else if (shape is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.KeyTypeNotEncodable,
                location,
                "[CacheKey] member",
                member.Name,
                TypeFacts.Display(type),
                whyNot,
                "every instance [Cached] method of '" + TypeFacts.Display(member.ContainingType) + "' that reads it calls its body every time",
                KeyTypes.DescribeFix(type, "remove [CacheKey] from it")));
        }
    }

    private static void AnalyzeCacheSource(SymbolAnalysisContext context, KnownSymbols known, ISymbol member)
    {
        string? problem = null;
        var type = TypeOf(member);
        if (member is IPropertySymbol { IsIndexer: true })
        {
            problem = "an indexer cannot be read without arguments";
        }
        else if (member is IPropertySymbol { GetMethod: null })
        {
            problem = "the property has no getter";
        }
        else if (type.TypeKind != TypeKind.Error && !known.IsCache(type))
        {
            problem = "its type '" + TypeFacts.Display(type) + "' is not a Cachka.ICache";
        }

        if (problem is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CacheSourceIgnored, member.Locations[0], member.Name, problem));
        }
    }

    private static ITypeSymbol TypeOf(ISymbol member) => member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
}

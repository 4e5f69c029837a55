using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Analyzers;

/// <summary>Reports <c>[CacheKey]</c> fields and properties that cannot contribute to keys, or only through the JSON fallback.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CacheKeyMemberAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.KeyTypeNotEncodable,
        DiagnosticDescriptors.CacheKeyMemberMisuse);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.Create(start.Compilation);
            if (known?.CacheKey is null)
            {
                return;
            }

            start.RegisterSymbolAction(symbolContext => AnalyzeMember(symbolContext, known), SymbolKind.Field, SymbolKind.Property);
        });
    }

    private static void AnalyzeMember(SymbolAnalysisContext context, KnownSymbols known)
    {
        var member = context.Symbol;
        if (!known.HasCacheKey(member) || member.Locations.Length == 0)
        {
            return;
        }

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

        var type = member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
        if (type.TypeKind != TypeKind.Error && !KeyTypes.IsEncodable(type, known))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.KeyTypeNotEncodable,
                location,
                "[CacheKey] member",
                member.Name,
                TypeFacts.Display(type),
                "remove [CacheKey] from it"));
        }
    }
}

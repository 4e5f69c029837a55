using System.Collections.Concurrent;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Analyzers;

/// <summary>
/// Facts about trees and types that every [Cached] method of a type would otherwise recompute (a type
/// with many cached methods also has one generated partial declaration per method). One per compilation.
/// </summary>
internal sealed class CompilationCaches(KnownSymbols known)
{
    private readonly ConcurrentDictionary<SyntaxTree, bool> _generatedTrees = new();
    private readonly ConcurrentDictionary<INamedTypeSymbol, bool> _partialTypes = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, bool> _typesWithKeys = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, ISymbol?> _instanceOnlySources = new(SymbolEqualityComparer.Default);

    public KnownSymbols Known { get; } = known;

    public bool IsGenerated(SyntaxTree tree, AnalyzerOptions options, CancellationToken cancellationToken) =>
        _generatedTrees.TryGetValue(tree, out var generated)
            ? generated
            : _generatedTrees.GetOrAdd(tree, GeneratedCode.IsGenerated(tree, options, cancellationToken));

    /// <summary>True when every declaration of the type has the 'partial' modifier.</summary>
    public bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (_partialTypes.TryGetValue(type, out var partial))
        {
            return partial;
        }

        partial = true;
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
                && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                partial = false;
                break;
            }
        }

        return _partialTypes.GetOrAdd(type, partial);
    }

    /// <summary>Whether the type has instance [CacheKey] members the generator reads (its own, and non-private ones of its bases).</summary>
    public bool HasCacheKeyMembers(INamedTypeSymbol type) =>
        _typesWithKeys.TryGetValue(type, out var has) ? has : _typesWithKeys.GetOrAdd(type, FindCacheKeyMembers(type));

    /// <summary>An instance [CacheSource] member when the type (with its bases) has no static one, which static methods need.</summary>
    public ISymbol? FindInstanceOnlyCacheSource(INamedTypeSymbol type) =>
        _instanceOnlySources.TryGetValue(type, out var source) ? source : _instanceOnlySources.GetOrAdd(type, FindInstanceOnlySource(type));

    private bool FindCacheKeyMembers(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                // The generator ignores private [CacheKey] members of base types (it cannot read them),
                // indexers and properties without a getter (CACHKA013), as it does here.
                if (member is IFieldSymbol or IPropertySymbol { IsIndexer: false, GetMethod: not null, ReturnsByRef: false } && !member.IsStatic && Known.HasCacheKey(member)
                    && (SymbolEqualityComparer.Default.Equals(current, type) || member.DeclaredAccessibility != Accessibility.Private))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private ISymbol? FindInstanceOnlySource(INamedTypeSymbol type)
    {
        if (Known.CacheSource is null)
        {
            return null;
        }

        ISymbol? instance = null;
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is not (IFieldSymbol or IPropertySymbol) || !Known.HasCacheSource(member))
                {
                    continue;
                }

                if (member.IsStatic)
                {
                    return null;
                }

                instance ??= member;
            }
        }

        return instance;
    }
}

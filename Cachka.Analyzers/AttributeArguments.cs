using System.Collections.Generic;
using System.Linq;
using Cachka.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Analyzers;

/// <summary>
/// Where an attribute's arguments are written, and the checks of tag templates shared by <c>[Cached(Tags = ...)]</c>
/// and <c>[InvalidatesTag]</c> (CACHKA020).
/// </summary>
internal static class AttributeArguments
{
    /// <summary>The expression of the named argument <paramref name="name"/>, or the attribute, or <paramref name="fallback"/>.</summary>
    public static Location Of(AttributeSyntax? attribute, string name, Location fallback)
    {
        if (attribute?.ArgumentList is { } arguments)
        {
            foreach (var argument in arguments.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return argument.Expression.GetLocation();
                }
            }
        }

        return attribute?.GetLocation() ?? fallback;
    }

    /// <summary>The string literals of the named argument <paramref name="name"/> (the elements of <c>Tags = [...]</c>), in order.</summary>
    public static List<LiteralExpressionSyntax> Strings(AttributeSyntax? attribute, string name)
    {
        if (attribute?.ArgumentList is { } arguments)
        {
            foreach (var argument in arguments.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return argument.Expression.DescendantNodesAndSelf().OfType<LiteralExpressionSyntax>().Where(static l => l.IsKind(SyntaxKind.StringLiteralExpression)).ToList();
                }
            }
        }

        return [];
    }

    /// <summary>
    /// What is wrong with a tag template (the end of CACHKA020's message), or null: its syntax, then each <c>{name}</c>
    /// through <paramref name="whyNotName"/> (null when the name is fine).
    /// </summary>
    public static string? DescribeTagProblem(string? template, System.Func<string, string?> whyNotName)
    {
        var pieces = TagTemplate.Parse(template, out var error);
        if (pieces is null)
        {
            return error;
        }

        foreach (var piece in pieces)
        {
            if (piece.IsName && whyNotName(piece.Text) is { } why)
            {
                return why;
            }
        }

        return null;
    }

    /// <summary>The readable instance [CacheKey] field or property named <paramref name="name"/> of the type or (non-private) its bases.</summary>
    public static ISymbol? FindCacheKeyMember(KnownSymbols known, INamedTypeSymbol type, string name, out ITypeSymbol? memberType)
    {
        memberType = null;
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers(name))
            {
                if (member.IsStatic || !known.HasCacheKey(member)
                    || (!SymbolEqualityComparer.Default.Equals(current, type) && member.DeclaredAccessibility == Accessibility.Private))
                {
                    continue;
                }

                memberType = member switch
                {
                    IFieldSymbol field => field.Type,
                    IPropertySymbol { IsIndexer: false, GetMethod: not null, ReturnsByRef: false } property => property.Type,
                    _ => null,
                };
                if (memberType is not null)
                {
                    return member;
                }
            }
        }

        return null;
    }

    /// <summary>The names a template may use, for the message: parameters that pass <paramref name="usable"/>, then [CacheKey] members when allowed.</summary>
    public static string Usable(IMethodSymbol method, System.Func<IParameterSymbol, bool> usable, KnownSymbols known, bool members)
    {
        var names = method.Parameters.Where(usable).Select(static p => p.Name).ToList();
        if (members)
        {
            for (INamedTypeSymbol? current = method.ContainingType; current is not null; current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    if (member is IFieldSymbol or IPropertySymbol && !member.IsStatic && known.HasCacheKey(member) && !names.Contains(member.Name))
                    {
                        names.Add(member.Name);
                    }
                }
            }
        }

        return names.Count == 0 ? "it has none" : "use one of: " + string.Join(", ", names);
    }
}

using System;
using Microsoft.CodeAnalysis;

namespace Cachka.Analyzers;

/// <summary>Name-based checks on framework types, so the analyzers need not resolve dozens of symbols per compilation.</summary>
internal static class TypeFacts
{
    public static readonly SymbolDisplayFormat DisplayFormat = SymbolDisplayFormat.CSharpShortErrorMessageFormat;

    public static string Display(ISymbol symbol) => symbol.ToDisplayString(DisplayFormat);

    /// <summary>True when <paramref name="type"/> is the named type (metadata name, e.g. <c>Task`1</c>) in the namespace.</summary>
    public static bool Is(ITypeSymbol? type, string containingNamespace, string metadataName) =>
        type is INamedTypeSymbol named
        && named.ContainingType is null
        && string.Equals(named.MetadataName, metadataName, StringComparison.Ordinal)
        && IsNamespace(named.ContainingNamespace, containingNamespace);

    /// <summary>True when the type is or derives from the named class.</summary>
    public static bool IsOrDerivesFrom(ITypeSymbol type, string containingNamespace, string metadataName)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (Is(current, containingNamespace, metadataName))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the type is or implements the named interface.</summary>
    public static bool IsOrImplements(ITypeSymbol type, string containingNamespace, string metadataName)
    {
        if (Is(type, containingNamespace, metadataName))
        {
            return true;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (Is(implemented, containingNamespace, metadataName))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsNullable(ITypeSymbol type, out ITypeSymbol underlying)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } named)
        {
            underlying = named.TypeArguments[0];
            return true;
        }

        underlying = type;
        return false;
    }

    public static bool IsTaskLike(ITypeSymbol type) =>
        Is(type, "System.Threading.Tasks", "Task")
        || Is(type, "System.Threading.Tasks", "Task`1")
        || Is(type, "System.Threading.Tasks", "ValueTask")
        || Is(type, "System.Threading.Tasks", "ValueTask`1");

    /// <summary>True when the type has an accessible parameterless instance GetAwaiter method (an awaitable).</summary>
    public static bool HasGetAwaiter(ITypeSymbol type)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers("GetAwaiter"))
            {
                if (member is IMethodSymbol { IsStatic: false, Parameters.Length: 0, DeclaredAccessibility: Accessibility.Public })
                {
                    return true;
                }
            }
        }

        return false;
    }

    public static bool HasAttribute(ISymbol symbol, string containingNamespace, string metadataName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (Is(attribute.AttributeClass, containingNamespace, metadataName))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNamespace(INamespaceSymbol? symbol, string name)
    {
        // Walk the dotted name from its end, matching one namespace segment at a time.
        var end = name.Length;
        while (symbol is { IsGlobalNamespace: false })
        {
            if (end <= 0)
            {
                return false;
            }

            var dot = name.LastIndexOf('.', end - 1);
            var start = dot + 1;
            if (symbol.Name.Length != end - start || string.CompareOrdinal(symbol.Name, 0, name, start, end - start) != 0)
            {
                return false;
            }

            end = dot;
            symbol = symbol.ContainingNamespace;
        }

        return end == -1 || (end == 0 && name.Length == 0);
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Cachka.Analyzers;

/// <summary>
/// Which types have JSON metadata without reflection: those Cachka.Runtime builds in (its
/// <c>JsonMetadataBuiltIns</c> context; a test checks that both lists agree), and those the
/// <c>JsonSerializerContext</c>s declared in the compilation describe (their <c>[JsonSerializable]</c> types and
/// what the JSON source generator reaches from them: property types, element and type arguments).
/// </summary>
internal static class JsonMetadataTypes
{
    private const string SystemTextJsonSerialization = "System.Text.Json.Serialization";
    private const int MaxDepth = 8;

    /// <summary>
    /// The scalar types the runtime covers, with their nullables, arrays and <c>List&lt;T&gt;</c>; plus
    /// <c>string</c>, <c>byte[]</c> and their arrays/lists (<see cref="IsBuiltIn"/>).
    /// </summary>
    public static readonly ImmutableArray<string> BuiltInScalars = ImmutableArray.Create(
        "System.Boolean", "System.Char", "System.Byte", "System.SByte", "System.Int16", "System.UInt16",
        "System.Int32", "System.UInt32", "System.Int64", "System.UInt64", "System.Int128", "System.UInt128",
        "System.Half", "System.Single", "System.Double", "System.Decimal", "System.Guid", "System.DateTime",
        "System.DateTimeOffset", "System.DateOnly", "System.TimeOnly", "System.TimeSpan");

    /// <summary>True when Cachka.Runtime's built-in metadata covers the type.</summary>
    public static bool IsBuiltIn(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_String || IsByteArray(type))
        {
            return true;
        }

        if (IsScalar(type) || (TypeFacts.IsNullable(type, out var underlying) && IsScalar(underlying)))
        {
            return true;
        }

        var element = type switch
        {
            IArrayTypeSymbol { IsSZArray: true } array => array.ElementType,
            INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } list
                when TypeFacts.Is(list, "System.Collections.Generic", "List`1") => list.TypeArguments[0],
            _ => null,
        };
        return element is not null
            && (element.SpecialType == SpecialType.System_String || IsByteArray(element) || IsScalar(element));
    }

    private static bool IsByteArray(ITypeSymbol type) =>
        type is IArrayTypeSymbol { IsSZArray: true, ElementType.SpecialType: SpecialType.System_Byte };

    private static bool IsScalar(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol { IsGenericType: false, TypeKind: TypeKind.Struct } named || !IsNamespace(named.ContainingNamespace, "System"))
        {
            return false;
        }

        foreach (var name in BuiltInScalars)
        {
            if (name.Length == named.Name.Length + "System.".Length && name.EndsWith(named.Name, System.StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNamespace(INamespaceSymbol? symbol, string name) =>
        symbol is { Name: var n, ContainingNamespace.IsGlobalNamespace: true } && n == name;

    /// <summary>Whether the type derives from System.Text.Json's <c>JsonSerializerContext</c>.</summary>
    public static bool IsJsonContext(INamedTypeSymbol type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (TypeFacts.Is(current, SystemTextJsonSerialization, "JsonSerializerContext"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Why the generator cannot register the context (its module initializer must name it from anywhere in the
    /// assembly), or null when it can. Must agree with Cachka.Generators' JsonContextParser.IsRegistrable.
    /// </summary>
    public static string? DescribeUnregistrable(INamedTypeSymbol context)
    {
        for (var current = context; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType)
            {
                return "'" + current.Name + "' is generic";
            }

            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return "'" + current.Name + "' is " + SyntaxFacts(current.DeclaredAccessibility);
            }
        }

        return null;
    }

    private static string SyntaxFacts(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "not accessible",
    };

    /// <summary>The contexts declared in the compilation, each with every type its metadata covers.</summary>
    public static ImmutableArray<(INamedTypeSymbol Context, HashSet<ITypeSymbol> Covered)> FindContexts(Compilation compilation, CancellationToken cancellationToken)
    {
        var contexts = ImmutableArray.CreateBuilder<(INamedTypeSymbol, HashSet<ITypeSymbol>)>();
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(compilation.Assembly.GlobalNamespace);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = pending.Pop();
            if (current is INamespaceSymbol ns)
            {
                foreach (var member in ns.GetMembers())
                {
                    pending.Push(member);
                }

                continue;
            }

            var type = (INamedTypeSymbol)current;
            foreach (var nested in type.GetTypeMembers())
            {
                pending.Push(nested);
            }

            if (type.TypeKind == TypeKind.Class && IsJsonContext(type))
            {
                var covered = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
                foreach (var attribute in type.GetAttributes())
                {
                    if (TypeFacts.Is(attribute.AttributeClass, SystemTextJsonSerialization, "JsonSerializableAttribute")
                        && attribute.ConstructorArguments.Length == 1
                        && attribute.ConstructorArguments[0].Value is ITypeSymbol root)
                    {
                        AddReachable(root, covered, 0);
                    }
                }

                contexts.Add((type, covered));
            }
        }

        return contexts.ToImmutable();
    }

    // What the JSON source generator emits metadata for, starting from a [JsonSerializable] type. It may emit more
    // (an analyzer that misses some only asks for an attribute the context does not need).
    private static void AddReachable(ITypeSymbol type, HashSet<ITypeSymbol> covered, int depth)
    {
        if (depth > MaxDepth || type.TypeKind is TypeKind.Error or TypeKind.TypeParameter || !covered.Add(type))
        {
            return;
        }

        switch (type)
        {
            case IArrayTypeSymbol array:
                AddReachable(array.ElementType, covered, depth + 1);
                return;
            case INamedTypeSymbol named:
                foreach (var argument in named.TypeArguments)
                {
                    AddReachable(argument, covered, depth + 1);
                }

                if (named.SpecialType != SpecialType.None || named.TypeKind is not (TypeKind.Class or TypeKind.Struct))
                {
                    return;
                }

                for (var current = named; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
                {
                    foreach (var member in current.GetMembers())
                    {
                        if (member is IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public, GetMethod: not null } property)
                        {
                            AddReachable(property.Type, covered, depth + 1);
                        }
                    }
                }

                return;
        }
    }
}

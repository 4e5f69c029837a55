using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Cachka.Analyzers;

/// <summary>
/// Finds the first part of a cached value's type that System.Text.Json (with default options, the
/// runtime's L2/L3 serializer) cannot round-trip (CACHKA008). Types declared in source are followed
/// through their public properties; types from references are trusted unless known to fail.
/// </summary>
internal static class JsonRoundTrip
{
    private const int MaxDepth = 6;
    private const string SystemTextJsonSerialization = "System.Text.Json.Serialization";

    /// <summary>A short description of the problem, or null when the type round-trips.</summary>
    public static string? FindProblem(ITypeSymbol type)
    {
        var visited = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        var visitedWriteOnly = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        return Check(type, path: null, new Visited(visited, visitedWriteOnly), depth: 0, writeOnly: false);
    }

    // writeOnly: the value is serialized but never read back (a get-only property no constructor sets),
    // so only types that fail to be written matter.
    private static string? Check(ITypeSymbol type, string? path, Visited visited, int depth, bool writeOnly)
    {
        if (depth > MaxDepth || type.TypeKind is TypeKind.TypeParameter or TypeKind.Error
            || !(writeOnly ? visited.WriteOnly : visited.ReadBack).Add(type))
        {
            return null;
        }

        if (IsJsonDocumentType(type))
        {
            return null;
        }

        var problem = DescribeUnsupported(type, writeOnly);
        if (problem is not null)
        {
            return path is null ? problem : problem + " in '" + path + "'";
        }

        if (HasCustomConverter(type))
        {
            return null;
        }

        if (type is IArrayTypeSymbol array)
        {
            return array.IsSZArray
                ? Check(array.ElementType, path, visited, depth + 1, writeOnly)
                : writeOnly ? null : Describe("the multi-dimensional array '", type, "'", path);
        }

        if (type is not INamedTypeSymbol named || type.SpecialType != SpecialType.None || type.TypeKind == TypeKind.Enum)
        {
            return null;
        }

        if (named.IsGenericType)
        {
            if (!writeOnly && IsDictionary(named) && !IsSupportedDictionaryKey(named.TypeArguments[0]))
            {
                return Describe("the dictionary key type '", named.TypeArguments[0], "'", path);
            }

            foreach (var argument in named.TypeArguments)
            {
                var inner = Check(argument, path, visited, depth + 1, writeOnly);
                if (inner is not null)
                {
                    return inner;
                }
            }
        }

        return IsDeclaredInSource(named) ? CheckMembers(named, visited, depth, writeOnly) : null;
    }

    private static string? DescribeUnsupported(ITypeSymbol type, bool writeOnly)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                return "the pointer '" + TypeFacts.Display(type) + "' cannot be serialized";
            case TypeKind.Delegate:
                return "the delegate '" + TypeFacts.Display(type) + "' cannot be serialized";
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return "'" + TypeFacts.Display(type) + "' is not supported by System.Text.Json";
        }

        if (TypeFacts.IsTaskLike(type))
        {
            return "the task '" + TypeFacts.Display(type) + "' nested in the result cannot be serialized";
        }

        if (TypeFacts.IsOrDerivesFrom(type, "System.IO", "Stream"))
        {
            return "the stream '" + TypeFacts.Display(type) + "' cannot be serialized";
        }

        if (TypeFacts.IsOrDerivesFrom(type, "System.Reflection", "MemberInfo"))
        {
            return "'" + TypeFacts.Display(type) + "' (reflection) is not supported by System.Text.Json";
        }

        // What follows is written fine but cannot be read back as the same value.
        if (writeOnly)
        {
            return null;
        }

        if (type.TypeKind == TypeKind.Dynamic)
        {
            return "'dynamic' comes back as a JsonElement";
        }

        if (type.SpecialType == SpecialType.System_Object)
        {
            return "'object' comes back as a JsonElement";
        }

        if (type is INamedTypeSymbol { IsTupleType: true } && type.IsValueType)
        {
            return "the value tuple '" + TypeFacts.Display(type) + "' is stored empty (its items are fields, which System.Text.Json ignores)";
        }

        if (type.TypeKind == TypeKind.Interface && !IsDeserializableInterface(type) && !IsPolymorphic(type) && !HasCustomConverter(type))
        {
            return "the interface '" + TypeFacts.Display(type) + "' cannot be instantiated when reading";
        }

        if (type.TypeKind == TypeKind.Class && type.IsAbstract && !IsPolymorphic(type) && !HasCustomConverter(type))
        {
            return "the abstract class '" + TypeFacts.Display(type) + "' cannot be instantiated when reading";
        }

        return null;
    }

    private static string? CheckMembers(INamedTypeSymbol type, Visited visited, int depth, bool writeOnly)
    {
        foreach (var member in type.GetMembers())
        {
            if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public || member.IsImplicitlyDeclared
                || TypeFacts.HasAttribute(member, SystemTextJsonSerialization, "JsonIgnoreAttribute")
                || TypeFacts.HasAttribute(member, SystemTextJsonSerialization, "JsonConverterAttribute"))
            {
                continue;
            }

            var memberPath = type.Name + "." + member.Name;
            ITypeSymbol memberType;
            var memberWriteOnly = writeOnly;
            switch (member)
            {
                case IPropertySymbol { IsIndexer: false, GetMethod.DeclaredAccessibility: Accessibility.Public } property:
                    memberType = property.Type;
                    memberWriteOnly |= property.SetMethod is null && !IsConstructorParameter(type, property.Name);
                    break;
                case IFieldSymbol { IsConst: false, AssociatedSymbol: null } field:
                    if (!writeOnly && !TypeFacts.HasAttribute(field, SystemTextJsonSerialization, "JsonIncludeAttribute"))
                    {
                        return "'" + memberPath + "' is a field, which System.Text.Json ignores unless it is marked [JsonInclude]";
                    }

                    memberType = field.Type;
                    break;
                default:
                    continue;
            }

            var problem = Check(memberType, memberPath, visited, depth + 1, memberWriteOnly);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    // System.Text.Json reads a get-only property back through a public constructor parameter of the same name.
    private static bool IsConstructorParameter(INamedTypeSymbol type, string propertyName)
    {
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            foreach (var parameter in constructor.Parameters)
            {
                if (string.Equals(parameter.Name, propertyName, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string Describe(string prefix, ITypeSymbol type, string suffix, string? path) =>
        prefix + TypeFacts.Display(type) + suffix + " is not supported by System.Text.Json" + (path is null ? string.Empty : " in '" + path + "'");

    private static bool IsDeserializableInterface(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        if (named.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic")
        {
            switch (named.MetadataName)
            {
                case "IEnumerable`1":
                case "ICollection`1":
                case "IList`1":
                case "IReadOnlyCollection`1":
                case "IReadOnlyList`1":
                case "ISet`1":
                case "IReadOnlySet`1":
                case "IDictionary`2":
                case "IReadOnlyDictionary`2":
                    return true;
            }
        }

        return TypeFacts.Is(type, "System.Collections.Immutable", "IImmutableList`1")
            || TypeFacts.Is(type, "System.Collections.Immutable", "IImmutableSet`1")
            || TypeFacts.Is(type, "System.Collections.Immutable", "IImmutableDictionary`2")
            || TypeFacts.Is(type, "System.Collections.Immutable", "IImmutableQueue`1")
            || TypeFacts.Is(type, "System.Collections.Immutable", "IImmutableStack`1");
    }

    private static bool IsDictionary(INamedTypeSymbol type) =>
        type.TypeArguments.Length == 2
        && (TypeFacts.IsOrImplements(type, "System.Collections.Generic", "IDictionary`2")
            || TypeFacts.IsOrImplements(type, "System.Collections.Generic", "IReadOnlyDictionary`2"));

    // The key types System.Text.Json can write as property names and read back.
    private static bool IsSupportedDictionaryKey(ITypeSymbol key)
    {
        if (key.TypeKind is TypeKind.Enum or TypeKind.TypeParameter or TypeKind.Error || HasCustomConverter(key))
        {
            return true;
        }

        switch (key.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Char:
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
            case SpecialType.System_String:
            case SpecialType.System_DateTime:
                return true;
        }

        return TypeFacts.Is(key, "System", "Guid")
            || TypeFacts.Is(key, "System", "DateTimeOffset")
            || TypeFacts.Is(key, "System", "DateOnly")
            || TypeFacts.Is(key, "System", "TimeOnly")
            || TypeFacts.Is(key, "System", "TimeSpan")
            || TypeFacts.Is(key, "System", "Int128")
            || TypeFacts.Is(key, "System", "UInt128")
            || TypeFacts.Is(key, "System", "Half")
            || TypeFacts.Is(key, "System", "Uri")
            || TypeFacts.Is(key, "System", "Version");
    }

    // JsonElement, JsonDocument, JsonNode and friends are System.Text.Json's own document types.
    private static bool IsJsonDocumentType(ITypeSymbol type)
    {
        var ns = type.ContainingNamespace?.ToDisplayString();
        return ns is "System.Text.Json" or "System.Text.Json.Nodes";
    }

    private static bool IsPolymorphic(ITypeSymbol type) =>
        TypeFacts.HasAttribute(type, SystemTextJsonSerialization, "JsonDerivedTypeAttribute")
        || TypeFacts.HasAttribute(type, SystemTextJsonSerialization, "JsonPolymorphicAttribute");

    private static bool HasCustomConverter(ITypeSymbol type) =>
        TypeFacts.HasAttribute(type, SystemTextJsonSerialization, "JsonConverterAttribute");

    private static bool IsDeclaredInSource(INamedTypeSymbol type)
    {
        foreach (var location in type.Locations)
        {
            if (location.IsInSource)
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Visited(HashSet<ITypeSymbol> readBack, HashSet<ITypeSymbol> writeOnly)
    {
        public HashSet<ITypeSymbol> ReadBack { get; } = readBack;

        public HashSet<ITypeSymbol> WriteOnly { get; } = writeOnly;
    }
}

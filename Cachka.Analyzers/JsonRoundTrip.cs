using System;
using System.Collections.Generic;
using Cachka.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Analyzers;

/// <summary>
/// Finds the first part of a cached value's type that the runtime's L2/L3 serializer (System.Text.Json as
/// <c>JsonCacheSerializer.Default</c> configures it) would not round-trip exactly (CACHKA008). It applies the rules the
/// runtime applies before the first write of a type (<see cref="FidelityRules"/>, shared with Cachka.Runtime), so a
/// [Cached] result type the analyzer accepts is stored, and one it reports is refused by the layers. Types declared in
/// source are followed through their state (fields, auto-properties, constructors); types from references are trusted
/// unless a rule names them (reference assemblies do not show private state).
/// </summary>
internal static class JsonRoundTrip
{
    private const int MaxDepth = 8;
    private const string SystemTextJsonSerialization = "System.Text.Json.Serialization";

    /// <summary>The rule the type breaks and how, or null when it round-trips.</summary>
    public static FidelityProblem? FindProblem(ITypeSymbol type)
    {
        var visited = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        var visitedWriteOnly = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        return Check(type, path: null, new Visited(visited, visitedWriteOnly), depth: 0, writeOnly: false);
    }

    // writeOnly: the value is serialized but never read back (a get-only property no constructor sets),
    // so only types that fail to be written matter.
    private static FidelityProblem? Check(ITypeSymbol type, string? path, Visited visited, int depth, bool writeOnly)
    {
        if (depth > MaxDepth || type.TypeKind is TypeKind.TypeParameter or TypeKind.Error
            || !(writeOnly ? visited.WriteOnly : visited.ReadBack).Add(type))
        {
            return null;
        }

        if (TypeFacts.IsNullable(type, out var underlying))
        {
            return Check(underlying, path, visited, depth + 1, writeOnly);
        }

        if (IsUnsupported(type))
        {
            return Fail(FidelityRule.UnsupportedType, "'" + TypeFacts.Display(type) + "' cannot be serialized", path);
        }

        if (writeOnly || IsJsonDocumentType(type))
        {
            return null; // what follows is written fine but may not be read back as the same value
        }

        if (type.TypeKind == TypeKind.Dynamic || type.SpecialType == SpecialType.System_Object)
        {
            return Fail(FidelityRule.UntypedValue, "'" + TypeFacts.Display(type) + "' comes back as a JsonElement", path);
        }

        if (IsReversing(type))
        {
            return Fail(FidelityRule.ReversedOrder, "'" + TypeFacts.Display(type) + "' is read back in reverse order", path);
        }

        if (HasCustomConverter(type))
        {
            return null;
        }

        if (type is IArrayTypeSymbol array)
        {
            return array.IsSZArray
                ? Check(array.ElementType, path, visited, depth + 1, writeOnly)
                : Fail(FidelityRule.UnsupportedType, "the multi-dimensional array '" + TypeFacts.Display(type) + "' is not supported", path);
        }

        if (type.SpecialType == SpecialType.System_Collections_IEnumerable
            || (type is INamedTypeSymbol { SpecialType: SpecialType.None } collection && IsCollection(collection)
                && !TypeFacts.IsOrImplements(collection, "System.Collections.Generic", "IEnumerable`1")))
        {
            return Fail(FidelityRule.UntypedValue, "the items of the non-generic collection '" + TypeFacts.Display(type) + "' come back as JsonElement", path);
        }

        if (type is not INamedTypeSymbol named || type.SpecialType != SpecialType.None || type.TypeKind == TypeKind.Enum)
        {
            return null;
        }

        if (IsPolymorphic(named))
        {
            foreach (var derived in DerivedTypes(named))
            {
                var inner = Check(derived, path, visited, depth + 1, writeOnly);
                if (inner is not null)
                {
                    return inner;
                }
            }
        }
        else if (type.TypeKind == TypeKind.Interface && !IsDeserializableInterface(type))
        {
            return Fail(FidelityRule.NotInstantiable, "the interface '" + TypeFacts.Display(type) + "' cannot be created when reading", path);
        }
        else if (type.TypeKind == TypeKind.Class && type.IsAbstract)
        {
            return Fail(FidelityRule.NotInstantiable, "the abstract class '" + TypeFacts.Display(type) + "' cannot be created when reading", path);
        }

        if (named.IsGenericType)
        {
            if (IsDictionary(named) && !IsSupportedDictionaryKey(named.TypeArguments[0]))
            {
                return Fail(FidelityRule.UnsupportedDictionaryKey, "the dictionary key type '" + TypeFacts.Display(named.TypeArguments[0]) + "' cannot be a JSON property name", path);
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

        if (!IsDeclaredInSource(named) || named.TypeKind == TypeKind.Interface || (named.IsAbstract && IsPolymorphic(named)))
        {
            return null;
        }

        return IsCollection(named) ? CheckCollectionState(named, path) : CheckMembers(named, visited, depth);
    }

    // The converter of a collection writes its items only: fields of the application's own collection type are lost.
    private static FidelityProblem? CheckCollectionState(INamedTypeSymbol type, string? path)
    {
        for (var current = type; current is not null && IsDeclaredInSource(current); current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IFieldSymbol { IsStatic: false, IsConst: false } field)
                {
                    return Fail(FidelityRule.UnreadState, "the collection '" + TypeFacts.Display(type) + "' keeps state beyond its items in '" + FieldName(field) + "'", path);
                }

                if (member is IPropertySymbol { IsStatic: false } property && IsAutoProperty(property))
                {
                    return Fail(FidelityRule.UnreadState, "the collection '" + TypeFacts.Display(type) + "' keeps state beyond its items in '" + current.Name + "." + property.Name + "'", path);
                }
            }
        }

        return null;
    }

    // Every piece of state (an instance field, an auto-property, a captured primary constructor parameter), in the
    // type and its base types declared in source, must be a JSON member that is written and read back.
    private static FidelityProblem? CheckMembers(INamedTypeSymbol type, Visited visited, int depth)
    {
        var constructor = DeserializationConstructor(type);
        if (type.TypeKind == TypeKind.Class && constructor is null)
        {
            return Fail(FidelityRule.NotInstantiable, "'" + TypeFacts.Display(type) + "' has no constructor System.Text.Json can use", null);
        }

        var members = JsonMembers(type);
        for (var current = type; current is not null && IsDeclaredInSource(current); current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member.IsStatic)
                {
                    continue;
                }

                string? problem = null;
                switch (member)
                {
                    case IFieldSymbol { IsConst: false, IsImplicitlyDeclared: false } field:
                        problem = Covered(type, members, constructor, field.Name, isProperty: false);
                        break;
                    case IPropertySymbol { IsIndexer: false } property when IsAutoProperty(property):
                        problem = Covered(type, members, constructor, property.Name, isProperty: true);
                        break;
                }

                if (problem is not null)
                {
                    return Fail(FidelityRule.UnreadState, problem, null);
                }
            }

            foreach (var parameter in PrimaryConstructorParameters(current))
            {
                if (!HasMemberNamed(members, parameter.Name))
                {
                    return Fail(FidelityRule.UnreadState, "the captured constructor parameter '" + parameter.Name + "' of '" + TypeFacts.Display(current) + "' is not written and read back by System.Text.Json", null);
                }
            }
        }

        foreach (var member in members)
        {
            var memberPath = type.Name + "." + member.Symbol.Name;
            var problem = member.HasConverter ? null : Check(member.Type, memberPath, visited, depth + 1, writeOnly: !IsReadBack(member, constructor));
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Covered(INamedTypeSymbol type, List<JsonMember> members, IMethodSymbol? constructor, string stateName, bool isProperty)
    {
        foreach (var member in members)
        {
            if (isProperty ? member.Symbol.Name == stateName : (member.Symbol.Name == stateName || FidelityRules.IsStorageOf(stateName, member.Symbol.Name)))
            {
                return IsReadBack(member, constructor)
                    ? null
                    : "'" + TypeFacts.Display(type) + "." + member.Symbol.Name + "' is written but never read back (no public setter or init accessor, no constructor parameter of the same name)";
            }
        }

        return (isProperty ? "'" + TypeFacts.Display(type) + "." + stateName + "'" : "the field '" + TypeFacts.Display(type) + "." + stateName + "'")
            + " is not written and read back by System.Text.Json";
    }

    private static bool IsReadBack(JsonMember member, IMethodSymbol? constructor)
    {
        if (member.CanSet)
        {
            return true;
        }

        if (constructor is null)
        {
            return false;
        }

        foreach (var parameter in constructor.Parameters)
        {
            if (string.Equals(parameter.Name, member.Symbol.Name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // What System.Text.Json serializes: public properties with a public getter and public fields (fields are included
    // by the runtime's options), plus non-public ones marked [JsonInclude]; never [JsonIgnore]d ones. Inherited included.
    private static List<JsonMember> JsonMembers(INamedTypeSymbol type)
    {
        var members = new List<JsonMember>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ITypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object && current.SpecialType != SpecialType.System_ValueType; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member.IsStatic || member.IsImplicitlyDeclared && member is not IPropertySymbol || !names.Add(member.Name)
                    || TypeFacts.HasAttribute(member, SystemTextJsonSerialization, "JsonIgnoreAttribute"))
                {
                    continue;
                }

                var included = TypeFacts.HasAttribute(member, SystemTextJsonSerialization, "JsonIncludeAttribute");
                var converter = TypeFacts.HasAttribute(member, SystemTextJsonSerialization, "JsonConverterAttribute");
                switch (member)
                {
                    case IPropertySymbol { IsIndexer: false } property
                        when property.GetMethod is not null && (included || (member.DeclaredAccessibility == Accessibility.Public && property.GetMethod.DeclaredAccessibility == Accessibility.Public)):
                        var canSet = property.SetMethod is not null && (included || property.SetMethod.DeclaredAccessibility == Accessibility.Public);
                        members.Add(new JsonMember(property, property.Type, canSet, converter));
                        break;
                    case IFieldSymbol { IsConst: false, AssociatedSymbol: null } field
                        when included || member.DeclaredAccessibility == Accessibility.Public:
                        members.Add(new JsonMember(field, field.Type, !field.IsReadOnly, converter));
                        break;
                }
            }
        }

        return members;
    }

    private static bool HasMemberNamed(List<JsonMember> members, string name)
    {
        foreach (var member in members)
        {
            if (string.Equals(member.Symbol.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // As System.Text.Json picks it: the [JsonConstructor] one, else the public parameterless one, else (for a class)
    // the only public one. A struct without [JsonConstructor] is created empty (its parameterless constructor).
    private static IMethodSymbol? DeserializationConstructor(INamedTypeSymbol type)
    {
        IMethodSymbol? parameterless = null;
        IMethodSymbol? single = null;
        var publicCount = 0;
        foreach (var constructor in type.InstanceConstructors)
        {
            if (TypeFacts.HasAttribute(constructor, SystemTextJsonSerialization, "JsonConstructorAttribute"))
            {
                return constructor;
            }

            if (constructor.DeclaredAccessibility != Accessibility.Public || (type.IsValueType && constructor.IsImplicitlyDeclared))
            {
                continue;
            }

            publicCount++;
            if (constructor.Parameters.Length == 0)
            {
                parameterless = constructor;
            }
            else
            {
                single = constructor;
            }
        }

        return parameterless ?? (publicCount == 1 && !type.IsValueType ? single : null);
    }

    private static IEnumerable<IParameterSymbol> PrimaryConstructorParameters(INamedTypeSymbol type)
    {
        if (type.IsRecord)
        {
            yield break; // a record's positional parameters are its properties
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is TypeDeclarationSyntax { ParameterList: { } list })
            {
                foreach (var constructor in type.InstanceConstructors)
                {
                    if (constructor.Parameters.Length == list.Parameters.Count && !constructor.IsImplicitlyDeclared
                        && constructor.DeclaringSyntaxReferences.Length > 0 && constructor.DeclaringSyntaxReferences[0].GetSyntax() is TypeDeclarationSyntax)
                    {
                        foreach (var parameter in constructor.Parameters)
                        {
                            yield return parameter;
                        }
                    }
                }
            }
        }
    }

    private static bool IsAutoProperty(IPropertySymbol property)
    {
        foreach (var reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessors })
            {
                foreach (var accessor in accessors.Accessors)
                {
                    if (accessor.Body is not null || accessor.ExpressionBody is not null)
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        return false;
    }

    private static string FieldName(IFieldSymbol field) => field.ContainingType.Name + "." + field.Name;

    private static FidelityProblem Fail(FidelityRule rule, string detail, string? path) =>
        new(rule, path is null ? detail : detail + " in '" + path + "'");

    private static bool IsUnsupported(ITypeSymbol type)
    {
        if (type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer || type.IsRefLikeType)
        {
            return true;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            var definition = current is INamedTypeSymbol named ? named.OriginalDefinition : current;
            if (definition.ContainingType is null && FidelityRules.IsUnsupportedBase(definition.ContainingNamespace?.ToDisplayString(), definition.MetadataName))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsReversing(ITypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.ContainingType is null && FidelityRules.IsReversingCollection(current.ContainingNamespace?.ToDisplayString(), current.MetadataName))
            {
                return true;
            }
        }

        return type.TypeKind == TypeKind.Interface
            && FidelityRules.IsReversingCollection(type.ContainingNamespace?.ToDisplayString(), type.MetadataName);
    }

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
            || TypeFacts.Is(type, "System.Collections.Immutable", "IImmutableQueue`1");
    }

    private static bool IsCollection(INamedTypeSymbol type) =>
        type.SpecialType != SpecialType.System_String && TypeFacts.IsOrImplements(type, "System.Collections", "IEnumerable");

    private static bool IsDictionary(INamedTypeSymbol type) =>
        type.TypeArguments.Length == 2
        && (TypeFacts.IsOrImplements(type, "System.Collections.Generic", "IDictionary`2")
            || TypeFacts.IsOrImplements(type, "System.Collections.Generic", "IReadOnlyDictionary`2"));

    private static bool IsSupportedDictionaryKey(ITypeSymbol key)
    {
        if (TypeFacts.IsNullable(key, out var underlying))
        {
            key = underlying;
        }

        return key.TypeKind is TypeKind.Enum or TypeKind.TypeParameter or TypeKind.Error
            || key.SpecialType == SpecialType.System_Object
            || HasCustomConverter(key)
            || (key.ContainingType is null && FidelityRules.IsSupportedDictionaryKey(key.ContainingNamespace?.ToDisplayString(), key.MetadataName));
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

    private static IEnumerable<ITypeSymbol> DerivedTypes(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (TypeFacts.Is(attribute.AttributeClass, SystemTextJsonSerialization, "JsonDerivedTypeAttribute")
                && attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is ITypeSymbol derived
                && !SymbolEqualityComparer.Default.Equals(derived, type))
            {
                yield return derived;
            }
        }
    }

    private static bool HasCustomConverter(ITypeSymbol type) =>
        TypeFacts.HasAttribute(type, SystemTextJsonSerialization, "JsonConverterAttribute");

    private static bool IsDeclaredInSource(ITypeSymbol type)
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

    private sealed class JsonMember(ISymbol symbol, ITypeSymbol type, bool canSet, bool hasConverter)
    {
        public ISymbol Symbol { get; } = symbol;

        public ITypeSymbol Type { get; } = type;

        public bool CanSet { get; } = canSet;

        public bool HasConverter { get; } = hasConverter;
    }

    private sealed class Visited(HashSet<ITypeSymbol> readBack, HashSet<ITypeSymbol> writeOnly)
    {
        public HashSet<ITypeSymbol> ReadBack { get; } = readBack;

        public HashSet<ITypeSymbol> WriteOnly { get; } = writeOnly;
    }
}

/// <summary>A rule of <see cref="FidelityRules"/> a type breaks, and where.</summary>
internal sealed class FidelityProblem(FidelityRule rule, string detail)
{
    public FidelityRule Rule { get; } = rule;

    public string Detail { get; } = detail;
}

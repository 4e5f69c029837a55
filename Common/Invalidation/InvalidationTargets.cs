using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Cachka.CodeAnalysis;

/// <summary>Why an <c>[InvalidatesCached]</c> method cannot build its target's key (CACHKA021-024).</summary>
internal enum TargetProblem
{
    None,

    /// <summary>No <c>[Cached]</c> method of the type has the name (CACHKA021).</summary>
    NotFound,

    /// <summary>Several <c>[Cached]</c> overloads have the name and not exactly one of them matches (CACHKA022).</summary>
    Ambiguous,

    /// <summary>A key parameter of the target has no parameter of its name here, or the key needs the instance (CACHKA023).</summary>
    Missing,

    /// <summary>A parameter of the same name has another type (CACHKA024).</summary>
    TypeDiffers,
}

/// <summary>The outcome of resolving an <c>[InvalidatesCached]</c> target: the method, or the problem and its detail.</summary>
internal sealed class TargetResolution(IMethodSymbol? target, TargetProblem problem, string detail, IParameterSymbol? parameter = null)
{
    public IMethodSymbol? Target { get; } = target;

    public TargetProblem Problem { get; } = problem;

    /// <summary>What is wrong, for the diagnostic message; empty when resolved.</summary>
    public string Detail { get; } = detail;

    /// <summary>The parameter of the invalidating method the problem is about, if any (its location).</summary>
    public IParameterSymbol? Parameter { get; } = parameter;
}

/// <summary>
/// Resolves the <c>[Cached]</c> method an <c>[InvalidatesCached]</c> method names, and matches its key parameters by
/// name and type: one rule, compiled into the generator (which writes the invalidation only when it holds) and the
/// analyzers (which report why it does not).
/// </summary>
internal static class InvalidationTargets
{
    /// <summary>The <c>[Cached]</c> methods of the invalidating method's type named <paramref name="name"/>, in declaration order.</summary>
    public static List<IMethodSymbol> CachedMethods(INamedTypeSymbol type, string name)
    {
        var methods = new List<IMethodSymbol>();
        foreach (var member in type.GetMembers(name))
        {
            if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary } method && FindAttribute(method, "CachedAttribute") is not null)
                methods.Add(method);
        }

        return methods;
    }

    public static TargetResolution Resolve(IMethodSymbol invalidating, string? name)
    {
        var type = invalidating.ContainingType;
        var candidates = name is null ? new List<IMethodSymbol>() : CachedMethods(type, name);
        if (candidates.Count == 0)
            return new TargetResolution(null, TargetProblem.NotFound, Describe(CachedMethodNames(type)));
        if (candidates.Count == 1)
            return Match(invalidating, candidates[0]);

        IMethodSymbol? found = null;
        var matching = 0;
        foreach (var candidate in candidates)
        {
            if (Match(invalidating, candidate).Problem == TargetProblem.None)
            {
                found = candidate;
                matching++;
            }
        }

        if (matching == 1)
            return new TargetResolution(found, TargetProblem.None, "");
        var overloads = new List<string>();
        foreach (var candidate in candidates)
            overloads.Add(candidate.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat));
        return new TargetResolution(null, TargetProblem.Ambiguous,
            (matching == 0 ? "none of its " : matching + " of its ") + candidates.Count + " overloads (" + string.Join(", ", overloads) + ") "
            + (matching == 0 ? "matches" : "match") + " the parameters of '" + invalidating.Name + "' by name and type");
    }

    /// <summary>Whether <paramref name="invalidating"/> can build <paramref name="target"/>'s key: each key parameter by name and type, the instance when the key or the cache needs it.</summary>
    public static TargetResolution Match(IMethodSymbol invalidating, IMethodSymbol target)
    {
        foreach (var parameter in target.Parameters)
        {
            if (!IsKeyParameter(parameter))
                continue;
            IParameterSymbol? here = null;
            foreach (var candidate in invalidating.Parameters)
            {
                if (string.Equals(candidate.Name, parameter.Name, StringComparison.Ordinal))
                    here = candidate;
            }

            if (here is null)
            {
                return new TargetResolution(target, TargetProblem.Missing,
                    "'" + target.Name + "' is keyed by its parameter '" + parameter.Name + "' (" + Display(parameter.Type) + "), but '" + invalidating.Name
                    + "' has no parameter named '" + parameter.Name + "'; add one of that name and type");
            }

            if (!SymbolEqualityComparer.Default.Equals(here.Type, parameter.Type) || here.RefKind != RefKind.None)
            {
                return new TargetResolution(target, TargetProblem.TypeDiffers,
                    "its parameter '" + here.Name + "' is '" + Display(here.Type) + "' but '" + target.Name + "' keys '" + parameter.Name + "' as '"
                    + Display(parameter.Type) + "', so the key would not be the one '" + target.Name + "' stores; declare it as '" + Display(parameter.Type) + "'",
                    here);
            }
        }

        if (invalidating.IsStatic && !target.IsStatic && NeedsInstance(target))
        {
            return new TargetResolution(target, TargetProblem.Missing,
                "'" + invalidating.Name + "' is static, but '" + target.Name + "' is an instance method whose key or cache comes from the instance ([CacheKey] or [CacheSource] members); make '"
                + invalidating.Name + "' an instance method");
        }

        return new TargetResolution(target, TargetProblem.None, "");
    }

    /// <summary>A parameter that is part of a [Cached] method's key: not a CancellationToken, not [NotCacheKey].</summary>
    public static bool IsKeyParameter(IParameterSymbol parameter) =>
        !ImplementationLookup.IsCancellationToken(parameter.Type) && FindAttribute(parameter, "NotCacheKeyAttribute") is null;

    /// <summary>The first attribute <c>Cachka.{name}</c> of the symbol, or null.</summary>
    public static AttributeData? FindAttribute(ISymbol symbol, string name)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass is { ContainingType: null, ContainingNamespace: { Name: "Cachka", ContainingNamespace.IsGlobalNamespace: true } } type
                && string.Equals(type.Name, name, StringComparison.Ordinal))
                return attribute;
        }

        return null;
    }

    // The key reads [CacheKey] members of the instance, or a [CacheSource] is an instance member.
    private static bool NeedsInstance(IMethodSymbol target)
    {
        var simplified = false;
        if (FindAttribute(target, "CachedAttribute") is { } cached)
        {
            foreach (var argument in cached.NamedArguments)
            {
                if (argument.Key == "SimplifiedSelfSerialization" && argument.Value.Value is true)
                    simplified = true;
            }
        }

        for (var current = target.ContainingType; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is not (IFieldSymbol or IPropertySymbol) || member.IsStatic)
                    continue;
                if (FindAttribute(member, "CacheSourceAttribute") is not null || (!simplified && FindAttribute(member, "CacheKeyAttribute") is not null))
                    return true;
            }
        }

        return false;
    }

    private static List<string> CachedMethodNames(INamedTypeSymbol type)
    {
        var names = new List<string>();
        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary } method && !names.Contains(method.Name) && FindAttribute(method, "CachedAttribute") is not null)
                names.Add(method.Name);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static string Describe(List<string> names) =>
        names.Count == 0 ? "it has no [Cached] methods" : "its [Cached] methods are " + string.Join(", ", names);

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
}

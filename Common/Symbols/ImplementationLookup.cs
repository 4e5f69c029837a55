using System;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace Cachka.CodeAnalysis;

/// <summary>
/// Finds the uncached body of a [Cached] method, and explains how its signature differs (CACHKA002/003): one rule,
/// compiled into the generator (which implements the method only when a body matches) and the analyzers.
/// </summary>
internal static class ImplementationLookup
{
    public const string CoreSuffix = "Core";

    public static string GetImplementationName(IMethodSymbol method, AttributeData cached)
    {
        foreach (var argument in cached.NamedArguments)
        {
            if (argument.Key == "Implementation" && argument.Value.Value is string name)
            {
                return name;
            }
        }

        return method.Name + CoreSuffix;
    }

    /// <summary>
    /// The body methods named <paramref name="name"/> in the containing type. <paramref name="mismatch"/> is
    /// null when one matches; otherwise it describes the difference with the closest candidate. With
    /// <paramref name="allowContext"/> (a [Cached] body), the body may take one extra <c>CacheFactoryContext</c>
    /// (its index in the body's parameters comes back from the overload that takes the method's parameters).
    /// </summary>
    public static IMethodSymbol? Find(IMethodSymbol method, string name, out string? mismatch, bool allowContext = true)
    {
        var parameters = method.Parameters;
        var types = new ITypeSymbol[parameters.Length];
        for (var i = 0; i < types.Length; i++)
        {
            types[i] = parameters[i].Type;
        }

        return Find(method, parameters, types, method.ReturnType, name, out mismatch, out _, allowContext);
    }

    /// <summary>
    /// <see cref="Find(IMethodSymbol, string, out string?, bool)"/> with the method's parameters, their types and its return
    /// type as the caller already read them (each read of a symbol's parameters or types builds new objects), and the
    /// index of the found body's <c>CacheFactoryContext</c> parameter in <paramref name="contextIndex"/> (-1 when none).
    /// </summary>
    public static IMethodSymbol? Find(
        IMethodSymbol method, ImmutableArray<IParameterSymbol> parameters, ITypeSymbol[] types, ITypeSymbol returnType,
        string name, out string? mismatch, out int contextIndex, bool allowContext = true)
    {
        mismatch = null;
        contextIndex = -1;
        IMethodSymbol? closest = null;
        var closestFits = false;
        foreach (var member in method.ContainingType.GetMembers(name))
        {
            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } candidate
                || SymbolEqualityComparer.Default.Equals(candidate, method)
                || SymbolEqualityComparer.Default.Equals(candidate.PartialDefinitionPart, method))
            {
                continue;
            }

            var bodyParameters = candidate.Parameters;
            var context = allowContext ? ContextIndex(parameters, types, bodyParameters) : -1;
            var difference = Describe(method, parameters, types, returnType, candidate, bodyParameters, context, allowContext);
            if (difference is null)
            {
                mismatch = null;
                contextIndex = context;
                return candidate;
            }

            var fits = bodyParameters.Length == parameters.Length || ContextIndex(parameters, types, bodyParameters) >= 0;
            if (closest is null || (fits && !closestFits))
            {
                closest = candidate;
                closestFits = fits;
                mismatch = difference;
            }
        }

        return closest;
    }

    /// <summary>
    /// Where an adaptive body takes its <c>CacheFactoryContext</c>, or -1: one extra parameter, last, or just before
    /// the method's trailing <c>CancellationToken</c> (<c>GetAsyncCore(int id, CacheFactoryContext context, CancellationToken ct)</c>).
    /// </summary>
    private static int ContextIndex(ImmutableArray<IParameterSymbol> parameters, ITypeSymbol[] types, ImmutableArray<IParameterSymbol> bodyParameters)
    {
        var count = parameters.Length;
        if (bodyParameters.Length != count + 1)
        {
            return -1;
        }

        if (IsContext(bodyParameters[count]))
        {
            return count;
        }

        return count > 0 && IsCancellationToken(types[count - 1]) && IsContext(bodyParameters[count - 1]) ? count - 1 : -1;
    }

    /// <summary>Whether the type is <c>Cachka.CacheFactoryContext</c>.</summary>
    public static bool IsContextType(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "CacheFactoryContext", ContainingType: null, ContainingNamespace: { Name: "Cachka", ContainingNamespace.IsGlobalNamespace: true } };

    private static bool IsContext(IParameterSymbol parameter) => parameter.RefKind == RefKind.None && IsContextType(parameter.Type);

    /// <summary>Whether the type is <c>System.Threading.CancellationToken</c>.</summary>
    public static bool IsCancellationToken(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "CancellationToken", ContainingType: null, ContainingNamespace: { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } };

    private static string? Describe(
        IMethodSymbol method, ImmutableArray<IParameterSymbol> parameters, ITypeSymbol[] types, ITypeSymbol returnType,
        IMethodSymbol body, ImmutableArray<IParameterSymbol> bodyParameters, int context, bool allowContext)
    {
        if (body.IsGenericMethod)
        {
            return "it is generic";
        }

        if (method.IsStatic && !body.IsStatic)
        {
            return "it must be static because '" + method.Name + "' is static";
        }

        if (context < 0 && allowContext && bodyParameters.Length == parameters.Length + 1)
        {
            foreach (var parameter in bodyParameters)
            {
                if (IsContextType(parameter.Type))
                {
                    return "its CacheFactoryContext parameter '" + parameter.Name + "' must be the last one, or the one just before a trailing CancellationToken";
                }
            }
        }

        if (!allowContext)
        {
            foreach (var parameter in bodyParameters)
            {
                if (IsContextType(parameter.Type))
                {
                    return "it takes a CacheFactoryContext, which only the body of a [Cached] method receives";
                }
            }
        }

        if (parameters.Length != bodyParameters.Length - (context < 0 ? 0 : 1))
        {
            return string.Format(
                CultureInfo.InvariantCulture,
                "it has {0} parameter{1} but '{2}' has {3}",
                bodyParameters.Length,
                bodyParameters.Length == 1 ? string.Empty : "s",
                method.Name,
                parameters.Length);
        }

        for (var i = 0; i < parameters.Length; i++)
        {
            var expected = parameters[i];
            var actual = bodyParameters[context >= 0 && i >= context ? i + 1 : i];
            if (expected.RefKind != actual.RefKind || !SymbolEqualityComparer.Default.Equals(types[i], actual.Type))
            {
                return string.Format(
                    CultureInfo.InvariantCulture,
                    "its parameter '{0}' is '{1}' where '{2}' has '{3}'",
                    actual.Name,
                    DisplayParameter(actual),
                    method.Name,
                    DisplayParameter(expected));
            }
        }

        if (method.ReturnsByRef != body.ReturnsByRef
            || method.ReturnsByRefReadonly != body.ReturnsByRefReadonly
            || !SymbolEqualityComparer.Default.Equals(returnType, body.ReturnType))
        {
            return "it returns '" + Display(body.ReturnType) + "' where '" + method.Name + "' returns '" + Display(returnType) + "'";
        }

        return null;
    }

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    private static string DisplayParameter(IParameterSymbol parameter)
    {
        var type = Display(parameter.Type);
        return parameter.RefKind switch
        {
            RefKind.Ref => "ref " + type,
            RefKind.Out => "out " + type,
            RefKind.In => "in " + type,
            RefKind.None => type,
            _ => "ref readonly " + type,
        };
    }
}

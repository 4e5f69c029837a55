using System;
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
    /// (see <see cref="ContextIndex"/>).
    /// </summary>
    public static IMethodSymbol? Find(IMethodSymbol method, string name, out string? mismatch, bool allowContext = true)
    {
        mismatch = null;
        IMethodSymbol? closest = null;
        foreach (var member in method.ContainingType.GetMembers(name))
        {
            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } candidate
                || SymbolEqualityComparer.Default.Equals(candidate, method)
                || SymbolEqualityComparer.Default.Equals(candidate.PartialDefinitionPart, method))
            {
                continue;
            }

            var difference = Describe(method, candidate, allowContext);
            if (difference is null)
            {
                mismatch = null;
                return candidate;
            }

            if (closest is null || (Fits(method, candidate) && !Fits(method, closest)))
            {
                closest = candidate;
                mismatch = difference;
            }
        }

        return closest;
    }

    /// <summary>
    /// Where an adaptive body takes its <c>CacheFactoryContext</c>, or -1: one extra parameter, last, or just before
    /// the method's trailing <c>CancellationToken</c> (<c>GetAsyncCore(int id, CacheFactoryContext context, CancellationToken ct)</c>).
    /// </summary>
    public static int ContextIndex(IMethodSymbol method, IMethodSymbol body)
    {
        var count = method.Parameters.Length;
        if (body.Parameters.Length != count + 1)
        {
            return -1;
        }

        if (IsContext(body.Parameters[count]))
        {
            return count;
        }

        return count > 0 && IsCancellationToken(method.Parameters[count - 1].Type) && IsContext(body.Parameters[count - 1]) ? count - 1 : -1;
    }

    /// <summary>Whether the type is <c>Cachka.CacheFactoryContext</c>.</summary>
    public static bool IsContextType(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "CacheFactoryContext", ContainingType: null, ContainingNamespace: { Name: "Cachka", ContainingNamespace.IsGlobalNamespace: true } };

    private static bool IsContext(IParameterSymbol parameter) => parameter.RefKind == RefKind.None && IsContextType(parameter.Type);

    /// <summary>Whether the type is <c>System.Threading.CancellationToken</c>.</summary>
    public static bool IsCancellationToken(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "CancellationToken", ContainingType: null, ContainingNamespace: { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } };

    private static bool Fits(IMethodSymbol method, IMethodSymbol body) =>
        body.Parameters.Length == method.Parameters.Length || ContextIndex(method, body) >= 0;

    private static string? Describe(IMethodSymbol method, IMethodSymbol body, bool allowContext)
    {
        if (body.IsGenericMethod)
        {
            return "it is generic";
        }

        if (method.IsStatic && !body.IsStatic)
        {
            return "it must be static because '" + method.Name + "' is static";
        }

        var context = allowContext ? ContextIndex(method, body) : -1;
        if (context < 0 && allowContext && body.Parameters.Length == method.Parameters.Length + 1)
        {
            foreach (var parameter in body.Parameters)
            {
                if (IsContextType(parameter.Type))
                {
                    return "its CacheFactoryContext parameter '" + parameter.Name + "' must be the last one, or the one just before a trailing CancellationToken";
                }
            }
        }

        if (!allowContext)
        {
            foreach (var parameter in body.Parameters)
            {
                if (IsContextType(parameter.Type))
                {
                    return "it takes a CacheFactoryContext, which only the body of a [Cached] method receives";
                }
            }
        }

        if (method.Parameters.Length != body.Parameters.Length - (context < 0 ? 0 : 1))
        {
            return string.Format(
                CultureInfo.InvariantCulture,
                "it has {0} parameter{1} but '{2}' has {3}",
                body.Parameters.Length,
                body.Parameters.Length == 1 ? string.Empty : "s",
                method.Name,
                method.Parameters.Length);
        }

        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var expected = method.Parameters[i];
            var actual = body.Parameters[context >= 0 && i >= context ? i + 1 : i];
            if (expected.RefKind != actual.RefKind || !SymbolEqualityComparer.Default.Equals(expected.Type, actual.Type))
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
            || !SymbolEqualityComparer.Default.Equals(method.ReturnType, body.ReturnType))
        {
            return "it returns '" + Display(body.ReturnType) + "' where '" + method.Name + "' returns '" + Display(method.ReturnType) + "'";
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

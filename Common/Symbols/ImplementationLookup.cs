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
    /// null when one matches; otherwise it describes the difference with the closest candidate.
    /// </summary>
    public static IMethodSymbol? Find(IMethodSymbol method, string name, out string? mismatch)
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

            var difference = Describe(method, candidate);
            if (difference is null)
            {
                mismatch = null;
                return candidate;
            }

            if (closest is null || (candidate.Parameters.Length == method.Parameters.Length && closest.Parameters.Length != method.Parameters.Length))
            {
                closest = candidate;
                mismatch = difference;
            }
        }

        return closest;
    }

    private static string? Describe(IMethodSymbol method, IMethodSymbol body)
    {
        if (body.IsGenericMethod)
        {
            return "it is generic";
        }

        if (method.IsStatic && !body.IsStatic)
        {
            return "it must be static because '" + method.Name + "' is static";
        }

        if (method.Parameters.Length != body.Parameters.Length)
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
            var actual = body.Parameters[i];
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

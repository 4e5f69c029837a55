using System;
using System.Threading;
using Cachka.CodeAnalysis;
using Microsoft.CodeAnalysis;

namespace Cachka.Analyzers;

/// <summary>
/// Which types have a key form (the generator's rule, shared), and which parameter types look like
/// call context rather than data.
/// </summary>
internal static class KeyTypes
{
    public static bool IsCancellationToken(ITypeSymbol type) => TypeFacts.Is(type, "System.Threading", "CancellationToken");

    /// <summary>The key form of the type (see <see cref="KeyShapes"/>, the generator's own rule), or null with why it has none.</summary>
    public static KeyShape? Shape(ITypeSymbol type, Compilation compilation, out string? whyNot, CancellationToken cancellationToken) =>
        KeyShapes.Of(type, compilation, out whyNot, cancellationToken);

    /// <summary>What to do about a key part of a type that has no key form (the end of CACHKA007's message).</summary>
    public static string DescribeFix(ITypeSymbol type, string lastResort)
    {
        var ownType = type is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named
            && named.SpecialType == SpecialType.None
            && named.Locations.Length > 0 && named.Locations[0].IsInSource;
        return ownType
            ? "implement Cachka.ICacheKeyFormattable on '" + TypeFacts.Display(type) + "', use a keyable type, or " + lastResort
            : "use a keyable type or one that implements Cachka.ICacheKeyFormattable, or " + lastResort;
    }

    /// <summary>
    /// True for types that describe how a call runs rather than what it computes; only checked for
    /// types that are not encodable, and never for types that opted in with ICacheKeyFormattable.
    /// </summary>
    public static bool IsContextLike(ITypeSymbol type)
    {
        TypeFacts.IsNullable(type, out var underlying);
        if (IsCancellationToken(underlying))
        {
            // CancellationToken itself is left out of the key; a nullable one is not recognised by the generator.
            return !SymbolEqualityComparer.Default.Equals(type, underlying);
        }

        if (TypeFacts.IsOrDerivesFrom(underlying, "System.Threading", "CancellationTokenSource")
            || TypeFacts.IsOrImplements(underlying, "System", "IProgress`1")
            || TypeFacts.IsOrImplements(underlying, "System", "IServiceProvider")
            || TypeFacts.IsOrImplements(underlying, "Microsoft.Extensions.Logging", "ILogger")
            || TypeFacts.IsOrImplements(underlying, "Microsoft.Extensions.Logging", "ILoggerFactory"))
        {
            return true;
        }

        var name = underlying.Name;
        return name.EndsWith("Context", StringComparison.Ordinal) || name.EndsWith("Token", StringComparison.Ordinal);
    }
}

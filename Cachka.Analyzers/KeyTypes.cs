using System;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Cachka.Analyzers;

/// <summary>
/// Which types the generator encodes into a key directly (the same list the generator uses), and
/// which parameter types look like call context rather than data.
/// </summary>
internal static class KeyTypes
{
    public static bool IsCancellationToken(ITypeSymbol type) => TypeFacts.Is(type, "System.Threading", "CancellationToken");

    /// <summary>
    /// Scalars (and types implementing ICacheKeyFormattable), nullables of scalars, and one-dimensional
    /// arrays or lists of scalars or their nullables. Formattable types are encoded directly only on
    /// their own, not as elements or nullables (the generator's rule).
    /// </summary>
    public static bool IsEncodable(ITypeSymbol type, KnownSymbols known)
    {
        if (IsScalar(type) || IsFormattable(type, known))
        {
            return true;
        }

        if (type is IArrayTypeSymbol { IsSZArray: true } array)
        {
            return IsElement(array.ElementType);
        }

        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
            && (TypeFacts.Is(named, "System.Collections.Generic", "List`1")
                || TypeFacts.Is(named, "System.Collections.Generic", "IReadOnlyList`1")
                || TypeFacts.Is(named, "System.Collections.Generic", "IList`1")
                || TypeFacts.Is(named, "System.Collections.Generic", "IReadOnlyCollection`1")
                || TypeFacts.Is(named, "System.Collections.Generic", "ICollection`1")
                || TypeFacts.Is(named, "System.Collections.Generic", "IEnumerable`1")))
        {
            return IsElement(named.TypeArguments[0]);
        }

        return TypeFacts.IsNullable(type, out var underlying) && IsScalar(underlying);
    }

    /// <summary>What to do about a key part of a type that is not encodable (the end of CACHKA007's message).</summary>
    public static string DescribeFix(ITypeSymbol type, string lastResort)
    {
        var ownType = type is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named
            && named.SpecialType == SpecialType.None
            && named.Locations.Length > 0 && named.Locations[0].IsInSource;
        return ownType
            ? "implement Cachka.ICacheKeyFormattable on '" + TypeFacts.Display(type) + "', use a supported type, or " + lastResort
            : "use a supported type or one that implements Cachka.ICacheKeyFormattable, or " + lastResort;
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

    private static bool IsElement(ITypeSymbol type) =>
        IsScalar(type) || (TypeFacts.IsNullable(type, out var underlying) && IsScalar(underlying));

    // A type parameter is not formattable for the generator even when constrained to the interface.
    private static bool IsFormattable(ITypeSymbol type, KnownSymbols known) =>
        type.TypeKind != TypeKind.TypeParameter && known.IsCacheKeyFormattable(type);

    private static bool IsScalar(ITypeSymbol type)
    {
        switch (type.SpecialType)
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
            case SpecialType.System_IntPtr:
            case SpecialType.System_UIntPtr:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
            case SpecialType.System_String:
            case SpecialType.System_DateTime:
                return true;
        }

        return type.TypeKind == TypeKind.Enum
            || TypeFacts.Is(type, "System", "Guid")
            || TypeFacts.Is(type, "System", "DateTimeOffset")
            || TypeFacts.Is(type, "System", "DateOnly")
            || TypeFacts.Is(type, "System", "TimeOnly")
            || TypeFacts.Is(type, "System", "TimeSpan")
            || TypeFacts.Is(type, "System", "Int128")
            || TypeFacts.Is(type, "System", "UInt128");
    }
}

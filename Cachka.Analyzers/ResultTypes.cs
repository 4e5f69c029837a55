using Microsoft.CodeAnalysis;

namespace Cachka.Analyzers;

/// <summary>What a [Cached] method returns: the cached value's type, or why it cannot be cached (CACHKA004).</summary>
internal static class ResultTypes
{
    /// <summary>The type of the cached value (T of Task&lt;T&gt;/ValueTask&lt;T&gt;, else the return type), or null with a reason.</summary>
    public static ITypeSymbol? GetCachedValueType(IMethodSymbol method, out string? unsupportedReason)
    {
        unsupportedReason = null;
        var type = method.ReturnType;

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            unsupportedReason = "returns by reference";
            return null;
        }

        if (method.ReturnsVoid)
        {
            unsupportedReason = "returns void, so there is no value to cache";
            return null;
        }

        if (type is INamedTypeSymbol { IsGenericType: true } named
            && (TypeFacts.Is(named, "System.Threading.Tasks", "Task`1") || TypeFacts.Is(named, "System.Threading.Tasks", "ValueTask`1")))
        {
            return named.TypeArguments[0];
        }

        if (TypeFacts.Is(type, "System.Threading.Tasks", "Task") || TypeFacts.Is(type, "System.Threading.Tasks", "ValueTask"))
        {
            unsupportedReason = "returns a non-generic " + type.Name + ", so there is no value to cache";
            return null;
        }

        if (TypeFacts.Is(type, "System.Collections.Generic", "IAsyncEnumerable`1")
            || TypeFacts.Is(type, "System.Collections.Generic", "IAsyncEnumerator`1"))
        {
            unsupportedReason = "returns the asynchronous stream '" + TypeFacts.Display(type) + "'";
            return null;
        }

        if (type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            unsupportedReason = "returns a pointer";
            return null;
        }

        if (type.IsRefLikeType)
        {
            unsupportedReason = "returns the ref struct '" + TypeFacts.Display(type) + "', which cannot be stored";
            return null;
        }

        if (type.TypeKind != TypeKind.TypeParameter && TypeFacts.HasGetAwaiter(type))
        {
            unsupportedReason = "returns the awaitable '" + TypeFacts.Display(type) + "' (only Task<T> and ValueTask<T> are awaited)";
            return null;
        }

        return type;
    }
}

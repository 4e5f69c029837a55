using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Generators;

/// <summary>
/// Finds the <c>JsonSerializerContext</c>s the generator can register with the runtime: a class with
/// <c>[JsonSerializable]</c> that derives from <c>JsonSerializerContext</c>, is not generic, and can be named from
/// anywhere in its assembly (internal or public, nested only in such types). The analyzer reports the others
/// when a <c>[Cached]</c> method depends on them (CACHKA018).
/// </summary>
internal static class JsonContextParser
{
    private static readonly SymbolDisplayFormat s_code = SymbolDisplayFormat.FullyQualifiedFormat;

    /// <summary>The context's fully qualified name, or null when it is not a context the generator can register.</summary>
    public static string? Parse(GeneratorAttributeSyntaxContext syntax, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (syntax.TargetSymbol is not INamedTypeSymbol { TypeKind: TypeKind.Class, IsAbstract: false } type
            || !DerivesFromContext(type)
            || !IsRegistrable(type))
        {
            return null;
        }

        return type.ToDisplayString(s_code);
    }

    /// <summary>True when a module initializer of the assembly can name the type (the JSON generator emits its <c>Default</c>).</summary>
    public static bool IsRegistrable(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType || current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                return false;
        }

        return true;
    }

    private static bool DerivesFromContext(INamedTypeSymbol type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.Name == "JsonSerializerContext"
                && current.ContainingNamespace?.ToDisplayString() == KnownNames.JsonSerializationNamespace)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the compilation references a runtime that accepts registrations.</summary>
    public static bool HasRegistrationEntryPoint(Compilation compilation, CancellationToken cancellationToken) =>
        Declarations.DeclaresType(compilation, KnownNames.GeneratedCache, cancellationToken);
}

using Cachka.Generators.Helpers;

namespace Cachka.Generators.Model;

/// <summary>
/// What the parser made of one <c>[Cached]</c> method: a <see cref="CachedMethodSpec"/> to implement, a
/// <see cref="StubSpec"/> for a partial definition it cannot implement, or neither (value-equatable).
/// </summary>
internal sealed record ParsedMethod(CachedMethodSpec? Method, StubSpec? Stub)
{
    public static readonly ParsedMethod None = new(null, null);
}

/// <summary>
/// A throwing implementation part for a <c>[Cached]</c> partial method the generator cannot implement,
/// so the build gets past CS8795 to the analyzers, which report why. <see cref="Signature"/> is the
/// method's declaration text without a body (modifiers, return type, name, type parameters, parameters).
/// </summary>
internal sealed record StubSpec(
    string HintName,
    string? Namespace,
    EquatableArray<TypeDeclarationSpec> ContainingTypes,
    TypeDeclarationSpec Type,
    string Signature);

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
/// so the build gets past CS8795 to the analyzers, which report why. The emitter writes its declaration
/// from the parts below (the parser writes no C#).
/// </summary>
internal sealed record StubSpec(
    string HintName,
    string? Namespace,
    EquatableArray<TypeDeclarationSpec> ContainingTypes,
    TypeDeclarationSpec Type,
    string Modifiers,
    ReturnByRef ReturnByRef,
    string ReturnType,
    string Name,
    EquatableArray<string> TypeParameters,
    bool IsExtension,
    EquatableArray<StubParameterSpec> Parameters);

/// <summary>How a method returns: by value, by reference or by read-only reference.</summary>
internal enum ReturnByRef
{
    None,
    Ref,
    RefReadonly,
}

/// <summary>How a parameter is passed.</summary>
internal enum PassedBy
{
    Value,
    Ref,
    Out,
    In,
    RefReadonly,
}

/// <summary>One parameter of a stub's declaration (type fully qualified, name escaped).</summary>
internal sealed record StubParameterSpec(bool Scoped, bool IsParams, PassedBy PassedBy, string Type, string Name);

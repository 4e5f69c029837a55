using Cachka.Generators.Helpers;

namespace Cachka.Generators.Model;

/// <summary>
/// Everything the emitter needs for one <c>[Cached]</c> method, as plain values.
/// </summary>
/// <remarks>
/// Immutable and value-equatable (records, strings, enums and <see cref="EquatableArray{T}"/> only;
/// no symbols, syntax, locations or compilations), so an unchanged method is <c>Cached</c> in the
/// pipeline and produces no new source.
/// </remarks>
internal sealed record CachedMethodSpec(
    string HintName,
    string? Namespace,
    EquatableArray<TypeDeclarationSpec> ContainingTypes,
    CachedTypeSpec Type,
    string Name,
    string Modifiers,
    bool IsStatic,
    ReturnKind ReturnKind,
    string ReturnType,
    string ValueType,
    string BodyName,
    bool BodyIsStatic,
    EquatableArray<ParameterSpec> Parameters,
    EquatableArray<KeyPartSpec> KeyParts,
    EquatableArray<string> Identity,
    int TtlSeconds,
    string KeyStructName,
    string SurfaceName,
    string InvalidationName,
    string? CacheSource,
    bool OnSurface,
    bool NullableOblivious)
{
    /// <summary>Whether the key reads <c>[CacheKey]</c> members of the instance.</summary>
    public bool KeyUsesInstance
    {
        get
        {
            foreach (var part in KeyParts)
            {
                if (part.IsMember)
                    return true;
            }

            return false;
        }
    }
}

/// <summary>How the method returns its value.</summary>
internal enum ReturnKind
{
    Sync,
    Task,
    ValueTask,
}

/// <summary>One type declaration (a containing type, or the cached type), enough to re-declare it as <c>partial</c>.</summary>
internal sealed record TypeDeclarationSpec(string Keyword, string Name, string TypeParameters);

/// <summary>The type that declares the method and the names of its generated surface.</summary>
internal sealed record CachedTypeSpec(
    TypeDeclarationSpec Declaration,
    string FullName,
    bool IsStatic,
    string SurfaceAccessibility,
    string InterfaceName,
    string KeysClassName,
    string ConstraintClauses)
{
    /// <summary>The interface as the cached type's declaration names it (with type parameters).</summary>
    public string InterfaceReference => InterfaceName + Declaration.TypeParameters;
}

/// <summary>A parameter of the cached method (<see cref="Name"/> is a valid identifier, escaped if needed).</summary>
internal sealed record ParameterSpec(
    string Name,
    string Type,
    ParameterRole Role,
    bool IsParams,
    string? DefaultValue);

/// <summary>What a parameter does for the cache.</summary>
internal enum ParameterRole
{
    Key,
    NotKey,
    CancellationToken,
}

/// <summary>
/// One part of the key: an instance member marked <c>[CacheKey]</c> (<see cref="IsMember"/>) or a
/// key parameter, by <see cref="Name"/>.
/// </summary>
internal sealed record KeyPartSpec(
    string Name,
    bool IsMember,
    string Type,
    KeyEncoding Encoding,
    KeyEquality Equality,
    string? Underlying);

/// <summary>How a key part is stored in the key struct and written to the string.</summary>
internal enum KeyEncoding
{
    /// <summary>A supported scalar, stored as is, written with a <c>CacheKeyBuilder.Append</c> overload.</summary>
    Direct,

    /// <summary>A nullable supported scalar.</summary>
    Nullable,

    /// <summary>An enum, written as its underlying number (<see cref="KeyPartSpec.Underlying"/>).</summary>
    Enum,

    /// <summary>A nullable enum (<see cref="KeyPartSpec.Underlying"/> is the underlying number type).</summary>
    NullableEnum,

    /// <summary>A sequence of scalars, pre-encoded to text (<see cref="KeyPartSpec.Underlying"/> is the element type).</summary>
    Sequence,

    /// <summary>An <c>ICacheKeyFormattable</c>, pre-encoded to text.</summary>
    Formattable,

    /// <summary>Anything else (type parameters, other types through System.Text.Json), pre-encoded to text.</summary>
    Dynamic,
}

/// <summary>How two stored key parts compare.</summary>
internal enum KeyEquality
{
    /// <summary><c>==</c>.</summary>
    Operator,

    /// <summary>Ordinal <c>string.Equals</c> (also every pre-encoded part).</summary>
    String,

    /// <summary><c>CacheKeyEquality.Equal</c>: stricter than <c>Equals</c> where the key text is.</summary>
    Exact,
}

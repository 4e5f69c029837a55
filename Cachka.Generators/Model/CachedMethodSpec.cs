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
    string FileName,
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
    EntryOptionsSpec Options,
    EquatableArray<TagSpec> Tags,
    int ContextIndex,
    string KeyStructName,
    string SurfaceName,
    string InvalidationName,
    string? CacheSource,
    bool OnSurface,
    bool NullableOblivious,
    Uncached Uncached)
{
    /// <summary>Whether some key part can only be checked at run time (a call whose value has no key form then runs uncached).</summary>
    public bool KeyCheckedAtRunTime
    {
        get
        {
            foreach (var part in KeyParts)
            {
                if (part.Shape is { CheckedAtRunTime: true })
                    return true;
            }

            return false;
        }
    }

    /// <summary>Whether the body takes a <c>CacheFactoryContext</c> (at <see cref="ContextIndex"/> among its parameters).</summary>
    public bool BodyTakesContext => ContextIndex >= 0;

    /// <summary>Whether some tag names a key part, so tags are made per entry, by the factory.</summary>
    public bool HasTagTemplates
    {
        get
        {
            foreach (var tag in Tags)
            {
                if (!tag.IsConstant)
                    return true;
            }

            return false;
        }
    }

    /// <summary>Whether the wrapper calls the adaptive <c>GetOrCreate</c> (its factory receives a <c>CacheFactoryContext</c>).</summary>
    public bool IsAdaptive => BodyTakesContext || HasTagTemplates;

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

/// <summary>
/// The <c>CacheEntryOptions</c> a <c>[Cached]</c> method passes: TTL in seconds, and the resilience options as written
/// on the attribute (0: the cache's default, left null).
/// </summary>
internal sealed record EntryOptionsSpec(
    int TtlSeconds,
    int FailSafeMaxDurationSeconds,
    int FailSafeThrottleDurationSeconds,
    int FactorySoftTimeoutMs,
    int FactoryHardTimeoutMs,
    double EagerRefreshThreshold,
    int JitterSeconds);

/// <summary>One tag of a <c>[Cached]</c> method's entries: literal pieces and key parts, in order.</summary>
internal sealed record TagSpec(EquatableArray<TagPieceSpec> Pieces)
{
    /// <summary>Whether the tag names no key part (the same for every entry).</summary>
    public bool IsConstant
    {
        get
        {
            foreach (var piece in Pieces)
            {
                if (piece.Part >= 0)
                    return false;
            }

            return true;
        }
    }

    /// <summary>The text of a constant tag.</summary>
    public string ConstantText
    {
        get
        {
            var text = new System.Text.StringBuilder();
            foreach (var piece in Pieces)
                text.Append(piece.Text);
            return text.ToString();
        }
    }
}

/// <summary>Literal <see cref="Text"/> (<see cref="Part"/> is -1), or the key part at index <see cref="Part"/> of the key parts.</summary>
internal sealed record TagPieceSpec(string Text, int Part);

/// <summary>Why the generated method calls its body directly instead of caching (the analyzers report each).</summary>
internal enum Uncached
{
    /// <summary>It caches.</summary>
    No,

    /// <summary>A key part's type has no injective key form (CACHKA007).</summary>
    KeyNotEncodable,

    /// <summary>An instance method whose type says neither how instances differ nor that they share entries (CACHKA010).</summary>
    NoInstanceIdentity,
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
    EquatableArray<TypeParameterConstraintSpec> Constraints)
{
    /// <summary>The interface as the cached type's declaration names it (with type parameters).</summary>
    public string InterfaceReference => InterfaceName + Declaration.TypeParameters;
}

/// <summary>The constraints of one type parameter of the cached type, in declaration order (e.g. <c>class</c>, a type, <c>new()</c>).</summary>
internal sealed record TypeParameterConstraintSpec(string Name, EquatableArray<string> Constraints);

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
    string? Underlying,
    KeyShapeSpec? Shape);

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

    /// <summary>Anything else with a key form (<see cref="KeyPartSpec.Shape"/>), encoded to text when the key is made.</summary>
    Encoded,
}

/// <summary>The key form of a type, as the generated encoder writes it (see <c>KeyShapes</c>).</summary>
internal sealed record KeyShapeSpec(
    Cachka.CodeAnalysis.KeyShapeKind Kind,
    string Type,
    bool IsValueType,
    string? Underlying,
    KeyShapeSpec? Inner,
    EquatableArray<KeyMemberSpec> Members)
{
    /// <summary>Whether a value can only be checked at run time.</summary>
    public bool CheckedAtRunTime
    {
        get
        {
            if (Kind == Cachka.CodeAnalysis.KeyShapeKind.RunTime || Inner is { CheckedAtRunTime: true })
                return true;
            foreach (var member in Members)
            {
                if (member.Shape.CheckedAtRunTime)
                    return true;
            }

            return false;
        }
    }
}

/// <summary>One member of a record, struct or tuple key form: read as <c>value.Name</c>.</summary>
internal sealed record KeyMemberSpec(string Name, KeyShapeSpec Shape);

/// <summary>How two stored key parts compare.</summary>
internal enum KeyEquality
{
    /// <summary><c>==</c>.</summary>
    Operator,

    /// <summary>Ordinal <c>string.Equals</c> (also every encoded part).</summary>
    String,

    /// <summary><c>CacheKeyEquality.Equal</c>: stricter than <c>Equals</c> where the key text is.</summary>
    Exact,
}

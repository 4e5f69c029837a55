using System.Collections.Generic;
using System.Globalization;
using System.Text;
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
/// <remarks>
/// What a re-run compares is kept small, because the syntax provider runs its transform for every method on each new
/// compilation (a run that changes a declaration parses them all again): the type's part is one
/// <see cref="CachedTypeSpec"/> shared by its methods, a key parameter's key form sits in its <see cref="ParameterSpec"/>,
/// and the names the emitter derives (hint name, key struct, identity) are composed from these when it writes the
/// file, not stored.
/// </remarks>
internal sealed record CachedMethodSpec(
    CachedTypeSpec Type,
    string MethodName,
    string Name,
    int Ordinal,
    bool SurfaceClash,
    string Modifiers,
    bool IsStatic,
    ReturnKind ReturnKind,
    string ReturnType,
    string ValueType,
    string BodyName,
    bool BodyIsStatic,
    EquatableArray<ParameterSpec> Parameters,
    bool KeyReadsMembers,
    EntryOptionsSpec Options,
    EquatableArray<TagSpec> Tags,
    int ContextIndex,
    bool InvalidationDropsAsync,
    bool OnSurface,
    bool NullableOblivious,
    Uncached Uncached)
{
    /// <summary>"_2" for the second of several same-named [Cached] overloads, "" when alone.</summary>
    private string Suffix => Ordinal == 0 ? "" : "_" + Ordinal.ToString(CultureInfo.InvariantCulture);

    /// <summary>The method's name among the generated files (<c>Ns.Type.Method_2.g.cs</c>); its file's methods are ordered by it.</summary>
    public string HintName => Type.HintPrefix + MethodName + Suffix + ".g.cs";

    /// <summary>The file of the type's [Cached] methods.</summary>
    public string FileName => Type.FileName;

    public string? Namespace => Type.Namespace;

    public EquatableArray<TypeDeclarationSpec> ContainingTypes => Type.ContainingTypes;

    public string KeyStructName => "__" + MethodName + Suffix + "CacheKey";

    public string SurfaceName => SurfaceClash ? MethodName + Ordinal.ToString(CultureInfo.InvariantCulture) : MethodName;

    /// <summary>GetUserAsync is invalidated by InvalidateGetUser and InvalidateGetUserAsync, unless a cached GetUser exists too.</summary>
    public string InvalidationName =>
        (InvalidationDropsAsync ? MethodName.Substring(0, MethodName.Length - "Async".Length) : MethodName)
        + (SurfaceClash ? Ordinal.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>The member or property holding the cache, or null for the default cache.</summary>
    public string? CacheSource => IsStatic ? Type.StaticCacheSource : Type.InstanceCacheSource;

    /// <summary>The parts of the key: the type's <c>[CacheKey]</c> members (by name), then the key parameters; none when the method does not cache.</summary>
    public EquatableArray<KeyPartSpec> KeyParts
    {
        get
        {
            if (Uncached != Uncached.No)
                return EquatableArray<KeyPartSpec>.Empty;
            var parts = new List<KeyPartSpec>();
            if (KeyReadsMembers)
                parts.AddRange(Type.KeyMembers);
            foreach (var parameter in Parameters)
            {
                if (parameter.Role == ParameterRole.Key)
                    parts.Add(new KeyPartSpec(parameter.Name, false, parameter.Type, parameter.Encoding, parameter.Equality, parameter.Underlying, parameter.Shape));
            }

            return EquatableArray.From(parts);
        }
    }

    /// <summary>
    /// The key's identity, "Ns.Outer&lt;", "T", "&gt;.Type[Member].Method(int,T)": literal text at even indexes, type parameter
    /// names at odd ones.
    /// </summary>
    public EquatableArray<string> Identity
    {
        get
        {
            var text = new StringBuilder(Type.IdentityTail);
            if (KeyReadsMembers && Uncached == Uncached.No && Type.KeyMemberNames.Count > 0)
                text.Append('[').Append(string.Join(",", Type.KeyMemberNames)).Append(']');
            text.Append('.').Append(MethodName).Append('(');
            for (var i = 0; i < Parameters.Count; i++)
                text.Append(i == 0 ? "" : ",").Append(Parameters[i].IdentityType);
            text.Append(')');
            var pieces = new string[Type.IdentityPieces.Count + 1];
            for (var i = 0; i < Type.IdentityPieces.Count; i++)
                pieces[i] = Type.IdentityPieces[i];
            pieces[pieces.Length - 1] = text.ToString();
            return new EquatableArray<string>(pieces);
        }
    }

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
    public bool KeyUsesInstance => Uncached == Uncached.No && KeyReadsMembers && Type.KeyMembers.Count > 0;
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

/// <summary>
/// The type that declares the method, the names of its generated surface, and what its methods share (read once per run
/// and referenced by each of their specs): its key members, its caches, its part of their hint names and key identities.
/// </summary>
internal sealed record CachedTypeSpec(
    TypeDeclarationSpec Declaration,
    string FullName,
    bool IsStatic,
    string SurfaceAccessibility,
    string InterfaceName,
    string KeysClassName,
    EquatableArray<TypeParameterConstraintSpec> Constraints,
    string? Namespace,
    EquatableArray<TypeDeclarationSpec> ContainingTypes,
    string HintPrefix,
    string FileName,
    EquatableArray<string> IdentityPieces,
    string IdentityTail,
    EquatableArray<string> KeyMemberNames,
    EquatableArray<KeyPartSpec> KeyMembers,
    Uncached KeyMembersUncached,
    string? StaticCacheSource,
    string? InstanceCacheSource)
{
    /// <summary>The interface as the cached type's declaration names it (with type parameters).</summary>
    public string InterfaceReference => InterfaceName + Declaration.TypeParameters;
}

/// <summary>The constraints of one type parameter of the cached type, in declaration order (e.g. <c>class</c>, a type, <c>new()</c>).</summary>
internal sealed record TypeParameterConstraintSpec(string Name, EquatableArray<string> Constraints);

/// <summary>
/// A parameter of the cached method (<see cref="Name"/> is a valid identifier, escaped if needed): a key parameter's
/// type as the key identity names it, and its storage in the key (as <see cref="KeyPartSpec"/> describes them).
/// </summary>
internal sealed record ParameterSpec(
    string Name,
    string Type,
    ParameterRole Role,
    bool IsParams,
    string? DefaultValue,
    string IdentityType = "",
    KeyEncoding Encoding = KeyEncoding.Direct,
    KeyEquality Equality = KeyEquality.Operator,
    string? Underlying = null,
    KeyShapeSpec? Shape = null);

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

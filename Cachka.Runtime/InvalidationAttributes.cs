namespace Cachka;

/// <summary>
/// Declares that a <c>partial</c> method changes what a <c>[Cached]</c> method of the same type returns: after the
/// body (<c>&lt;Name&gt;Core</c>, or <see cref="Implementation"/>) returns normally, the generated part removes the
/// entry of <see cref="Method"/> for the same arguments from every layer (and every node, with a backplane). The
/// cached method's key parameters are matched by name and type with this method's parameters (and the type's
/// <c>[CacheKey]</c> members) at compile time; a mismatch is an error.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class InvalidatesCachedAttribute(string method) : Attribute
{
    /// <summary>The <c>[Cached]</c> method whose entry is removed: write it with <c>nameof</c>.</summary>
    public string Method { get; } = method;

    /// <summary>Name of the method holding the body; defaults to <c>&lt;Name&gt;Core</c>.</summary>
    public string? Implementation { get; set; }
}

/// <summary>
/// Declares that a <c>partial</c> method changes every entry tagged <see cref="Tag"/>: after the body returns
/// normally, the generated part invalidates the tag in every layer. <c>"user:{userId}"</c> puts the key text of the
/// parameter (or <c>[CacheKey]</c> member) <c>userId</c> where the braces are, exactly as a <c>[Cached(Tags = ...)]</c>
/// template does; a name that names nothing is a compile error.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class InvalidatesTagAttribute(string tag) : Attribute
{
    /// <summary>The tag, or a template naming parameters in braces.</summary>
    public string Tag { get; } = tag;

    /// <summary>Name of the method holding the body; defaults to <c>&lt;Name&gt;Core</c>.</summary>
    public string? Implementation { get; set; }
}

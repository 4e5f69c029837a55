using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Cachka.Keys;

/// <summary>
/// Encodes one key part to its text ahead of time. Generated keys keep parts that have no cheap
/// structural equality (sequences, <see cref="ICacheKeyFormattable"/>, serialized values) as this text,
/// so the typed key compares exactly what the string key contains.
/// </summary>
public static class CacheKeyText
{
    /// <summary>The part text of <paramref name="value"/>, as <see cref="CacheKeyBuilder.AppendValue{T}"/> writes it.</summary>
    [RequiresUnreferencedCode("Types without a direct key form are serialized with System.Text.Json.")]
    [RequiresDynamicCode("Types without a direct key form are serialized with System.Text.Json.")]
    public static string Value<T>(T value)
    {
        var builder = new CacheKeyBuilder(stackalloc char[128]);
        builder.AppendValue(value);
        return builder.ToString();
    }

    /// <summary>The part text of a sequence, as <see cref="CacheKeyBuilder.AppendSequence{T}"/> writes it.</summary>
    [RequiresUnreferencedCode("Elements of types without a direct key form are serialized with System.Text.Json.")]
    [RequiresDynamicCode("Elements of types without a direct key form are serialized with System.Text.Json.")]
    public static string Sequence<T>(IEnumerable<T>? values)
    {
        var builder = new CacheKeyBuilder(stackalloc char[128]);
        builder.AppendSequence(values);
        return builder.ToString();
    }

    /// <summary>
    /// <paramref name="values"/> itself when it can be enumerated again (null, a collection), else its
    /// elements read once into an array: a lazy or one-shot sequence is then enumerated once for the key
    /// and not again for the method's body.
    /// </summary>
    [return: NotNullIfNotNull(nameof(values))]
    public static IEnumerable<T>? ReadOnce<T>(IEnumerable<T>? values) =>
        values is null or ICollection<T> or IReadOnlyCollection<T> ? values : values.ToArray();

    /// <summary>The part text of a formattable value, as <see cref="CacheKeyBuilder.AppendFormattable{T}"/> writes it.</summary>
    public static string Formattable<T>(T value)
        where T : ICacheKeyFormattable?
    {
        var builder = new CacheKeyBuilder(stackalloc char[128]);
        builder.AppendFormattable(value);
        return builder.ToString();
    }

    [RequiresUnreferencedCode("Serializes with System.Text.Json reflection.")]
    [RequiresDynamicCode("Serializes with System.Text.Json reflection.")]
    internal static string Json(object value, Type type) => JsonSerializer.Serialize(value, type);
}

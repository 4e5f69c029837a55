using System.Diagnostics.CodeAnalysis;

namespace Cachka.Keys;

/// <summary>
/// Helpers for generated keys. Generated code keeps parts that have no cheap structural equality
/// (sequences, <see cref="ICacheKeyFormattable"/> values, records and structs written member by member)
/// as their encoded text, so the typed key compares exactly what the string key contains.
/// </summary>
internal static class CacheKeyText
{
    /// <summary>
    /// The part text of a value whose static type does not decide its key form, as
    /// <see cref="CacheKeyBuilder.TryAppendValue{T}"/> writes it; null when the value has no key form.
    /// </summary>
    public static string? TryValue<T>(T value)
    {
        var builder = new CacheKeyBuilder(stackalloc char[128]);
        if (builder.TryAppendValue(value))
            return builder.ToString();
        builder.Dispose();
        return null;
    }

    /// <summary>
    /// <paramref name="values"/> itself when it can be enumerated again (null, a collection), else its
    /// elements read once into an array: a lazy or one-shot sequence is then enumerated once for the key
    /// and not again for the method's body.
    /// </summary>
    [return: NotNullIfNotNull(nameof(values))]
    public static IEnumerable<T>? ReadOnce<T>(IEnumerable<T>? values) =>
        values is null or ICollection<T> or IReadOnlyCollection<T> ? values : values.ToArray();

    /// <summary>The number of elements of a sequence that <see cref="ReadOnce{T}"/> returned (counted without copying).</summary>
    public static int Count<T>(IEnumerable<T> values)
    {
        if (values.TryGetNonEnumeratedCount(out var count))
            return count;
        if (values is IReadOnlyCollection<T> collection)
            return collection.Count;
        count = 0;
        using var enumerator = values.GetEnumerator();
        while (enumerator.MoveNext())
            count++;
        return count;
    }

    /// <summary>The part text of a formattable value, as <see cref="CacheKeyBuilder.AppendFormattable{T}"/> writes it.</summary>
    public static string Formattable<T>(T value)
        where T : ICacheKeyFormattable?
    {
        var builder = new CacheKeyBuilder(stackalloc char[128]);
        builder.AppendFormattable(value);
        return builder.ToString();
    }
}

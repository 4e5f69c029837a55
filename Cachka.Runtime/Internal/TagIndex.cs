using System.Collections.Concurrent;

namespace Cachka.Internal;

/// <summary>
/// Which keys were written with which tag, in this process. Invalidating a tag deletes those keys
/// from every layer. Keys written by other processes, or before a restart, are not known here.
/// </summary>
internal sealed class TagIndex
{
    /// <summary>
    /// The reserved tag of every entry written through HybridCache (whose contract reserves it too), so that
    /// <c>RemoveByTagAsync("*")</c> finds them all; no caller may write it through <see cref="ICache"/>.
    /// </summary>
    public const string Everything = "*";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _keysByTag = new(StringComparer.Ordinal);

    public void Add(string key, IReadOnlyList<string>? tags)
    {
        if (tags is null)
            return;
        for (var i = 0; i < tags.Count; i++)
            _keysByTag.GetOrAdd(tags[i], static _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[key] = 0;
    }

    public ICollection<string> Take(string tag) =>
        _keysByTag.TryRemove(tag, out var keys) ? keys.Keys : [];

    /// <summary>A tag a layer may store or invalidate: any non-empty one, <see cref="Everything"/> included.</summary>
    public static string StorableTag(string tag)
    {
        if (string.IsNullOrEmpty(tag))
            throw new ArgumentException("A cache tag must not be null or empty.", nameof(tag));
        return tag;
    }

    /// <summary>A tag a caller may write or invalidate through <see cref="ICache"/>: not empty, not reserved.</summary>
    public static string ValidTag(string tag)
    {
        StorableTag(tag);
        if (tag == Everything)
            throw new ArgumentException($"The tag '{Everything}' is reserved (HybridCache's RemoveByTagAsync(\"*\") removes every entry written through HybridCache); choose another tag.", nameof(tag));
        return tag;
    }
}

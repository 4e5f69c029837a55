using System.Collections.Concurrent;

namespace Cachka.Internal;

/// <summary>
/// Which keys were written with which tag, in this process. Invalidating a tag deletes those keys
/// from every layer. Keys written by other processes, or before a restart, are not known here.
/// </summary>
internal sealed class TagIndex
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _keysByTag = new(StringComparer.Ordinal);

    public void Add(string key, IReadOnlyList<string>? tags)
    {
        if (tags is null)
            return;
        for (var i = 0; i < tags.Count; i++)
            _keysByTag.GetOrAdd(ValidTag(tags[i]), static _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[key] = 0;
    }

    public ICollection<string> Take(string tag) =>
        _keysByTag.TryRemove(ValidTag(tag), out var keys) ? keys.Keys : [];

    public static string ValidTag(string tag)
    {
        if (string.IsNullOrEmpty(tag))
            throw new ArgumentException("A cache tag must not be null or empty.", nameof(tag));
        return tag;
    }
}

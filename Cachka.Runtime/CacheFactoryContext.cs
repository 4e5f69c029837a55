using Cachka.Internal;

namespace Cachka;

/// <summary>
/// What the factory of an adaptive <c>GetOrCreate</c>/<c>GetOrCreateAsync</c> may decide about the entry it produces,
/// from its result: how long it lives (a token's own expiry), its tags, or that it is not cached at all (a null, an
/// error result). Read by the cache once the factory returns; concurrent callers of the key still share the one run.
/// </summary>
public sealed class CacheFactoryContext
{
    private TimeSpan _ttl;

    internal CacheFactoryContext(string key, IReadOnlyList<string>? tags)
    {
        Key = key;
        Tags = tags is null ? [] : [.. tags];
    }

    /// <summary>The key being filled.</summary>
    public string Key { get; }

    /// <summary>The entry's time to live: the call's (or the cache's default, with jitter) until the factory sets it; &lt;= 0 is rejected.</summary>
    public TimeSpan Ttl
    {
        get => _ttl;
        set
        {
            Guard.Positive(value, "CacheFactoryContext.Ttl", " To keep the result out of the cache, call DoNotCache().");
            _ttl = value;
        }
    }

    /// <summary>The entry's tags: the call's until the factory changes them.</summary>
    public IList<string> Tags { get; }

    /// <summary>False once the factory called <see cref="DoNotCache"/>.</summary>
    public bool WillCache { get; private set; } = true;

    /// <summary>Returns the result to every caller waiting for it without storing it in any layer.</summary>
    public void DoNotCache() => WillCache = false;

    internal void Begin(TimeSpan ttl) => _ttl = ttl;

    internal IReadOnlyList<string>? StoredTags()
    {
        if (Tags.Count == 0)
            return null;
        var tags = new string[Tags.Count];
        for (var i = 0; i < tags.Length; i++)
            tags[i] = TagIndex.ValidTag(Tags[i]);
        return tags;
    }
}

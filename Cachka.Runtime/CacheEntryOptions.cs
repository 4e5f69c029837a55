namespace Cachka;

/// <summary>Per-write options: how long the entry lives and the tags that can invalidate it together.</summary>
/// <param name="Ttl">Time to live; null means <see cref="CacheConfig.DefaultEntryOptions"/>'s, else <see cref="CacheConfig.DefaultTtl"/>; &lt;= 0 is rejected.</param>
/// <param name="Tags">Tags for <see cref="ICache.InvalidateTag(string)"/>.</param>
public readonly record struct CacheEntryOptions(TimeSpan? Ttl = null, IReadOnlyList<string>? Tags = null)
{
    /// <summary>
    /// At most this much random time added to the TTL of each write, so entries written together do not expire
    /// together (and their callers do not all reach the origin at once). Null means
    /// <see cref="CacheConfig.DefaultEntryOptions"/>'s (none by default); negative is rejected.
    /// </summary>
    public TimeSpan? Jitter { get; init; }
}

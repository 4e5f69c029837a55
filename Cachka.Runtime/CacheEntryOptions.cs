namespace Cachka;

/// <summary>Per-write options: how long the entry lives and the tags that can invalidate it together.</summary>
/// <param name="Ttl">Time to live; null means <see cref="CacheConfig.DefaultTtl"/>; &lt;= 0 is rejected.</param>
/// <param name="Tags">Tags for <see cref="ICache.InvalidateTag(string)"/>.</param>
public readonly record struct CacheEntryOptions(TimeSpan? Ttl = null, IReadOnlyList<string>? Tags = null);

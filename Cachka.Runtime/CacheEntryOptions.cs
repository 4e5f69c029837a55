namespace Cachka;

/// <summary>Per-write options: how long the entry lives and the tags that can invalidate it together.</summary>
public readonly record struct CacheEntryOptions(TimeSpan? Ttl = null, IReadOnlyList<string>? Tags = null)
{
    public static implicit operator CacheEntryOptions(TimeSpan ttl) => new(ttl);
}

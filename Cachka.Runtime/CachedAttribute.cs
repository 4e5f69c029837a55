namespace Cachka;

/// <summary>
/// Marks a <c>partial</c> method whose result is cached; the Cachka generator writes its implementing
/// part. The uncached body is the method named <c>&lt;Name&gt;Core</c>, or the one named by <see cref="Implementation"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class CachedAttribute : Attribute
{
    /// <summary>Time to live in seconds (the Python cachka's <c>@cached(ttl=300)</c>); must be &gt; 0.</summary>
    public int Ttl { get; set; } = 300;

    /// <summary>For instance methods: the instance contributes only its type name to the key (all instances share entries).</summary>
    public bool SimplifiedSelfSerialization { get; set; }

    /// <summary>Name of the method holding the uncached body; defaults to <c>&lt;Name&gt;Core</c>.</summary>
    public string? Implementation { get; set; }

    /// <summary>
    /// Tags of each entry, for <see cref="ICache.InvalidateTag(string)"/>: <c>"user:{userId}"</c> puts the key text of
    /// the parameter (or <c>[CacheKey]</c> member) <c>userId</c> where the braces are; a name that names nothing is a
    /// compile error.
    /// </summary>
    public string[]? Tags { get; set; }

    /// <summary>Fail-safe: seconds an expired entry is kept to be served when the body fails (<see cref="CacheEntryOptions.FailSafeMaxDuration"/>); 0: the cache's default.</summary>
    public int FailSafeMaxDuration { get; set; }

    /// <summary>Seconds before a failed body is tried again while a stale value is served (<see cref="CacheEntryOptions.FailSafeThrottleDuration"/>); 0: the cache's default.</summary>
    public int FailSafeThrottleDuration { get; set; }

    /// <summary>Milliseconds after which a stale value is returned while the body finishes in the background (<see cref="CacheEntryOptions.FactorySoftTimeout"/>); 0: the cache's default.</summary>
    public int FactorySoftTimeoutMs { get; set; }

    /// <summary>Milliseconds after which the body is not waited for (<see cref="CacheEntryOptions.FactoryHardTimeout"/>); 0: the cache's default.</summary>
    public int FactoryHardTimeoutMs { get; set; }

    /// <summary>Fraction of the TTL after which a hit refreshes the entry in the background (<see cref="CacheEntryOptions.EagerRefreshThreshold"/>); 0: the cache's default.</summary>
    public double EagerRefreshThreshold { get; set; }

    /// <summary>At most this many seconds of random extra TTL per entry (<see cref="CacheEntryOptions.Jitter"/>); 0: the cache's default.</summary>
    public int Jitter { get; set; }
}

/// <summary>Marks an instance field or property of a type with <c>[Cached]</c> methods as part of every cache key of that instance.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class CacheKeyAttribute : Attribute
{
}

/// <summary>Leaves a parameter of a <c>[Cached]</c> method out of the cache key.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class NotCacheKeyAttribute : Attribute
{
}

/// <summary>
/// A type that can appear in a cache key: it writes a deterministic, culture-invariant text that is
/// equal exactly when the values are equal (the key encoder escapes it, so any text is safe).
/// </summary>
public interface ICacheKeyFormattable
{
    /// <summary>The value's key text: deterministic across processes, machines and cultures.</summary>
    string FormatCacheKey();
}

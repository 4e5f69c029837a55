namespace Cachka;

/// <summary>
/// Per-write options: how long the entry lives, the tags that can invalidate it together, and the resilience options
/// of a <c>GetOrCreate</c>/<c>GetOrCreateAsync</c> fill. What a call leaves null comes from
/// <see cref="CacheConfig.DefaultEntryOptions"/>; see docs/resilience.md.
/// </summary>
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

    /// <summary>
    /// Fail-safe: how long an entry is kept after its TTL ends (in every layer), to be served instead of an error when
    /// the factory that should replace it throws or reaches <see cref="FactoryHardTimeout"/>. Null or zero: off.
    /// </summary>
    public TimeSpan? FailSafeMaxDuration { get; init; }

    /// <summary>
    /// After a stale value was served because the factory failed, the factory is not tried again for this long (the
    /// stale value is served meanwhile). Null means the default's, else 30 seconds; must be &gt; 0.
    /// </summary>
    public TimeSpan? FailSafeThrottleDuration { get; init; }

    /// <summary>
    /// With a stale value at hand (fail-safe), a factory slower than this is not waited for: the stale value is
    /// returned and the factory finishes in the background, updating every layer. Null: wait.
    /// </summary>
    public TimeSpan? FactorySoftTimeout { get; init; }

    /// <summary>
    /// A factory slower than this is not waited for: the stale value is returned if there is one, else a
    /// <see cref="TimeoutException"/>; the factory still finishes in the background and its result is stored. Null: wait.
    /// </summary>
    public TimeSpan? FactoryHardTimeout { get; init; }

    /// <summary>
    /// A <c>GetOrCreate</c> hit after this fraction of the entry's TTL (0 &lt; x &lt; 1, e.g. 0.8) returns the value
    /// and starts one background refresh of the key. Null: no eager refresh.
    /// </summary>
    public float? EagerRefreshThreshold { get; init; }
}

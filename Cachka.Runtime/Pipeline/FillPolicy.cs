using Cachka.Internal;

namespace Cachka.Pipeline;

/// <summary>
/// A call's <see cref="CacheEntryOptions"/> resolved against the cache's defaults and checked: the TTL (with its
/// jitter drawn) and the resilience options. <see cref="IsPlain"/> when none of fail-safe, timeouts or eager refresh
/// applies: the fill then takes the plain path, which pays nothing for them.
/// </summary>
internal readonly struct FillPolicy
{
    public static readonly TimeSpan DefaultThrottle = TimeSpan.FromSeconds(30);

    // The resilience options, or null for a plain fill: the policy is a TTL and a reference, so the plain path (every
    // cold miss) copies 16 bytes and tests one reference, and only a resilient fill allocates for its options.
    private readonly Resilience? _resilience;

    public FillPolicy(TimeSpan ttl, TimeSpan failSafe, TimeSpan throttle, TimeSpan? softTimeout, TimeSpan? hardTimeout, float refresh)
        : this(ttl, failSafe == TimeSpan.Zero && softTimeout is null && hardTimeout is null && refresh == 0
            ? null
            : new Resilience(failSafe, throttle, softTimeout, hardTimeout, refresh))
    {
    }

    private FillPolicy(TimeSpan ttl, Resilience? resilience)
    {
        Ttl = ttl;
        _resilience = resilience;
    }

    /// <summary>A plain fill's policy: its TTL and nothing else.</summary>
    public static FillPolicy Plain(TimeSpan ttl) => new(ttl, resilience: null);

    public TimeSpan Ttl { get; }

    /// <summary>How long an entry is kept past its TTL (zero: fail-safe off).</summary>
    public TimeSpan FailSafe => _resilience?.FailSafe ?? TimeSpan.Zero;

    public TimeSpan Throttle => _resilience?.Throttle ?? DefaultThrottle;

    public TimeSpan? SoftTimeout => _resilience?.SoftTimeout;

    public TimeSpan? HardTimeout => _resilience?.HardTimeout;

    /// <summary>The fraction of the TTL after which a hit refreshes (zero: off).</summary>
    public float Refresh => _resilience?.Refresh ?? 0;

    /// <summary>None of fail-safe, timeouts or eager refresh.</summary>
    public bool IsPlain => _resilience is null;

    public bool IsFailSafe => FailSafe > TimeSpan.Zero;

    public FillPolicy WithTtl(TimeSpan ttl) => new(ttl, _resilience);

    /// <summary>The instants of an entry written now.</summary>
    public EntryTimes TimesFrom(DateTimeOffset now)
    {
        var expiresAt = now + Ttl;
        return new EntryTimes(expiresAt, expiresAt + FailSafe, Refresh > 0 ? now + Ttl * Refresh : expiresAt) { Origin = now };
    }

    /// <summary>How long to wait for a factory: the soft timeout only with a stale value at hand; null: wait.</summary>
    public TimeSpan? WaitFor(bool staleAtHand)
    {
        var soft = staleAtHand ? SoftTimeout : null;
        return soft is { } s && (HardTimeout is not { } h || s < h) ? s : HardTimeout;
    }

    /// <summary>Resolves and checks a call's options against the cache's defaults; a bad value throws, naming the option.</summary>
    public static FillPolicy Resolve(in CacheEntryOptions options, in CacheEntryOptions defaults, TimeSpan defaultTtl)
    {
        if (options.Tags is { } tags)
        {
            foreach (var tag in tags)
                TagIndex.ValidTag(tag);
        }

        var ttl = Guard.Ttl(options.Ttl ?? defaults.Ttl, defaultTtl);
        if ((options.Jitter ?? defaults.Jitter) is { } jitter && jitter != TimeSpan.Zero)
        {
            Check(options, "CacheEntryOptions");
            ttl += TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * jitter.Ticks));
        }

        var failSafe = options.FailSafeMaxDuration ?? defaults.FailSafeMaxDuration;
        var soft = options.FactorySoftTimeout ?? defaults.FactorySoftTimeout;
        var hard = options.FactoryHardTimeout ?? defaults.FactoryHardTimeout;
        var refresh = options.EagerRefreshThreshold ?? defaults.EagerRefreshThreshold;
        if (failSafe is null && soft is null && hard is null && refresh is null)
            return Plain(ttl);

        Check(options, "CacheEntryOptions");
        return new FillPolicy(
            ttl,
            failSafe ?? TimeSpan.Zero,
            options.FailSafeThrottleDuration ?? defaults.FailSafeThrottleDuration ?? DefaultThrottle,
            soft,
            hard,
            refresh ?? 0);
    }

    /// <summary>Checks each option that is set; <paramref name="prefix"/> names where (a call, or the cache's defaults).</summary>
    public static void Check(in CacheEntryOptions options, string prefix)
    {
        if (options.Ttl is { } ttl)
            Guard.Positive(ttl, prefix + ".Ttl", " To remove an entry, call Delete.");
        if (options.Jitter is { } jitter && jitter < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(prefix + ".Jitter", jitter, $"{prefix}.Jitter must not be negative (got {jitter}); use null or zero for none.");
        if (options.FailSafeMaxDuration is { } failSafe && failSafe < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(prefix + ".FailSafeMaxDuration", failSafe, $"{prefix}.FailSafeMaxDuration must not be negative (got {failSafe}); use null or zero to turn fail-safe off.");
        if (options.FailSafeThrottleDuration is { } throttle)
            Guard.Positive(throttle, prefix + ".FailSafeThrottleDuration", " It is how long a stale value is served before the factory is tried again.");
        if (options.FactorySoftTimeout is { } soft)
            Guard.Positive(soft, prefix + ".FactorySoftTimeout", " Use null to wait for the factory.");
        if (options.FactoryHardTimeout is { } hard)
            Guard.Positive(hard, prefix + ".FactoryHardTimeout", " Use null to wait for the factory.");
        if (options.EagerRefreshThreshold is { } refresh && !(refresh > 0 && refresh < 1))
            throw new ArgumentOutOfRangeException(prefix + ".EagerRefreshThreshold", refresh, $"{prefix}.EagerRefreshThreshold must be between 0 and 1, exclusive (got {refresh}): the fraction of the TTL after which a hit refreshes the entry, for example 0.8. Use null to turn eager refresh off.");
    }

    private sealed record Resilience(TimeSpan FailSafe, TimeSpan Throttle, TimeSpan? SoftTimeout, TimeSpan? HardTimeout, float Refresh);
}

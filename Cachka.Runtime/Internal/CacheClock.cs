namespace Cachka.Internal;

/// <summary>
/// Expiry time for the memory layer in whole milliseconds. With the system clock it reads the cheap
/// monotonic <see cref="Environment.TickCount64"/> (an L1 hit must not pay for a wall-clock read);
/// with any other <see cref="TimeProvider"/> (tests) it follows that provider's UTC time.
/// </summary>
internal sealed class CacheClock(TimeProvider time)
{
    private readonly bool _system = ReferenceEquals(time, TimeProvider.System);

    public TimeProvider Time { get; } = time;

    public long NowMs => _system ? Environment.TickCount64 : Time.GetUtcNow().ToUnixTimeMilliseconds();

    public DateTimeOffset UtcNow => Time.GetUtcNow();

    // The wall clock read at a tick count, for CoarseUtcNow (replaced whole, so readers see a consistent pair).
    private sealed record Anchor(long TickMs, DateTimeOffset Utc);

    private Anchor? _anchor;

    /// <summary>
    /// UTC now to the millisecond from the tick count, re-read from the wall clock at most once a second: for instants
    /// that only this process's memory layer reads (it converts them back relative to their origin, so only their
    /// differences count). <see cref="UtcNow"/> with any other time provider.
    /// </summary>
    public DateTimeOffset CoarseUtcNow
    {
        get
        {
            if (!_system)
                return Time.GetUtcNow();
            var tick = Environment.TickCount64;
            var anchor = Volatile.Read(ref _anchor);
            if (anchor is null || tick - anchor.TickMs >= 1000)
                Volatile.Write(ref _anchor, anchor = new Anchor(tick, Time.GetUtcNow()));
            return anchor.Utc.AddMilliseconds(tick - anchor.TickMs);
        }
    }

    /// <summary>Converts an absolute UTC expiry to this clock's milliseconds, rounding up so an entry never outlives its TTL by less than it should.</summary>
    public long ToClockMs(DateTimeOffset expiresAt) => NowMs + RemainingMs(expiresAt - UtcNow);

    /// <summary>As <see cref="ToClockMs(DateTimeOffset)"/>, for an instant computed from <paramref name="origin"/>, a UTC time read a moment ago (no second read).</summary>
    public long ToClockMs(DateTimeOffset expiresAt, DateTimeOffset origin, long nowMs) =>
        origin == default ? ToClockMs(expiresAt) : nowMs + RemainingMs(expiresAt - origin);

    /// <summary>A span in whole milliseconds, rounded up (zero for none or less).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static long RemainingMs(TimeSpan remaining) => remaining <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(remaining.TotalMilliseconds);

    public DateTimeOffset ToUtc(long clockMs) => UtcNow.AddMilliseconds(clockMs - NowMs);
}

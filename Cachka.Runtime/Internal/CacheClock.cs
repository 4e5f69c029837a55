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

    /// <summary>Converts an absolute UTC expiry to this clock's milliseconds, rounding up so an entry never outlives its TTL by less than it should.</summary>
    public long ToClockMs(DateTimeOffset expiresAt)
    {
        var remaining = expiresAt - UtcNow;
        var ms = remaining <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(remaining.TotalMilliseconds);
        return NowMs + ms;
    }

    public DateTimeOffset ToUtc(long clockMs) => UtcNow.AddMilliseconds(clockMs - NowMs);
}

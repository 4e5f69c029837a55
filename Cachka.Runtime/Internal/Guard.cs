namespace Cachka.Internal;

internal static class Guard
{
    public static void Positive(TimeSpan value, string setting, string? hint = null)
    {
        if (value <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(setting, value, $"{setting} must be greater than zero (got {value}).{hint}");
    }

    public static TimeSpan Ttl(TimeSpan? ttl, TimeSpan fallback)
    {
        if (ttl is not { } value)
            return fallback;
        if (value <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ttl), value, $"The TTL must be greater than zero (got {value}); to remove an entry, call Delete.");
        return value;
    }

    public static void Key(string key)
    {
        if (key is null)
            throw new ArgumentNullException(nameof(key), "A cache key must not be null.");
        if (key.Length == 0)
            throw new ArgumentException("A cache key must not be empty.", nameof(key));
    }
}

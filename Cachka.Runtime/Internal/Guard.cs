using System.Diagnostics.CodeAnalysis;

namespace Cachka.Internal;

// Checks on every call's input: the check inlines at the call site, the message is built only in a throw helper.
internal static class Guard
{
    public static void Positive(TimeSpan value, string setting, string? hint = null)
    {
        if (value <= TimeSpan.Zero)
            NotPositive(value, setting, hint);
    }

    public static TimeSpan Ttl(TimeSpan? ttl, TimeSpan fallback)
    {
        if (ttl is not { } value)
            return fallback;
        if (value <= TimeSpan.Zero)
            TtlNotPositive(value);
        return value;
    }

    public static void Key(string key)
    {
        if (string.IsNullOrEmpty(key))
            BadKey(key);
    }

    [DoesNotReturn]
    private static void NotPositive(TimeSpan value, string setting, string? hint) =>
        throw new ArgumentOutOfRangeException(setting, value, $"{setting} must be greater than zero (got {value}).{hint}");

    [DoesNotReturn]
    private static void TtlNotPositive(TimeSpan value) =>
        throw new ArgumentOutOfRangeException("ttl", value, $"The TTL must be greater than zero (got {value}); to remove an entry, call Delete.");

    [DoesNotReturn]
    private static void BadKey(string? key) =>
        throw (key is null
            ? new ArgumentNullException(nameof(key), "A cache key must not be null.")
            : new ArgumentException("A cache key must not be empty.", nameof(key)));
}

namespace Cachka.Keys;

/// <summary>
/// Equality for key parts whose ordinary <c>Equals</c> is looser than their key text (generated keys
/// must be equal only when their strings are): doubles by bits (<c>0.0</c> and <c>-0.0</c> differ),
/// DateTime by ticks and kind, DateTimeOffset by ticks and offset.
/// </summary>
internal static class CacheKeyEquality
{
    public static bool Equal(double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y);

    public static bool Equal(float x, float y) => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y);

    public static bool Equal(DateTime x, DateTime y) => x.Ticks == y.Ticks && x.Kind == y.Kind;

    public static bool Equal(DateTimeOffset x, DateTimeOffset y) => x.EqualsExact(y);

    public static bool Equal(double? x, double? y) => x.HasValue ? y.HasValue && Equal(x.GetValueOrDefault(), y.GetValueOrDefault()) : !y.HasValue;

    public static bool Equal(float? x, float? y) => x.HasValue ? y.HasValue && Equal(x.GetValueOrDefault(), y.GetValueOrDefault()) : !y.HasValue;

    public static bool Equal(DateTime? x, DateTime? y) => x.HasValue ? y.HasValue && Equal(x.GetValueOrDefault(), y.GetValueOrDefault()) : !y.HasValue;

    public static bool Equal(DateTimeOffset? x, DateTimeOffset? y) => x.HasValue ? y.HasValue && Equal(x.GetValueOrDefault(), y.GetValueOrDefault()) : !y.HasValue;

    /// <summary>The decimal with trailing zeros removed (<c>1.00m</c> becomes <c>1m</c>); negative zero becomes zero.</summary>
    public static decimal Normalize(decimal value) => value == 0m ? 0m : value / 1.0000000000000000000000000000m;
}

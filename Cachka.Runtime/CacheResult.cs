namespace Cachka;

/// <summary>The result of a read that tells a miss apart from a cached null or default value.</summary>
public readonly record struct CacheResult<T>(bool HasValue, T Value)
{
    /// <summary>A miss.</summary>
    public static CacheResult<T> Miss => default;

    /// <summary>The value, or <paramref name="fallback"/> on a miss.</summary>
    public T GetValueOrDefault(T fallback) => HasValue ? Value : fallback;
}

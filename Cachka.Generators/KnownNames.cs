namespace Cachka.Generators;

/// <summary>Metadata and emitted names of the runtime types the generator depends on (no reference to Cachka.Runtime).</summary>
internal static class KnownNames
{
    public const string CachedAttribute = "Cachka.CachedAttribute";
    public const string InvalidatesCachedAttribute = "Cachka.InvalidatesCachedAttribute";
    public const string InvalidatesTagAttribute = "Cachka.InvalidatesTagAttribute";
    public const string CacheKeyAttribute = "Cachka.CacheKeyAttribute";
    public const string NotCacheKeyAttribute = "Cachka.NotCacheKeyAttribute";
    public const string CacheSourceAttribute = "Cachka.CacheSourceAttribute";
    public const string CacheKeyFormattable = "Cachka.ICacheKeyFormattable";
    public const string Cache = "Cachka.ICache";
    public const string GeneratedCache = "Cachka.Generated.GeneratedCache";
    public const string RedisConfigBinding = "Cachka.Redis.RedisConfigBinding";
    public const string GlobalRedisConfigBinding = "global::Cachka.Redis.RedisConfigBinding";
    public const string JsonSerializableAttribute = "System.Text.Json.Serialization.JsonSerializableAttribute";
    public const string JsonSerializationNamespace = "System.Text.Json.Serialization";

    public const string GlobalCache = "global::Cachka.ICache";
    public const string GlobalCacheKey = "global::Cachka.ICacheKey";
    public const string GlobalGeneratedCache = "global::Cachka.Generated.GeneratedCache";
    public const string GlobalRegistry = "global::Cachka.CacheRegistry";
    public const string GlobalEntryOptions = "global::Cachka.CacheEntryOptions";
    public const string GlobalKeyBuilder = "global::Cachka.Keys.CacheKeyBuilder";
}

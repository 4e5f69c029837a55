using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Runtime;

/// <summary>Builds caches on a fake clock so TTL tests advance time instead of sleeping.</summary>
internal static class TestCaches
{
    public static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public static LayeredCache Memory(FakeTimeProvider? clock = null, int maxSize = 1024, TimeSpan? memoryTtl = null, int shards = 8) =>
        new(new CacheConfig
        {
            Layers = [new MemoryCacheConfig { MaxSize = maxSize, Ttl = memoryTtl ?? TimeSpan.FromMinutes(5), Shards = shards }],
            VacuumInterval = null,
            CleanupOnStart = false,
        }, clock ?? Clock());

    public static LayeredCache With(FakeTimeProvider clock, params CacheLayerConfig[] layers) =>
        new(new CacheConfig { Layers = layers, VacuumInterval = null, CleanupOnStart = false, CircuitBreakerThreshold = 3, CircuitBreakerWindow = TimeSpan.FromSeconds(30) }, clock);
}

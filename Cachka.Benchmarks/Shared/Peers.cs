using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace Cachka.Benchmarks.Shared;

/// <summary>Builds Cachka and its peers the same way in every suite: memory only, entries that outlive the run.</summary>
internal static class Peers
{
    public static readonly TimeSpan Ttl = TimeSpan.FromMinutes(30);

    public static LayeredCache Cachka(int maxSize = 16_384) =>
        new(new CacheConfig
        {
            Layers = [new MemoryCacheConfig { MaxSize = maxSize, Ttl = Ttl }],
            DefaultTtl = Ttl,
            VacuumInterval = null,
            CleanupOnStart = false,
        });

    public static MemoryCache MemoryCache(long? sizeLimit = null) =>
        new(new MemoryCacheOptions { SizeLimit = sizeLimit });

    public static FusionCache FusionCache(long? sizeLimit = null) =>
        new(new FusionCacheOptions { DefaultEntryOptions = new FusionCacheEntryOptions { Duration = Ttl, Size = sizeLimit is null ? null : 1 } },
            sizeLimit is null ? null : MemoryCache(sizeLimit));

    public static (HybridCache Cache, ServiceProvider Services) HybridCache()
    {
        var services = new ServiceCollection();
        services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = Ttl, LocalCacheExpiration = Ttl });
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<HybridCache>(), provider);
    }
}

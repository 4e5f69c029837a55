using Cachka;
using Cachka.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Cachka in a service collection.</summary>
public static class CachkaServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICache"/> as a singleton built from <paramref name="config"/> (null: the
    /// embedded default), with the container's <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/>
    /// when registered. When <paramref name="useAsProcessCache"/> is true, the cache also becomes
    /// <see cref="CacheRegistry.Get"/> (what generated <c>[Cached]</c> methods use) as soon as it is first resolved.
    /// The container disposes it.
    /// </summary>
    public static IServiceCollection AddCachka(this IServiceCollection services, CacheConfig? config = null, bool useAsProcessCache = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        var resolved = config ?? CacheConfig.Default;
        resolved.Validate();
        services.TryAddSingleton<ICache>(provider =>
        {
            var cache = resolved.CreateCache(provider.GetService<TimeProvider>(), provider.GetService<ILoggerFactory>());
            if (useAsProcessCache)
                CacheRegistry.Initialize(cache);
            return cache;
        });
        return services;
    }

    /// <summary>As <see cref="AddCachka(IServiceCollection, CacheConfig?, bool)"/>, reading the configuration from a section (see <see cref="CacheConfigBinder"/>).</summary>
    public static IServiceCollection AddCachka(this IServiceCollection services, IConfiguration section, bool useAsProcessCache = true) =>
        services.AddCachka(CacheConfigBinder.Bind(section), useAsProcessCache);
}

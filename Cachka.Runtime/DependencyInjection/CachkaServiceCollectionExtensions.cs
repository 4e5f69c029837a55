using Cachka;
using Cachka.Configuration;
using Cachka.Hybrid;
using Cachka.Layers.Distributed;
using Cachka.Pipeline;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Cachka in a service collection.</summary>
public static class CachkaServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICache"/> as a singleton built from <paramref name="config"/> (null: the
    /// embedded default), with the container's <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/>
    /// when registered, and Microsoft's <see cref="HybridCache"/> implemented on it (docs/hybridcache.md). An
    /// <see cref="IDistributedCache"/> registered in the container becomes a layer below the configured ones.
    /// The container disposes the cache.
    /// </summary>
    /// <remarks>
    /// When <paramref name="useAsProcessCache"/> is true, the cache also offers to be <see cref="CacheRegistry.Get"/>
    /// (what generated <c>[Cached]</c> methods use without a <c>[CacheSource]</c>): in a host, when the host starts,
    /// so <c>[Cached]</c> methods work from the first request; without one, when the cache is first resolved. With
    /// several hosts or containers in one process, the first to offer is the process cache and the others wait in
    /// line: when its host stops (or its container is disposed), the next one still running takes over. A type
    /// that must use one container's cache names it with a <c>[CacheSource]</c> member.
    /// </remarks>
    public static IServiceCollection AddCachka(this IServiceCollection services, CacheConfig? config = null, bool useAsProcessCache = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        var resolved = config ?? CacheConfig.Default;
        resolved.Validate();
        return services.AddCachka(_ => resolved, useAsProcessCache);
    }

    /// <summary>
    /// As <see cref="AddCachka(IServiceCollection, CacheConfig?, bool)"/>, with the configuration made from the container
    /// (options, secrets, other services) when the cache is first needed. In a host that is when the host starts, so a
    /// bad configuration fails the start with a message that names the setting (<c>ValidateOnStart</c>).
    /// </summary>
    public static IServiceCollection AddCachka(this IServiceCollection services, Func<IServiceProvider, CacheConfig> configure, bool useAsProcessCache = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.TryAddSingleton<ICache>(provider =>
        {
            var config = configure(provider) ?? throw new InvalidOperationException("The AddCachka configuration callback returned null; return a CacheConfig.");
            var cache = WithDistributedCache(config, provider).CreateCache(provider.GetService<TimeProvider>(), provider.GetService<ILoggerFactory>());
            if (useAsProcessCache)
                CacheRegistry.Offer(cache);
            return cache;
        });
        services.TryAddSingleton<HybridCache>(provider => new CachkaHybridCache(
            provider.GetRequiredService<ICache>() as LayeredCache
                ?? throw new InvalidOperationException("HybridCache on Cachka needs the ICache AddCachka registers; another ICache was registered before AddCachka."),
            provider,
            provider.GetService<ILoggerFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ProcessCacheLifetime>());
        return services;
    }

    /// <summary>
    /// Registers a named cache as a keyed service: <c>[FromKeyedServices("orders")] ICache</c> (and a keyed
    /// <see cref="HybridCache"/> on it). Its metrics and health carry <paramref name="name"/> (unless the config names
    /// itself). A named cache is never the process cache; a <c>[Cached]</c> type reaches it through a
    /// <c>[CacheSource]</c> member. Any number of named caches live beside the one <c>AddCachka(config)</c> registers.
    /// </summary>
    public static IServiceCollection AddCachka(this IServiceCollection services, string name, CacheConfig config)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(config);
        var named = config.Name == CacheConfig.Default.Name ? config with { Name = name } : config;
        named.Validate();
        services.AddKeyedSingleton<ICache>(name, (provider, _) => named.CreateCache(provider.GetService<TimeProvider>(), provider.GetService<ILoggerFactory>()));
        services.AddKeyedSingleton<HybridCache>(name, (provider, _) => new CachkaHybridCache(
            (LayeredCache)provider.GetRequiredKeyedService<ICache>(name), provider, provider.GetService<ILoggerFactory>()));
        return services;
    }

    // As Microsoft's HybridCache: an IDistributedCache in the container is the tier below the configured layers (an
    // in-process MemoryDistributedCache would only be a second copy in memory, so it is left out).
    private static CacheConfig WithDistributedCache(CacheConfig config, IServiceProvider provider)
    {
        var distributed = provider.GetService<IDistributedCache>();
        if (distributed is null || distributed.GetType().FullName == "Microsoft.Extensions.Caching.Distributed.MemoryDistributedCache")
            return config;
        return config with { Layers = [.. config.Layers, new DistributedCacheLayerConfig(distributed)] };
    }

    /// <summary>As <see cref="AddCachka(IServiceCollection, CacheConfig?, bool)"/>, reading the configuration from a section (see <see cref="CacheConfigBinder"/>).</summary>
    /// <exception cref="ArgumentException">The section does not exist (a misspelt section name), or a setting is invalid.</exception>
    /// <exception cref="FormatException">A value cannot be read, or a setting is unknown (misspelt); the message names its path.</exception>
    public static IServiceCollection AddCachka(this IServiceCollection services, IConfiguration section, bool useAsProcessCache = true)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section is IConfigurationSection { Value: null } named && !named.GetChildren().Any())
            throw new ArgumentException(
                $"Configuration section '{named.Path}' does not exist or is empty (misspelt?). Give it at least one setting, or call AddCachka() for the defaults.",
                nameof(section));
        return services.AddCachka(CacheConfigBinder.Bind(section), useAsProcessCache);
    }
}

/// <summary>
/// In a host: the container's cache is built when the host starts (so a bad configuration fails the start), offers to be
/// the process cache then (unless registered with <c>useAsProcessCache: false</c>), and withdraws when the host stops.
/// </summary>
internal sealed class ProcessCacheLifetime(IServiceProvider services) : IHostedService
{
    private ICache? _cache;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _cache = services.GetRequiredService<ICache>(); // built now, not on the first request; offered by AddCachka's factory
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_cache is not null)
            CacheRegistry.Release(_cache);
        return Task.CompletedTask;
    }
}

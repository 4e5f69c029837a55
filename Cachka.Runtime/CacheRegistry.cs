using Microsoft.Extensions.Logging;

namespace Cachka;

/// <summary>
/// The process-wide cache that generated <c>[Cached]</c> methods use (the Python cachka's <c>cache_registry</c>).
/// Thread-safe. <see cref="ShutdownAsync"/> closes the cache and leaves the registry uninitialized, so
/// it can be initialized again; <see cref="Reset"/> does the same synchronously (tests).
/// </summary>
public static class CacheRegistry
{
    private static readonly Lock s_gate = new();
    private static ICache? s_cache;

    // Caches of containers (hosts) that offered to be the process cache, oldest first: the first is the process
    // cache; when its container releases it, the next one still running takes over.
    private static readonly List<ICache> s_offered = [];

    /// <summary>Whether <see cref="Initialize(CacheConfig?, TimeProvider?, Microsoft.Extensions.Logging.ILoggerFactory?)"/> has run (and no shutdown or reset since).</summary>
    public static bool IsInitialized => Volatile.Read(ref s_cache) is not null;

    /// <summary>
    /// Builds the process-wide cache. Null means the embedded default (<see cref="CacheConfig.Default"/>).
    /// If building fails, the registry stays uninitialized.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already initialized.</exception>
    /// <exception cref="ArgumentException">The configuration is invalid; the message names the setting.</exception>
    public static ICache Initialize(CacheConfig? config = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        lock (s_gate)
        {
            ThrowIfInitialized();
            var cache = (config ?? CacheConfig.Default).CreateCache(time, loggerFactory);
            Volatile.Write(ref s_cache, cache);
            return cache;
        }
    }

    /// <summary>Makes <paramref name="cache"/> the process-wide cache (one built by DI, or a test double).</summary>
    /// <exception cref="InvalidOperationException">Already initialized.</exception>
    public static void Initialize(ICache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        lock (s_gate)
        {
            ThrowIfInitialized();
            Volatile.Write(ref s_cache, cache);
        }
    }

    /// <summary>The process-wide cache.</summary>
    /// <exception cref="InvalidOperationException">Not initialized.</exception>
    public static ICache Get() => Volatile.Read(ref s_cache) ?? ThrowNotInitialized();

    /// <summary>The process-wide cache, or null when not initialized.</summary>
    public static ICache? TryGet() => Volatile.Read(ref s_cache);

    /// <summary>Gracefully closes the cache (maintenance stops, layers close) and returns the registry to uninitialized. Idempotent.</summary>
    public static async Task ShutdownAsync()
    {
        ICache? cache;
        lock (s_gate)
        {
            cache = s_cache;
            s_offered.Remove(cache!);
            Volatile.Write(ref s_cache, s_offered.Count > 0 ? s_offered[0] : null);
        }

        if (cache is not null)
            await cache.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes the cache synchronously, releasing its resources, and returns the registry to uninitialized (tests).</summary>
    public static void Reset()
    {
        ICache? cache;
        lock (s_gate)
        {
            cache = s_cache;
            s_offered.Clear();
            Volatile.Write(ref s_cache, null);
        }

        cache?.Dispose();
    }

    /// <summary>
    /// Every live cache of the process that publishes metrics (<see cref="CacheConfig.EnableMetrics"/>, on by default)
    /// as one Prometheus text exposition: each metric's HELP and TYPE once, each cache's series under its name (caches
    /// that share a name are added together). Serve it at <c>/metrics</c>; docs/observability.md has the names.
    /// </summary>
    public static string GetMetricsText() => Telemetry.CacheMetrics.Render(Telemetry.CachkaTelemetry.Caches);

    /// <summary>Forgets <paramref name="cache"/> if it is the registered one (it was disposed elsewhere, e.g. by a DI container).</summary>
    internal static void Forget(ICache cache) => Release(cache);

    /// <summary>
    /// A container's cache offers to be the process cache (<c>AddCachka</c>): it becomes it when there is none, and
    /// otherwise waits in line, taking over when the caches before it are released. Never throws.
    /// </summary>
    internal static void Offer(ICache cache)
    {
        lock (s_gate)
        {
            if (!s_offered.Contains(cache))
                s_offered.Add(cache);
            if (s_cache is null)
                Volatile.Write(ref s_cache, cache);
        }
    }

    /// <summary>Withdraws <paramref name="cache"/> (its host stopped, or it was disposed); the next offered cache, if any, takes over.</summary>
    internal static void Release(ICache cache)
    {
        lock (s_gate)
        {
            s_offered.Remove(cache);
            if (ReferenceEquals(s_cache, cache))
                Volatile.Write(ref s_cache, s_offered.Count > 0 ? s_offered[0] : null);
        }
    }

    private static void ThrowIfInitialized()
    {
        if (s_cache is not null)
            throw new InvalidOperationException(
                "CacheRegistry is already initialized. Call CacheRegistry.Initialize once at start-up; to reconfigure, call CacheRegistry.ShutdownAsync() (or Reset() in tests) first.");
    }

    private static ICache ThrowNotInitialized() =>
        throw new InvalidOperationException(
            "CacheRegistry is not initialized. Call CacheRegistry.Initialize() (or services.AddCachka(...)) at start-up, before the first cached call.");
}

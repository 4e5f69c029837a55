using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Hybrid;

/// <summary>Which implementation of <see cref="HybridCache"/> a contract test runs against.</summary>
public enum HybridImplementation
{
    Microsoft,
    Cachka,
}

/// <summary>
/// A container with one <see cref="HybridCache"/>: Microsoft's (<c>AddHybridCache</c>) or Cachka's (<c>AddCachka</c>,
/// memory only), on one fake clock, optionally with a <see cref="RecordingDistributedCache"/> as the distributed tier.
/// </summary>
public sealed class HybridCacheHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public HybridCacheHost(HybridImplementation implementation, bool distributed, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        if (distributed)
        {
            Distributed = new RecordingDistributedCache(Time);
            services.AddSingleton<IDistributedCache>(Distributed);
        }

        configure?.Invoke(services);
        if (implementation == HybridImplementation.Microsoft)
        {
#pragma warning disable CS0618 // MemoryCache still reads expiry through ISystemClock
            services.AddMemoryCache(options => options.Clock = new FakeSystemClock(Time));
#pragma warning restore CS0618
            services.AddHybridCache();
        }
        else
        {
            services.AddCachka(new CacheConfig { Layers = [new MemoryCacheConfig { MaxSize = 10_000, Ttl = TimeSpan.FromHours(1) }], VacuumInterval = null, CleanupOnStart = false }, useAsProcessCache: false);
        }

        _services = services.BuildServiceProvider();
        Cache = _services.GetRequiredService<HybridCache>();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));

    public RecordingDistributedCache? Distributed { get; }

    public HybridCache Cache { get; }

    public IServiceProvider Services => _services;

    public ValueTask DisposeAsync() => _services.DisposeAsync();

#pragma warning disable CS0618
    private sealed class FakeSystemClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
#pragma warning restore CS0618
}

/// <summary>
/// A distributed cache in a dictionary that honours absolute expiry on the fake clock and counts what reaches it:
/// the distributed tier both implementations are given.
/// </summary>
public sealed class RecordingDistributedCache(TimeProvider time) : IDistributedCache
{
    private readonly ConcurrentDictionary<string, (byte[] Value, DateTimeOffset? ExpiresAt)> _entries = new(StringComparer.Ordinal);
    private int _gets;
    private int _sets;

    public int Gets => Volatile.Read(ref _gets);

    public int Sets => Volatile.Read(ref _sets);

    public int Count => _entries.Count;

    public bool Contains(string key) => _entries.ContainsKey(key);

    public byte[]? Get(string key)
    {
        Interlocked.Increment(ref _gets);
        if (!_entries.TryGetValue(key, out var entry))
            return null;
        if (entry.ExpiresAt is { } expiry && expiry <= time.GetUtcNow())
        {
            _entries.TryRemove(key, out _);
            return null;
        }

        return entry.Value;
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        Interlocked.Increment(ref _sets);
        var now = time.GetUtcNow();
        var expiry = options.AbsoluteExpiration ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : null);
        _entries[key] = (value.ToArray(), expiry);
    }

    /// <summary>Awaited before each async write lands (a test holds a write back with it).</summary>
    public Func<Task>? BeforeSetAsync { get; set; }

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (BeforeSetAsync is { } before)
            await before();
        Set(key, value, options);
    }

    public void Refresh(string key)
    {
    }

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => _entries.TryRemove(key, out _);

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Remove(key);
        return Task.CompletedTask;
    }
}

using System.Collections.Concurrent;

namespace Cachka.Tests.Runtime;

/// <summary>
/// A "remote" layer for pipeline tests: a dictionary with absolute expiry on the test clock, which can
/// be switched to fail, and which records whether it was reached through its sync or async members.
/// </summary>
internal sealed class RecordingLayer(string name, TimeProvider time) : ICacheLayer
{
    private readonly ConcurrentDictionary<string, (object? Value, DateTimeOffset ExpiresAt)> _entries = new();
    private int _syncCalls;
    private int _asyncCalls;
    private int _maintenanceRuns;

    public string Name { get; } = name;

    public bool IsRemote => true;

    /// <summary>When set, every operation throws <see cref="IOException"/>.</summary>
    public bool Failing { get; set; }

    public int SyncCalls => _syncCalls;

    public int AsyncCalls => _asyncCalls;

    public int MaintenanceRuns => _maintenanceRuns;

    public bool Holds(string key) => _entries.TryGetValue(key, out var e) && e.ExpiresAt > time.GetUtcNow();

    public DateTimeOffset ExpiryOf(string key) => _entries[key].ExpiresAt;

    public void Put(string key, object? value, DateTimeOffset expiresAt) => _entries[key] = (value, expiresAt);

    public CacheLayerHit<T> Get<T>(string key)
    {
        Interlocked.Increment(ref _syncCalls);
        return Read<T>(key);
    }

    public ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _asyncCalls);
        return new(Read<T>(key));
    }

    /// <summary>Runs before each sync write reaches the entries (a test holds a write back with it).</summary>
    public Action? BeforeWrite { get; set; }

    /// <summary>Awaited before each async write reaches the entries.</summary>
    public Func<Task>? BeforeWriteAsync { get; set; }

    public void Set<T>(string key, T value, DateTimeOffset expiresAt)
    {
        Interlocked.Increment(ref _syncCalls);
        BeforeWrite?.Invoke();
        Write(key, value, expiresAt);
    }

    public async ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _asyncCalls);
        if (BeforeWriteAsync is { } before)
            await before();
        Write(key, value, expiresAt);
    }

    public bool Delete(string key)
    {
        Interlocked.Increment(ref _syncCalls);
        ThrowIfFailing();
        return _entries.TryRemove(key, out _);
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _asyncCalls);
        ThrowIfFailing();
        return new(_entries.TryRemove(key, out _));
    }

    public int CleanupExpired()
    {
        Interlocked.Increment(ref _syncCalls);
        return Cleanup();
    }

    public ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _asyncCalls);
        return new(Cleanup());
    }

    public ValueTask<int> RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _maintenanceRuns);
        return new(Cleanup());
    }

    public void Dispose() => Disposed = true;

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    public bool Disposed { get; private set; }

    /// <summary>Runs inside every read, after the layer was reached and before it answers.</summary>
    public Action<string>? DuringRead { get; set; }

    private CacheLayerHit<T> Read<T>(string key)
    {
        ThrowIfFailing();
        DuringRead?.Invoke(key);
        return _entries.TryGetValue(key, out var entry) && entry.ExpiresAt > time.GetUtcNow() && entry.Value is T value
            ? new CacheLayerHit<T>(value, entry.ExpiresAt)
            : CacheLayerHit<T>.Miss;
    }

    private void Write<T>(string key, T value, DateTimeOffset expiresAt)
    {
        ThrowIfFailing();
        _entries[key] = (value, expiresAt);
    }

    private int Cleanup()
    {
        ThrowIfFailing();
        var removed = 0;
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= time.GetUtcNow() && _entries.TryRemove(key, out _))
                removed++;
        }

        return removed;
    }

    /// <summary>When set, every operation declines with <see cref="LayerBusyException"/> (at capacity).</summary>
    public bool Busy { get; set; }

    private void ThrowIfFailing()
    {
        if (Busy)
            throw new LayerBusyException($"layer {Name} is at capacity");
        if (Failing)
            throw new IOException($"layer {Name} is down");
    }
}

/// <summary>Plugs a ready-made layer into a <see cref="CacheConfig"/>.</summary>
internal sealed record ExistingLayerConfig(ICacheLayer Layer) : CacheLayerConfig
{
    public override string Name { get; init; } = Layer.Name;

    /// <summary>Sees the context the cache gives its layers.</summary>
    public Action<CacheLayerContext>? OnCreate { get; init; }

    public override ICacheLayer CreateLayer(CacheLayerContext context)
    {
        OnCreate?.Invoke(context);
        return Layer;
    }
}

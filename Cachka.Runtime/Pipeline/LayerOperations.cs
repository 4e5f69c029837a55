using Cachka.Internal;
using Cachka.Layers;

namespace Cachka.Pipeline;

/// <summary>How a call touches a layer, which decides what <see cref="LayerSlot.Run{TOperation, TResult}"/> guards and records.</summary>
internal enum LayerAccessKind
{
    /// <summary>Cleanup: skipped while the breaker is open.</summary>
    Plain,

    /// <summary>A maintenance pass: as <see cref="Plain"/>, and a failure is also logged as a maintenance failure.</summary>
    Maintenance,

    /// <summary>A read of one key: also skipped while the layer may hold an outdated value for it.</summary>
    Read,

    /// <summary>A write or delete of one key: when it does not reach the layer, the key is remembered for repair.</summary>
    Write,

    /// <summary>A tag invalidation: when it does not reach the layer, the repair replays it.</summary>
    Tag,
}

/// <summary>What a guarded call is (for the protocol), on which key or tag, and its name in logs and metrics.</summary>
internal readonly record struct LayerAccess(LayerAccessKind Kind, string? Key, string Operation)
{
    public static LayerAccess Read(string key) => new(LayerAccessKind.Read, key, "get");

    public static LayerAccess Write(string key, string operation) => new(LayerAccessKind.Write, key, operation);

    public static LayerAccess Tag(string tag) => new(LayerAccessKind.Tag, tag, "invalidate_tag");

    public static LayerAccess Cleanup { get; } = new(LayerAccessKind.Plain, null, "cleanup");

    public static LayerAccess Maintenance { get; } = new(LayerAccessKind.Maintenance, null, "maintenance");
}

/// <summary>One call into a layer in its sync and async forms: the only place the two paths differ.</summary>
internal interface ILayerOperation<TResult>
{
    TResult Run(ICacheLayer layer);

    ValueTask<TResult> RunAsync(ICacheLayer layer, CancellationToken cancellationToken);
}

internal readonly struct GetOperation<T>(string key) : ILayerOperation<CacheLayerHit<T>>
{
    public CacheLayerHit<T> Run(ICacheLayer layer) => layer.Get<T>(key);

    public ValueTask<CacheLayerHit<T>> RunAsync(ICacheLayer layer, CancellationToken cancellationToken) => layer.GetAsync<T>(key, cancellationToken);
}

/// <summary>
/// A write; its result is always true, so a skipped or failed write (<c>default</c>) reads as false. An entry kept past
/// its TTL (fail-safe) goes through the layer's keep-aware overload; any other through the plain ones.
/// </summary>
internal readonly struct SetOperation<T>(string key, T value, EntryTimes times, IReadOnlyList<string>? tags) : ILayerOperation<bool>
{
    public bool Run(ICacheLayer layer)
    {
        if (times.IsKept)
            layer.Set(key, value, times.ExpiresAt, times.KeepUntil, tags);
        else if (tags is { Count: > 0 })
            layer.Set(key, value, times.ExpiresAt, tags);
        else
            layer.Set(key, value, times.ExpiresAt);
        return true;
    }

    public async ValueTask<bool> RunAsync(ICacheLayer layer, CancellationToken cancellationToken)
    {
        await (times.IsKept ? layer.SetAsync(key, value, times.ExpiresAt, times.KeepUntil, tags, cancellationToken)
            : tags is { Count: > 0 } ? layer.SetAsync(key, value, times.ExpiresAt, tags, cancellationToken)
            : layer.SetAsync(key, value, times.ExpiresAt, cancellationToken)).ConfigureAwait(false);
        return true;
    }
}

internal readonly struct DeleteOperation(string key) : ILayerOperation<bool>
{
    public bool Run(ICacheLayer layer) => layer.Delete(key);

    public ValueTask<bool> RunAsync(ICacheLayer layer, CancellationToken cancellationToken) => layer.DeleteAsync(key, cancellationToken);
}

/// <summary>A tag invalidation; returns the keys the layer removed (null when skipped or failed).</summary>
internal readonly struct InvalidateTagOperation(string tag) : ILayerOperation<IReadOnlyCollection<string>?>
{
    public IReadOnlyCollection<string>? Run(ICacheLayer layer) => layer.InvalidateTag(tag);

    public async ValueTask<IReadOnlyCollection<string>?> RunAsync(ICacheLayer layer, CancellationToken cancellationToken) =>
        await layer.InvalidateTagAsync(tag, cancellationToken).ConfigureAwait(false);
}

internal readonly struct CleanupOperation : ILayerOperation<int>
{
    public int Run(ICacheLayer layer) => layer.CleanupExpired();

    public ValueTask<int> RunAsync(ICacheLayer layer, CancellationToken cancellationToken) => layer.CleanupExpiredAsync(cancellationToken);
}

/// <summary>A maintenance pass (async only: it runs on the maintenance timer); null when skipped or failed.</summary>
internal readonly struct MaintenanceOperation : ILayerOperation<int?>
{
    public int? Run(ICacheLayer layer) => throw new NotSupportedException("Maintenance runs on the async path only.");

    public async ValueTask<int?> RunAsync(ICacheLayer layer, CancellationToken cancellationToken) =>
        await layer.RunMaintenanceAsync(cancellationToken).ConfigureAwait(false);
}

using Cachka.Layers;

namespace Cachka.Pipeline;

// Tiers: what Microsoft's HybridCache contract needs (Hybrid/CachkaHybridCache.cs). L1 is its "local" tier and
// every layer below L1 its "distributed" one; each tier is read and written on its own, and L1 may keep an entry
// for less time than the layers below. A tier a new value is not written to loses its older copy, so neither
// tier can serve a value older than the last one stored. The caller brackets each use in Begin/EndOperation.
internal sealed partial class LayeredCache
{
    internal bool HasLocalTier => _l1.IsPresent;

    internal bool HasDistributedTier => _below.Length > 0;

    internal DateTimeOffset UtcNow => _clock.UtcNow;

    /// <summary>Enters an operation (throws <see cref="ObjectDisposedException"/> once the cache is shut down); pair with <see cref="EndOperation"/>.</summary>
    internal void BeginOperation() => Enter();

    internal void EndOperation() => Exit();

    /// <summary>A fill of the key begins (see <see cref="FillGuard"/>); end it with <see cref="EndFill"/>.</summary>
    internal FillGuard.Fill BeginFill(string key) => _fillGuard.Begin(key);

    /// <summary>
    /// Stores a fill's L1 entry (null expiry: only starts the store) unless the key changed since the fill began (false:
    /// store nothing). When true, write below L1 and then call <see cref="EndStore"/>.
    /// </summary>
    internal bool TryStoreFill<T>(FillGuard.Fill fill, string key, T value, DateTimeOffset? localExpiresAt, IReadOnlyList<string>? tags) =>
        fill.TryStore((this, key, value, localExpiresAt, tags), static s => s.Item1.WriteLocal(s.key, s.value, s.localExpiresAt, s.tags));

    internal static void EndStore(FillGuard.Fill fill) => fill.EndStore();

    internal void EndFill(string key, FillGuard.Fill fill) => _fillGuard.End(key, fill);

    /// <summary>A write of the key through the tiers is about to happen (HybridCache's SetAsync): waits for a fill storing it.</summary>
    internal ValueTask ChangingKeyAsync(string key) => ChangingAsync(key);

    /// <summary>An L1 lookup by string key, counted as a hit or miss.</summary>
    internal bool TryGetLocal<T>(string key, out T value) => _l1.TryGet(default(StringKey), key, out _, out value);

    /// <summary>A second L1 look by a flight's leader (a flight that just landed may have filled it); its miss is not counted again.</summary>
    internal bool PeekLocal<T>(string key, out T value) => _l1.Peek(default(StringKey), key, out value);

    /// <summary>
    /// Reads the layers below L1. A hit is copied into L1 (as <paramref name="localCopy"/> makes it) until its own expiry
    /// or <paramref name="localExpiresAt"/>, whichever is sooner (no copy when null), and into the layers above the one
    /// that held it when <paramref name="copyBelow"/>.
    /// </summary>
    internal async ValueTask<CacheLayerHit<T>> ReadDistributedAsync<T>(string key, DateTimeOffset? localExpiresAt, Func<T, object> localCopy, bool copyBelow, CancellationToken cancellationToken)
    {
        var epoch = CoherenceEpoch;
        var found = await ReadBelowAsync<T>(key, cancellationToken).ConfigureAwait(false);
        if (!found.Found)
            return default;
        var hit = found.Hit;
        var kept = true;
        if (localExpiresAt is { } local)
        {
            var copy = new BelowHit<object>(new CacheLayerHit<object>(localCopy(hit.Value), local < hit.ExpiresAt ? local : hit.ExpiresAt), found.Layer);
            kept = StoreCopy(default(StringKey), key, in copy, epoch);
        }

        if (kept && copyBelow && found.Layer > 0)
            await WriteBelowAsync(key, hit.Value, found.Times, tags: null, found.Layer, "promote", cancellationToken).ConfigureAwait(false);
        return hit;
    }

    /// <summary>Stores in L1 only, with the tags recorded so that an invalidation finds the key; null expiry drops L1's copy instead.</summary>
    internal void WriteLocal<T>(string key, T value, DateTimeOffset? expiresAt, IReadOnlyList<string>? tags)
    {
        if (expiresAt is not { } expiry)
        {
            _l1.Remove(key);
            return;
        }

        _tags.Add(key, tags);
        _l1.Store(default(StringKey), key, value, expiry);
    }

    /// <summary>Writes every layer below L1, or, when <paramref name="write"/> is false, removes the key from them.</summary>
    internal ValueTask WriteDistributedAsync<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string>? tags, bool write, CancellationToken cancellationToken)
    {
        if (_below.Length == 0)
            return default;
        return write ? WriteBelowAsync(key, value, EntryTimes.Plain(expiresAt), tags, _below.Length, "set", cancellationToken) : DeleteBelowAsync(key, cancellationToken);
    }
}

using System.Runtime.CompilerServices;
using Cachka.Internal;
using Cachka.Layers;
using Cachka.Layers.Memory;

namespace Cachka.Pipeline;

/// <summary>
/// The pipeline's one way into L1, when the first layer is the memory layer: typed and string lookups,
/// stores and links by reference, with no serialization, no guard and no breaker (L1 cannot fail).
/// A struct over the layer, so the hit path costs what the layer's lookup costs.
/// </summary>
internal readonly struct L1
{
    private readonly MemoryCacheLayer? _layer;

    public L1(ICacheLayer first) => _layer = first as MemoryCacheLayer;

    public bool IsPresent => _layer is not null;

    /// <summary>L1 hits so far (the memory layer counts its own: a hit touches one counter).</summary>
    public long Hits => _layer?.Hits.Value ?? 0;

    /// <summary>The caller's lookup: a typed key goes to the typed index, a string key to the string index; counts a hit or miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet<TKey, T>(in TKey typedKey, string? key, out MemoryEntry? entry, out T value)
        where TKey : struct, ICacheKey<TKey>
    {
        if (_layer is not null)
        {
            entry = IsTyped<TKey>() ? _layer.Find(in typedKey) : _layer.Find(key!);
            if (entry is not null && Values.TryCast(entry.Value, out value))
                return true;
        }

        entry = null;
        value = default!;
        return false;
    }

    /// <summary>The string-keyed lookup, with the key's <see cref="KeyHash"/> (the caller's flight needs it too on a miss); counts a hit or miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet<T>(string key, int hash, out MemoryEntry? entry, out T value)
    {
        if (_layer is not null)
        {
            entry = _layer.Find(key, hash, countMiss: true);
            if (entry is not null && Values.TryCast(entry.Value, out value))
                return true;
        }

        entry = null;
        value = default!;
        return false;
    }

    /// <summary>
    /// A second look by a flight's leader (a flight that just landed may have filled L1), counted as a miss only for a typed key;
    /// a hit found by its string key is linked to the typed key, so the next typed lookup needs no string.
    /// </summary>
    public bool Peek<TKey, T>(in TKey typedKey, string key, out T value)
        where TKey : struct, ICacheKey<TKey> =>
        Peek(in typedKey, key, KeyHash.Of(key), out value);

    /// <summary>As <see cref="Peek{TKey, T}(in TKey, string, out T)"/>, with the key's <see cref="KeyHash"/>, which the caller's flight holds already.</summary>
    public bool Peek<TKey, T>(in TKey typedKey, string key, int hash, out T value)
        where TKey : struct, ICacheKey<TKey>
    {
        // A typed lookup's miss was not counted (the typed index does not know whether the string index holds the
        // key): this look settles it, once. A string lookup's miss was counted already.
        var entry = _layer?.Find(key, hash, countMiss: IsTyped<TKey>());
        if (entry is not null && Values.TryCast(entry.Value, out value))
        {
            if (IsTyped<TKey>())
                _layer!.Attach(in typedKey, entry);
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>A miss of L1 is about to run its factory and then store: the memory layer readies what the store will touch.</summary>
    public void PrepareStore(int hash) => _layer?.PrepareStore(hash);

    /// <summary>Stores a value (capped by the layer's TTL); a typed key is indexed too. Nothing when there is no L1.</summary>
    public void Store<TKey, T>(in TKey typedKey, string key, T value, DateTimeOffset expiresAt)
        where TKey : struct, ICacheKey<TKey>
    {
        if (_layer is null)
            return;
        if (IsTyped<TKey>())
            _layer.Store(in typedKey, key, value, expiresAt);
        else
            _layer.Store(key, value, expiresAt);
    }

    /// <summary>Stores an entry with its refresh point and fail-safe keep (a plain entry when it has neither).</summary>
    public void Store<TKey, T>(in TKey typedKey, string key, T value, in EntryTimes times)
        where TKey : struct, ICacheKey<TKey>
    {
        if (_layer is not null)
            Store(in typedKey, key, KeyHash.Of(key), value, in times);
    }

    /// <summary>As <see cref="Store{TKey, T}(in TKey, string, T, in EntryTimes)"/>, with the key's <see cref="KeyHash"/>, which the caller's flight holds already.</summary>
    public void Store<TKey, T>(in TKey typedKey, string key, int hash, T value, in EntryTimes times)
        where TKey : struct, ICacheKey<TKey>
    {
        if (_layer is null)
            return;
        if (IsTyped<TKey>())
            _layer.Store(in typedKey, key, hash, value, in times);
        else
            _layer.Store(key, hash, value, in times);
    }

    /// <summary>Stores a plain entry whose TTL starts now (capped by the layer's TTL), with the key's <see cref="KeyHash"/>, which the caller's flight holds already.</summary>
    public void Store<TKey, T>(in TKey typedKey, string key, int hash, T value, TimeSpan ttl)
        where TKey : struct, ICacheKey<TKey>
    {
        if (_layer is null)
            return;
        if (IsTyped<TKey>())
            _layer.Store(in typedKey, key, hash, value, ttl);
        else
            _layer.Store(key, hash, value, ttl);
    }

    /// <summary>A stale copy of the key (its TTL over, kept by fail-safe) and its instants; false when there is none.</summary>
    public bool PeekStale<T>(string key, out T value, out EntryTimes times)
    {
        var entry = _layer?.FindStale(key);
        if (entry is not null && Values.TryCast(entry.Value, out value))
        {
            var clock = _layer!.Clock;
            var nowMs = clock.NowMs;
            var now = clock.UtcNow;
            var expiresAt = now.AddMilliseconds(entry.FreshUntilMs - nowMs);
            times = new EntryTimes(expiresAt, now.AddMilliseconds(entry.KeepUntilMs - nowMs), expiresAt);
            return true;
        }

        value = default!;
        times = default;
        return false;
    }

    /// <summary>Drops a key's copy (a change made elsewhere). Nothing when there is no L1.</summary>
    public void Remove(string key) => _layer?.Delete(key);

    /// <summary>Drops every copy (changes made elsewhere may have been missed). Nothing when there is no L1.</summary>
    public void Clear() => _layer?.Clear();

    /// <summary>Health probe of L1: a write, read and delete that leaves the counters alone.</summary>
    public bool SelfTest(string key, DateTimeOffset expiresAt) => _layer!.SelfTest(key, expiresAt);

    private static bool IsTyped<TKey>() => typeof(TKey) != typeof(StringKey);
}

/// <summary>The key type of the string-keyed API: never looked up in the typed L1 index.</summary>
internal readonly struct StringKey : ICacheKey<StringKey>
{
    public string ToKeyString() => throw new InvalidOperationException("A string key has no typed form.");

    public bool Equals(StringKey other) => true;

    public override bool Equals(object? obj) => obj is StringKey;

    public override int GetHashCode() => 0;
}

using System.Runtime.CompilerServices;
using Cachka.Internal;

namespace Cachka.Layers.Memory;

/// <summary>
/// The in-process L1: a lock-free read index (<see cref="EntryIndex"/>) over sharded, lock-protected LRU lists.
/// Reads never take a lock: they look the key up, check expiry and mark the entry as recently used.
/// Writes, deletes and evictions take the key's shard lock; eviction gives recently read entries a
/// second chance (CLOCK-style LRU), so a hit never reorders a list. Each shard owns an exact share of
/// MaxSize, so the layer as a whole never holds more than MaxSize entries.
/// Values are held by reference (no copy on read).
/// </summary>
internal sealed class MemoryCacheLayer : ICacheLayer, ILayerCounters
{
    private const int ExpiredScanDepth = 16;

    private readonly EntryIndex _index;
    private readonly Shard[] _shards;
    private readonly CacheClock _clock;
    private readonly long _maxTtlMs;
    private readonly Lock _typedGate = new();
    private object?[] _typed = [];

    /// <summary>Creates the layer; <paramref name="time"/> defaults to the system clock.</summary>
    public MemoryCacheLayer(MemoryLayerSettings config, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        _clock = new CacheClock(time ?? TimeProvider.System);
        _maxTtlMs = (long)Math.Ceiling(config.Ttl.TotalMilliseconds);

        var shardCount = Math.Min(config.Shards, config.MaxSize);
        _shards = new Shard[shardCount];
        for (var i = 0; i < shardCount; i++)
            _shards[i] = new Shard(config.MaxSize / shardCount + (i < config.MaxSize % shardCount ? 1 : 0));
        _index = new EntryIndex(config.MaxSize, shardCount);
    }

    internal MemoryLayerSettings Config { get; }

    public string Name => Config.Name;

    public bool IsRemote => false;

    /// <summary>Entries held now (expired ones count until they are read or cleaned up).</summary>
    public int Count
    {
        get
        {
            var total = 0;
            foreach (var shard in _shards)
                total += Volatile.Read(ref shard.Count);
            return total;
        }
    }

    internal StripedCounter Hits { get; } = new();

    internal StripedCounter Misses { get; } = new();

    internal StripedCounter Evictions { get; } = new();

    long ILayerCounters.Hits => Hits.Value;

    long ILayerCounters.Misses => Misses.Value;

    long ILayerCounters.Evictions => Evictions.Value;

    long ILayerCounters.Size => Count;

    internal CacheClock Clock => _clock;

    internal EntryIndex Index => _index;

    // ---- the fast paths used by the pipeline ----

    internal MemoryEntry? Find(string key, bool countMiss = true) => Find(key, KeyHash.Of(key), countMiss);

    /// <summary>As <see cref="Find(string, bool)"/>, for a caller that holds the key's <see cref="KeyHash"/> already (a flight).</summary>
    internal MemoryEntry? Find(string key, int hash, bool countMiss)
    {
        if (_index.Find(key, hash) is { } entry)
        {
            if (_clock.NowMs < entry.ExpiresMs || IsFreshLate(entry))
            {
                if (!entry.Accessed)
                    entry.Accessed = true;
                Hits.Increment();
                return entry;
            }
        }

        if (countMiss)
            Misses.Increment();
        return null;
    }

    // A read at or after an entry's ExpiresMs: a timed entry may still be fresh (past its refresh point: marked due)
    // or stale (kept for fail-safe: a miss, left in place); anything else is gone and removed.
    private bool IsFreshLate(MemoryEntry entry)
    {
        if (entry is TimedMemoryEntry timed)
        {
            var now = _clock.NowMs;
            if (now < timed.FreshMs)
            {
                if (!timed.RefreshDue)
                    timed.RefreshDue = true;
                return true;
            }

            if (now < timed.KeepMs)
                return false;
        }

        RemoveIfCurrent(entry);
        return false;
    }

    /// <summary>A stale entry of the key (its TTL over, kept by fail-safe), without counting a hit or miss; null when there is none.</summary>
    internal MemoryEntry? FindStale(string key)
    {
        if (_index.Find(key, KeyHash.Of(key)) is not TimedMemoryEntry timed)
            return null;
        var now = _clock.NowMs;
        return now >= timed.FreshMs && now < timed.KeepMs ? timed : null;
    }

    internal MemoryEntry? Find<TKey>(in TKey key)
        where TKey : struct, ICacheKey<TKey>
    {
        var slot = TypedSlot<TKey>.Index;
        var typed = _typed;
        if ((uint)slot < (uint)typed.Length
            && typed[slot] is TypedIndex<TKey> index
            && index.Map.TryGetValue(key, out var entry))
        {
            if (_clock.NowMs < entry.ExpiresMs || IsFreshLate(entry))
            {
                if (!entry.Accessed)
                    entry.Accessed = true;
                Hits.Increment();
                return entry;
            }
        }

        // Not counted as a miss: the caller falls back to the string key (L1.Peek), which counts it.
        return null;
    }

    /// <summary>Links a string-keyed entry (written by Set or promoted from a lower layer) to its typed key, so later typed reads find it.</summary>
    internal void Attach<TKey>(in TKey key, MemoryEntry entry)
        where TKey : struct, ICacheKey<TKey>
    {
        if (entry.Link is not null)
            return;
        var shard = ShardFor(entry.Hash);
        using (SpinGate.Enter(ref shard.Gate))
        {
            if (entry.Link is null && _index.Contains(entry))
                new TypedLink<TKey>(IndexFor<TKey>(), key).Attach(entry);
        }
    }

    internal MemoryEntry Store(string key, object? value, DateTimeOffset expiresAt) =>
        Store(key, KeyHash.Of(key), value, expiresAt, link: null);

    internal MemoryEntry Store<TKey>(in TKey typedKey, string key, object? value, DateTimeOffset expiresAt)
        where TKey : struct, ICacheKey<TKey> =>
        Store(key, KeyHash.Of(key), value, expiresAt, new TypedLink<TKey>(IndexFor<TKey>(), typedKey));

    /// <summary>
    /// Stores an entry with a refresh point and a fail-safe keep (<see cref="TimedMemoryEntry"/>); the layer's TTL caps
    /// the TTL (the keep lasts as long past the capped TTL as past the original one).
    /// </summary>
    internal MemoryEntry Store(string key, object? value, in EntryTimes times) => Store(key, KeyHash.Of(key), value, in times, link: null);

    /// <summary>As <see cref="Store(string, object?, in EntryTimes)"/>, for a caller that holds the key's <see cref="KeyHash"/> already (a flight).</summary>
    internal MemoryEntry Store(string key, int hash, object? value, in EntryTimes times) => Store(key, hash, value, in times, link: null);

    /// <inheritdoc cref="Store(string, object?, in EntryTimes)"/>
    internal MemoryEntry Store<TKey>(in TKey typedKey, string key, object? value, in EntryTimes times)
        where TKey : struct, ICacheKey<TKey> =>
        Store(key, KeyHash.Of(key), value, in times, new TypedLink<TKey>(IndexFor<TKey>(), typedKey));

    /// <inheritdoc cref="Store(string, int, object?, in EntryTimes)"/>
    internal MemoryEntry Store<TKey>(in TKey typedKey, string key, int hash, object? value, in EntryTimes times)
        where TKey : struct, ICacheKey<TKey> =>
        Store(key, hash, value, in times, new TypedLink<TKey>(IndexFor<TKey>(), typedKey));

    /// <summary>Stores a plain entry whose TTL starts now (a fill's: no instants to convert); the layer's TTL caps it.</summary>
    internal MemoryEntry Store(string key, int hash, object? value, TimeSpan ttl) => Store(key, hash, value, ttl, link: null);

    /// <inheritdoc cref="Store(string, int, object?, TimeSpan)"/>
    internal MemoryEntry Store<TKey>(in TKey typedKey, string key, int hash, object? value, TimeSpan ttl)
        where TKey : struct, ICacheKey<TKey> =>
        Store(key, hash, value, ttl, new TypedLink<TKey>(IndexFor<TKey>(), typedKey));

    private MemoryEntry Store(string key, int hash, object? value, TimeSpan ttl, TypedLink? link)
    {
        var nowMs = _clock.NowMs;
        return Store(new MemoryEntry(key, value, nowMs + Math.Min(CacheClock.RemainingMs(ttl), _maxTtlMs)), hash, link, nowMs);
    }

    private MemoryEntry Store(string key, int hash, object? value, DateTimeOffset expiresAt, TypedLink? link)
    {
        var nowMs = _clock.NowMs;
        return Store(new MemoryEntry(key, value, ClampExpiry(expiresAt, origin: default, nowMs)), hash, link, nowMs);
    }

    private MemoryEntry Store(string key, int hash, object? value, in EntryTimes times, TypedLink? link)
    {
        var nowMs = _clock.NowMs;
        var entry = times.IsPlain ? new MemoryEntry(key, value, ClampExpiry(times.ExpiresAt, times.Origin, nowMs)) : Timed(key, value, in times, nowMs);
        return Store(entry, hash, link, nowMs);
    }

    private TimedMemoryEntry Timed(string key, object? value, in EntryTimes times, long nowMs)
    {
        var fresh = ClampExpiry(times.ExpiresAt, times.Origin, nowMs);
        var keep = fresh + Math.Max(0, (long)(times.KeepUntil - times.ExpiresAt).TotalMilliseconds);
        var hitUntil = times.RefreshAt < times.ExpiresAt ? Math.Min(_clock.ToClockMs(times.RefreshAt, times.Origin, nowMs), fresh) : fresh;
        return new TimedMemoryEntry(key, value, hitUntil, fresh, keep);
    }

    private long ClampExpiry(DateTimeOffset expiresAt, DateTimeOffset origin, long nowMs) =>
        Math.Min(_clock.ToClockMs(expiresAt, origin, nowMs), nowMs + _maxTtlMs);

    // hash: the entry key's KeyHash; nowMs: the clock a moment ago (what eviction takes for now).
    private MemoryEntry Store(MemoryEntry entry, int hash, TypedLink? link, long nowMs)
    {
        var expiresMs = entry.KeepUntilMs;
        entry.Hash = hash;
        var shard = ShardFor(entry.Hash);
        long count;
        using (SpinGate.Enter(ref shard.Gate))
        {
            // A new key (a miss's store) goes into the index first, then room is made for it in the shard's list, which
            // it joins last (so eviction never picks it, and the shard never holds more than its share). A key held
            // already is replaced in place: a reader sees the old entry or the new one.
            if (_index.Find(entry.Key, entry.Hash) is { } old)
            {
                _index.Replace(old, entry);
                Unlink(shard, old);
            }
            else
            {
                _index.Add(entry);
                if (shard.Count >= shard.Capacity)
                    EvictOne(shard, nowMs);
            }

            shard.PushFront(entry);
            if (expiresMs < shard.EarliestExpiryMs)
                shard.EarliestExpiryMs = expiresMs;
            link?.Attach(entry);
            count = (long)shard.Count * _shards.Length;
        }

        if (_index.WantsToGrow(count))
            _index.Grow(_shards, Count);
        return entry;
    }

    /// <summary>Health probe: a write, read and delete that leaves the hit and miss counters alone.</summary>
    internal bool SelfTest(string key, DateTimeOffset expiresAt)
    {
        var stored = Store(key, "ok", expiresAt);
        var found = _index.Contains(stored);
        Delete(key);
        return found;
    }

    /// <summary>A completed task of a typed hit's value, made once per entry (kept on its typed link: a typed lookup found it).</summary>
    internal static Task<T> CompletedTask<T>(MemoryEntry entry, T value)
    {
        var link = entry.Link;
        if (link?.CompletedTask is Task<T> task)
            return task;
        task = Task.FromResult(value);
        if (link is not null)
            link.CompletedTask = task;
        return task;
    }

    // ---- ICacheLayer ----

    public CacheLayerHit<T> Get<T>(string key)
    {
        var entry = Find(key) ?? FindStale(key);
        return entry is not null && Values.TryCast(entry.Value, out T value)
            ? new CacheLayerHit<T>(value, _clock.ToUtc(entry.FreshUntilMs), _clock.ToUtc(entry.KeepUntilMs))
            : CacheLayerHit<T>.Miss;
    }

    public ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken) => new(Get<T>(key));

    public void Set<T>(string key, T value, DateTimeOffset expiresAt) => Store(key, value, expiresAt);

    public void Set<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags) =>
        Store(key, value, new EntryTimes(expiresAt, keepUntil, expiresAt));

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        Set(key, value, expiresAt, keepUntil, tags);
        return ValueTask.CompletedTask;
    }

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        Store(key, value, expiresAt);
        return ValueTask.CompletedTask;
    }

    public bool Delete(string key)
    {
        var hash = KeyHash.Of(key);
        var shard = ShardFor(hash);
        using (SpinGate.Enter(ref shard.Gate))
        {
            if (_index.Find(key, hash) is not { } entry)
                return false;
            _index.Remove(entry);
            Unlink(shard, entry);
            return true;
        }
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken) => new(Delete(key));

    public int CleanupExpired()
    {
        var removed = 0;
        foreach (var shard in _shards)
        {
            using (SpinGate.Enter(ref shard.Gate))
            {
                var now = _clock.NowMs;
                var earliest = long.MaxValue;
                for (var entry = shard.Head; entry is not null;)
                {
                    var next = entry.Next;
                    if (entry.KeepUntilMs <= now)
                    {
                        _index.Remove(entry);
                        Unlink(shard, entry);
                        removed++;
                    }
                    else
                    {
                        earliest = Math.Min(earliest, entry.KeepUntilMs);
                    }

                    entry = next;
                }

                shard.EarliestExpiryMs = earliest;
            }
        }

        return removed;
    }

    public ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken) => new(CleanupExpired());

    /// <summary>Removes every entry.</summary>
    public void Clear()
    {
        foreach (var shard in _shards)
        {
            using (SpinGate.Enter(ref shard.Gate))
            {
                for (var entry = shard.Head; entry is not null;)
                {
                    var next = entry.Next;
                    _index.Remove(entry);
                    Unlink(shard, entry);
                    entry = next;
                }

                shard.EarliestExpiryMs = long.MaxValue;
            }
        }
    }

    public void Dispose() => Clear();

    public ValueTask DisposeAsync()
    {
        Clear();
        return ValueTask.CompletedTask;
    }

    // ---- internals ----

    private Shard ShardFor(int hash) => _shards[_index.ShardOf(hash)];

    /// <summary>
    /// A hint, before a miss's factory runs, that its store will follow: when the key's shard is full, the entry its
    /// store will evict (the cold end of the shard's list, last touched thousands of misses ago) is fetched into the
    /// CPU's cache meanwhile, instead of stalling the store under the shard's lock. Reads without the lock (a stale read
    /// fetches the wrong line, nothing else); does nothing where the CPU has no prefetch instruction.
    /// </summary>
    internal unsafe void PrepareStore(int hash)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported)
            return;
        var shard = ShardFor(hash);
        if (Volatile.Read(ref shard.Count) < shard.Capacity || Volatile.Read(ref shard.Tail) is not { } tail)
            return;
        // Addresses only (a prefetch never faults, and an object the GC moves meanwhile costs a wasted fetch): the
        // victim, then, once its line arrives, its neighbour (its unlinking writes there) and its index bucket.
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref tail.Hash));
        if (tail.Prev is { } neighbour)
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref neighbour.Hash));
        _index.PrefetchBucket(tail.Hash);
    }

    private void RemoveIfCurrent(MemoryEntry entry)
    {
        var shard = ShardFor(entry.Hash);
        using (SpinGate.Enter(ref shard.Gate))
        {
            if (_index.Remove(entry))
                Unlink(shard, entry);
        }
    }

    // Caller holds the shard lock and has removed (or is replacing) the map entry.
    private static void Unlink(Shard shard, MemoryEntry entry)
    {
        shard.Remove(entry);
        entry.Link?.Detach(entry);
    }

    // Caller holds the shard lock and the shard is full: drop one entry, expired ones first,
    // otherwise the least recently used one that has not been read since it last reached the tail.
    private void EvictOne(Shard shard, long now)
    {

        // An expired entry near the cold end goes first; it costs no live data.
        var scanned = shard.EarliestExpiryMs <= now ? 0 : ExpiredScanDepth;
        for (var candidate = shard.Tail; candidate is not null && scanned < ExpiredScanDepth; candidate = candidate.Prev, scanned++)
        {
            if (candidate.KeepUntilMs <= now)
            {
                _index.Remove(candidate);
                Unlink(shard, candidate);
                return;
            }
        }

        var budget = shard.Count;
        while (shard.Tail is { } victim)
        {
            if (victim.KeepUntilMs > now && victim.Accessed && budget-- > 0)
            {
                victim.Accessed = false;
                shard.Remove(victim);
                shard.PushFront(victim);
                continue;
            }

            _index.Remove(victim);
            Unlink(shard, victim);
            if (victim.KeepUntilMs > now)
                Evictions.Increment();
            return;
        }
    }

    private TypedIndex<TKey> IndexFor<TKey>()
        where TKey : struct, ICacheKey<TKey>
    {
        var slot = TypedSlot<TKey>.Index;
        var typed = _typed;
        if ((uint)slot < (uint)typed.Length && typed[slot] is TypedIndex<TKey> existing)
            return existing;

        lock (_typedGate)
        {
            typed = _typed;
            if ((uint)slot < (uint)typed.Length && typed[slot] is TypedIndex<TKey> raced)
                return raced;
            var grown = new object?[Math.Max(slot + 1, typed.Length * 2)];
            Array.Copy(typed, grown, typed.Length);
            var index = new TypedIndex<TKey>();
            grown[slot] = index;
            Volatile.Write(ref _typed, grown);
            return index;
        }
    }
}

/// <summary>What the memory layer is built from (its public config, validated, reduced to values).</summary>
internal sealed record MemoryLayerSettings(string Name, int MaxSize, TimeSpan Ttl, int Shards);

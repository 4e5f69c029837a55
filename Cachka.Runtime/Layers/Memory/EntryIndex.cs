using Cachka.Internal;
using System.Runtime.CompilerServices;

namespace Cachka.Layers.Memory;

/// <summary>
/// The memory layer's string index: a hash table whose entries are their own chain nodes (no node object per entry:
/// a miss stores one object, and an eviction finds its victim's bucket from the hash the entry carries without reading
/// its key). Lookups take no lock; changes are made under the lock of the shard that owns the bucket
/// (<see cref="ShardOf"/>: every entry of a bucket belongs to one shard at every table size).
/// </summary>
/// <remarks>
/// <para>A reader walks a chain while writers change it, so the chain is only ever changed in ways a walker survives:
/// an entry joins at the end, a replacement takes its predecessor's place (a reader sees the old entry or the new,
/// never neither), and a removed entry keeps its link to the rest of the chain (it is never reused: a write makes a
/// new entry). A walker may miss an entry added or replaced during its walk; that is a concurrent change.</para>
/// <para>Growing the table relinks every entry, which a walker does not survive: a walk that finds nothing looks again
/// if a resize began or ended meanwhile (<see cref="_resizes"/> is odd during one). A walk that finds its key is right
/// whenever it ran: keys and values of an entry never change.</para>
/// </remarks>
internal sealed class EntryIndex
{
    private const int MinBuckets = 1024;

    private readonly int _shardCount;
    private readonly int _shardMask; // the hash bits that choose a shard: every table's mask includes them
    private readonly int _maxBuckets;
    private MemoryEntry?[] _buckets;
    private int _resizes;

    /// <param name="capacity">The most entries the index will hold (the table grows to the first power of two above it).</param>
    /// <param name="shardCount">The memory layer's shards.</param>
    public EntryIndex(int capacity, int shardCount)
    {
        _shardCount = shardCount;
        // Enough hash bits that taking them modulo the shard count spreads keys nearly evenly (at least 64 per shard).
        var shardBits = RoundUpToPowerOfTwo(Math.Min(Math.Max(MinBuckets, shardCount * 64L), 1 << 22));
        _shardMask = shardBits - 1;
        _maxBuckets = Math.Max(shardBits, RoundUpToPowerOfTwo(Math.Min(capacity, 1 << 30)));
        _buckets = new MemoryEntry?[shardBits];
    }

    public int BucketCount => Volatile.Read(ref _buckets).Length;

    /// <summary>The shard that owns the entries of <paramref name="hash"/>, whatever the table's size.</summary>
    public int ShardOf(int hash) =>
        (_shardCount & (_shardCount - 1)) == 0
            ? hash & (_shardCount - 1) // a power of two (the default 8): the same shard as the remainder below, without a division
            : (int)((uint)(hash & _shardMask) % (uint)_shardCount);

    /// <summary>The key's entry, or null. No lock.</summary>
    public MemoryEntry? Find(string key, int hash)
    {
        while (true)
        {
            var resizes = Volatile.Read(ref _resizes);
            var buckets = Volatile.Read(ref _buckets);
            for (var entry = Volatile.Read(ref buckets[hash & (buckets.Length - 1)]); entry is not null; entry = Volatile.Read(ref entry.NextInIndex))
            {
                if (entry.Hash == hash && string.Equals(entry.Key, key, StringComparison.Ordinal))
                    return entry;
            }

            // The walk's reads are acquire reads, so this one comes after them.
            if ((resizes & 1) == 0 && Volatile.Read(ref _resizes) == resizes)
                return null;
            Thread.Yield();
        }
    }

    /// <summary>A hint that the hash's bucket is about to be read (see <see cref="MemoryCacheLayer.PrepareStore"/>).</summary>
    public unsafe void PrefetchBucket(int hash)
    {
        var buckets = Volatile.Read(ref _buckets);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref buckets[hash & (buckets.Length - 1)]));
    }

    /// <summary>Whether the entry is its key's current one.</summary>
    public bool Contains(MemoryEntry entry) => ReferenceEquals(Find(entry.Key, entry.Hash), entry);

    /// <summary>
    /// Adds an entry whose key the index does not hold, at the end of its bucket's chain (which the caller's look for
    /// the key has just walked), so a chain runs oldest first: eviction, which takes old entries, finds its victim at
    /// or near the bucket instead of past every newer entry of the chain. Under the lock of the entry's shard.
    /// </summary>
    public void Add(MemoryEntry entry)
    {
        entry.NextInIndex = null;
        ref var link = ref _buckets[entry.Hash & (_buckets.Length - 1)];
        while (link is not null)
            link = ref link.NextInIndex;
        Volatile.Write(ref link, entry);
    }

    /// <summary>Puts <paramref name="replacement"/> (same key) where <paramref name="current"/> is. Under the lock of their shard.</summary>
    public void Replace(MemoryEntry current, MemoryEntry replacement)
    {
        ref var link = ref LinkTo(current);
        replacement.NextInIndex = current.NextInIndex;
        Volatile.Write(ref link, replacement);
    }

    /// <summary>Removes the entry if it is in the index. Under the lock of its shard.</summary>
    public bool Remove(MemoryEntry entry)
    {
        ref var link = ref LinkTo(entry);
        if (Unsafe.IsNullRef(ref link))
            return false;
        // The removed entry keeps its link: a reader standing on it walks on to the rest of the chain.
        Volatile.Write(ref link, entry.NextInIndex);
        return true;
    }

    /// <summary>True when the index holds more entries than buckets and may grow (the caller holds no shard lock when it calls <see cref="Grow"/>).</summary>
    public bool WantsToGrow(long count) => count > _buckets.Length && _buckets.Length < _maxBuckets;

    /// <summary>Doubles the table until it has a bucket per entry. <paramref name="shards"/> are taken in order: the caller holds none of them.</summary>
    public void Grow(Shard[] shards, int entries)
    {
        var taken = 0;
        try
        {
            for (; taken < shards.Length; taken++)
                SpinGate.Take(ref shards[taken].Gate);
            var size = _buckets.Length;
            while (size < entries && size < _maxBuckets)
                size *= 2;
            if (size == _buckets.Length)
                return;

            Interlocked.Increment(ref _resizes); // odd: walks that find nothing look again
            var old = _buckets;
            var grown = new MemoryEntry?[size];
            var ends = new MemoryEntry?[size]; // each new chain's last entry: chains keep their oldest-first order
            for (var i = 0; i < old.Length; i++)
            {
                for (var entry = old[i]; entry is not null;)
                {
                    var next = entry.NextInIndex;
                    var bucket = entry.Hash & (size - 1);
                    entry.NextInIndex = null;
                    if (ends[bucket] is { } end)
                        end.NextInIndex = entry;
                    else
                        grown[bucket] = entry;
                    ends[bucket] = entry;
                    entry = next;
                }
            }

            Volatile.Write(ref _buckets, grown);
            Interlocked.Increment(ref _resizes);
        }
        finally
        {
            while (taken > 0)
                SpinGate.Exit(ref shards[--taken].Gate);
        }
    }

    // The reference that points at the entry (a bucket or its predecessor's link); a null reference when it is not indexed.
    private ref MemoryEntry? LinkTo(MemoryEntry entry)
    {
        ref var link = ref _buckets[entry.Hash & (_buckets.Length - 1)];
        while (link is not null)
        {
            if (ReferenceEquals(link, entry))
                return ref link;
            link = ref link.NextInIndex;
        }

        return ref Unsafe.NullRef<MemoryEntry?>();
    }

    private static int RoundUpToPowerOfTwo(long value)
    {
        var size = 1;
        while (size < value)
            size <<= 1;
        return size;
    }
}

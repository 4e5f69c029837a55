namespace Cachka.Layers.Memory;

/// <summary>One LRU list of the memory layer and its share of MaxSize; guarded by its <see cref="Gate"/>.</summary>
internal sealed class Shard(int capacity)
{
    public readonly int Capacity = capacity;

    /// <summary>The shard's lock (<see cref="Internal.SpinGate"/>): held for list and index changes, never while waiting on anything.</summary>
    public int Gate;
    public int Count;
    public MemoryEntry? Head;
    public MemoryEntry? Tail;

    // No entry of the shard expires before this (a lower bound: lowered by every insert, raised only by a pass over
    // every entry), so eviction looks for an expired entry only when there may be one.
    public long EarliestExpiryMs = long.MaxValue;

    public void PushFront(MemoryEntry entry)
    {
        entry.Prev = null;
        entry.Next = Head;
        if (Head is not null)
            Head.Prev = entry;
        Head = entry;
        Tail ??= entry;
        Volatile.Write(ref Count, Count + 1);
    }

    public void Remove(MemoryEntry entry)
    {
        if (entry.Prev is not null)
            entry.Prev.Next = entry.Next;
        else
            Head = entry.Next;
        if (entry.Next is not null)
            entry.Next.Prev = entry.Prev;
        else
            Tail = entry.Prev;
        entry.Prev = entry.Next = null;
        Volatile.Write(ref Count, Count - 1);
    }
}

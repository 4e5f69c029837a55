using System.Collections.Concurrent;

namespace Cachka.Layers.Memory;

/// <summary>Gives each typed key type a slot in the memory layer's array of typed indexes.</summary>
internal static class TypedSlots
{
    private static int s_next = -1;

    public static int Next() => Interlocked.Increment(ref s_next);
}

internal static class TypedSlot<TKey>
{
    public static readonly int Index = TypedSlots.Next();
}

internal sealed class TypedIndex<TKey>
    where TKey : struct, ICacheKey<TKey>
{
    public readonly ConcurrentDictionary<TKey, MemoryEntry> Map = new();
}

/// <summary>
/// Ties a string-keyed entry to its typed key, so removing the entry also removes the typed alias. One link per entry,
/// made for it and never moved to another: it also holds what only typed callers need, so an entry that no typed key
/// finds does not carry it.
/// </summary>
internal abstract class TypedLink
{
    // A completed Task<T> of the entry's value, reused by Task-returning callers so a hit allocates nothing.
    public object? CompletedTask;

    public abstract void Attach(MemoryEntry entry);

    public abstract void Detach(MemoryEntry entry);
}

internal sealed class TypedLink<TKey>(TypedIndex<TKey> index, TKey key) : TypedLink
    where TKey : struct, ICacheKey<TKey>
{
    public override void Attach(MemoryEntry entry)
    {
        entry.Link = this;
        index.Map[key] = entry;
    }

    public override void Detach(MemoryEntry entry) => index.Map.TryRemove(new KeyValuePair<TKey, MemoryEntry>(key, entry));
}

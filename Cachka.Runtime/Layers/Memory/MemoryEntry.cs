namespace Cachka.Layers.Memory;

/// <summary>One memory entry. Key, value and expiry never change after creation: a write replaces the entry.</summary>
internal sealed class MemoryEntry(string key, object? value, long expiresMs)
{
    public readonly string Key = key;
    public readonly object? Value = value;
    public readonly long ExpiresMs = expiresMs;

    // Set by readers without a lock (a benign race); cleared by eviction under the shard lock.
    public bool Accessed;

    // Guarded by the shard lock.
    public MemoryEntry? Prev;
    public MemoryEntry? Next;
    public TypedLink? Link;

    // A completed Task<T> of Value, reused by Task-returning callers so a hit allocates nothing.
    public object? CompletedTask;
}

namespace Cachka.Layers.Memory;

/// <summary>
/// One memory entry. Key, value and expiry never change after creation: a write replaces the entry. A read before
/// <see cref="ExpiresMs"/> is a plain hit; after it, a plain entry is gone, and a <see cref="TimedMemoryEntry"/> may
/// still be fresh (refresh due) or stale (kept for fail-safe).
/// </summary>
internal class MemoryEntry(string key, object? value, long expiresMs)
{
    public readonly string Key = key;
    public readonly object? Value = value;
    public readonly long ExpiresMs = expiresMs;

    // Set by readers without a lock (a benign race); cleared by eviction under the shard lock.
    public bool Accessed;

    // Set by a reader that found a timed entry past its refresh point (see TimedMemoryEntry); never cleared.
    public bool RefreshDue;

    // Set by the index before the entry is published; its chain link is changed under the shard lock, read without one.
    public int Hash;
    public MemoryEntry? NextInIndex;

    // Guarded by the shard lock.
    public MemoryEntry? Prev;
    public MemoryEntry? Next;
    // Set for an entry its typed key finds (the typed index's back link; it also keeps the entry's completed task).
    public TypedLink? Link;

    /// <summary>When the entry's TTL ends.</summary>
    public long FreshUntilMs => this is TimedMemoryEntry timed ? timed.FreshMs : ExpiresMs;

    /// <summary>When the entry is gone (later than its TTL's end when fail-safe keeps it).</summary>
    public long KeepUntilMs => this is TimedMemoryEntry timed ? timed.KeepMs : ExpiresMs;
}

/// <summary>
/// An entry written with eager refresh or fail-safe: <see cref="MemoryEntry.ExpiresMs"/> is its refresh point (or the
/// end of its TTL), so a read before it costs what a plain hit costs. Between the refresh point and <see cref="FreshMs"/>
/// a read is a hit that marks <see cref="MemoryEntry.RefreshDue"/>; between <see cref="FreshMs"/> and
/// <see cref="KeepMs"/> the entry is stale: a miss, kept for the factory's failure.
/// </summary>
internal sealed class TimedMemoryEntry(string key, object? value, long hitUntilMs, long freshMs, long keepMs)
    : MemoryEntry(key, value, hitUntilMs)
{
    public readonly long FreshMs = freshMs;
    public readonly long KeepMs = keepMs;

    // 1 once a caller has started this entry's refresh (one refresh per entry).
    private int _refreshClaimed;

    public bool ClaimRefresh() => Interlocked.Exchange(ref _refreshClaimed, 1) == 0;
}

namespace Cachka.Internal;

/// <summary>
/// The instants of one stored entry: its TTL ends at <see cref="ExpiresAt"/>; fail-safe keeps it (stale) until
/// <see cref="KeepUntil"/>; eager refresh starts on a hit from <see cref="RefreshAt"/>. Without either option all
/// three are the same instant (<see cref="IsPlain"/>).
/// </summary>
internal readonly record struct EntryTimes(DateTimeOffset ExpiresAt, DateTimeOffset KeepUntil, DateTimeOffset RefreshAt)
{
    public static EntryTimes Plain(DateTimeOffset expiresAt) => new(expiresAt, expiresAt, expiresAt);

    public bool IsPlain => KeepUntil <= ExpiresAt && RefreshAt >= ExpiresAt;

    public bool IsKept => KeepUntil > ExpiresAt;

    /// <summary>
    /// The instant the times were computed from (now, for a fill), or default when unknown: a layer that converts them to
    /// its own clock needs no second read of the wall clock when it is set.
    /// </summary>
    public DateTimeOffset Origin { get; init; }
}

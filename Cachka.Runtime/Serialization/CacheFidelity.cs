namespace Cachka.Serialization;

/// <summary>
/// Whether values of a type read back from a serializing layer (SQLite) exactly as they were written.
/// A layer asks its <see cref="ICacheSerializer"/> once per type, before the first write, and keeps the answer:
/// a refused type is not written to that layer (the memory layer still holds it), is counted in
/// <c>cache_errors_total</c> with <see cref="Reason"/> as <c>error_type</c>, and is logged once with <see cref="Message"/>.
/// </summary>
public sealed class CacheFidelity
{
    private CacheFidelity(string? reason, string? message)
    {
        Reason = reason;
        Message = message;
    }

    /// <summary>Values of the type round-trip exactly.</summary>
    public static CacheFidelity Faithful { get; } = new(null, null);

    /// <summary>True when values of the type round-trip exactly.</summary>
    public bool IsFaithful => Reason is null;

    /// <summary>Null when faithful; otherwise a short snake_case reason, the <c>error_type</c> of the refusal (e.g. <c>unread_state</c>).</summary>
    public string? Reason { get; }

    /// <summary>Null when faithful; otherwise what is lost and what to do about it.</summary>
    public string? Message { get; }

    /// <summary>Values of the type do not round-trip: they are not written to the layer.</summary>
    /// <param name="reason">A short snake_case reason, used as the metric's <c>error_type</c> (keep the set of values small).</param>
    /// <param name="message">What would be lost, and what the user can do about it.</param>
    public static CacheFidelity Refused(string reason, string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        return new CacheFidelity(reason, message);
    }

    public override string ToString() => IsFaithful ? "faithful" : Reason + ": " + Message;
}

/// <summary>
/// Thrown by <see cref="ICacheSerializer.Serialize{T}"/> for one value it cannot round-trip although its type can
/// (a derived instance under a base type, a string with a lone surrogate). The layer does not store the value,
/// removes any older value under the key, and counts <see cref="Reason"/>; the caller sees no exception.
/// </summary>
public sealed class UnfaithfulValueException : Exception
{
    public UnfaithfulValueException(string reason, string message)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Reason = reason;
    }

    public UnfaithfulValueException()
        : this("unfaithful_value", "The value does not round-trip through the cache serializer.")
    {
    }

    public UnfaithfulValueException(string message)
        : this("unfaithful_value", message)
    {
    }

    public UnfaithfulValueException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = "unfaithful_value";
    }

    /// <summary>A short snake_case reason, the <c>error_type</c> of the refusal.</summary>
    public string Reason { get; }
}

using System.Buffers;
using Cachka.Encryption;
using Microsoft.Extensions.Logging;

namespace Cachka.Serialization;

/// <summary>
/// What every serializing layer (SQLite, Redis) does with a value: refuses a type or value that would not read
/// back exactly, serializes within the size cap, seals the bytes in the envelope bound to the key (encrypted when
/// the layer has a cipher), and opens them again. Refusals and skips are counted in the owning cache's
/// <c>cache_errors_total</c> and logged (a refused type once per type and reason).
/// </summary>
internal sealed partial class ValueCodec
{
    private const int MaxRetainedBuffer = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private readonly string _layer;
    private readonly ICacheSerializer _serializer;
    private readonly int _maxPayloadBytes;
    private readonly Action<string, string> _reportError;
    private readonly ILogger _logger;
    private readonly RefusalLog _refusals = new();

    public ValueCodec(string layer, ICacheSerializer serializer, EnvelopeCipher? cipher, int maxPayloadBytes, Action<string, string> reportError, ILogger logger)
    {
        _layer = layer;
        _serializer = serializer;
        Cipher = cipher;
        _maxPayloadBytes = maxPayloadBytes;
        _reportError = reportError;
        _logger = logger;
    }

    public EnvelopeCipher? Cipher { get; }

    /// <summary>The stored bytes, or null when the value is not stored in this layer (counted and logged).</summary>
    public byte[]? Seal<T>(string key, T value, DateTimeOffset expiresAt) => Seal(key, value, expiresAt, expiresAt);

    /// <summary>As <see cref="Seal{T}(string, T, DateTimeOffset)"/>, for an entry kept until <paramref name="keepUntil"/> (fail-safe).</summary>
    public byte[]? Seal<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil)
    {
        // Decided once per type and serializer: a type that would not read back exactly is never written.
        var fidelity = SerializerFidelity.Of<T>(_serializer);
        if (!fidelity.IsFaithful)
        {
            Refuse(typeof(T), fidelity.Reason!, fidelity.Message!);
            return null;
        }

        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        try
        {
            try
            {
                _serializer.Serialize(value, buffer);
            }
            catch (UnfaithfulValueException refused)
            {
                Refuse(typeof(T), refused.Reason, refused.Message);
                return null;
            }
            catch (Exception error)
            {
                Skip("serialize_failed", error);
                return null;
            }

            if (buffer.WrittenCount > _maxPayloadBytes)
            {
                Skip("payload_too_large", null);
                return null;
            }

            return CacheEnvelope.Seal(buffer.WrittenSpan, expiresAt.ToUnixTimeMilliseconds(), (keepUntil > expiresAt ? keepUntil : expiresAt).ToUnixTimeMilliseconds(), key, Cipher);
        }
        finally
        {
            if (buffer.Capacity > MaxRetainedBuffer)
                t_buffer = null;
            else if (Cipher is not null)
                buffer.Clear(); // no plaintext left behind in a long-lived buffer
        }
    }

    /// <summary>
    /// Opens bytes stored for <paramref name="key"/>: a hit (fresh, or kept past its TTL by fail-safe), a miss (gone at
    /// <paramref name="nowMs"/>), or an unreadable entry with the reason (the layer removes it and calls <see cref="Dropped"/>).
    /// </summary>
    public Opened<T> Open<T>(ReadOnlySpan<byte> blob, string key, long nowMs)
    {
        var status = CacheEnvelope.Open(blob, key, Cipher, out var freshUntilMs, out var keepUntilMs, out var payload, out var rented);
        try
        {
            if (status != EnvelopeStatus.Ok)
                return Opened<T>.Invalid(status == EnvelopeStatus.DecryptFailed ? "decrypt_failed" : "envelope_invalid");
            if (keepUntilMs <= nowMs)
                return default;
            try
            {
                return Opened<T>.Hit(_serializer.Deserialize<T>(payload), freshUntilMs, keepUntilMs);
            }
            catch (Exception)
            {
                return Opened<T>.Invalid("deserialize_failed");
            }
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    /// <summary>Counts and logs an unreadable entry the layer removed.</summary>
    public void Dropped(string reason)
    {
        _reportError(_layer, reason);
        EntryDropped(_logger, _layer, reason);
    }

    private void Skip(string reason, Exception? error)
    {
        _reportError(_layer, reason);
        WriteSkipped(_logger, _layer, reason, error);
    }

    private void Refuse(Type type, string reason, string message)
    {
        _reportError(_layer, reason);
        if (_refusals.First(type, reason))
            ValueRefused(_logger, _layer, JsonFidelity.Display(type), reason, message);
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Cache layer '{Layer}': unreadable entry removed ({Reason}).")]
    private static partial void EntryDropped(ILogger logger, string layer, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Cache layer '{Layer}': value not stored ({Reason}).")]
    private static partial void WriteSkipped(ILogger logger, string layer, string reason, Exception? error);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "Cache layer '{Layer}': values of '{ValueType}' are not stored here ({Reason}), only in the layers above; logged once per type. {Details}")]
    private static partial void ValueRefused(ILogger logger, string layer, string valueType, string reason, string details);
}

/// <summary>What <see cref="ValueCodec.Open{T}"/> found: a stored value (fresh or kept), nothing, or an unreadable entry.</summary>
internal readonly struct Opened<T>
{
    private Opened(bool found, T value, long expiresAtMs, long keepUntilMs, string? invalidReason)
    {
        Found = found;
        Value = value;
        ExpiresAtMs = expiresAtMs;
        KeepUntilMs = keepUntilMs;
        InvalidReason = invalidReason;
    }

    public bool Found { get; }

    public T Value { get; }

    /// <summary>The end of the entry's TTL.</summary>
    public long ExpiresAtMs { get; }

    /// <summary>When the entry is gone (after <see cref="ExpiresAtMs"/> when fail-safe keeps it).</summary>
    public long KeepUntilMs { get; }

    /// <summary>Why the entry could not be read (<c>decrypt_failed</c>, <c>envelope_invalid</c>, <c>deserialize_failed</c>); null otherwise.</summary>
    public string? InvalidReason { get; }

    public static Opened<T> Hit(T value, long expiresAtMs, long keepUntilMs) => new(true, value, expiresAtMs, keepUntilMs, null);

    public static Opened<T> Invalid(string reason) => new(false, default!, 0, 0, reason);

    /// <summary>The end of the entry's TTL, as an instant.</summary>
    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs);

    /// <summary>When the entry is gone, as an instant.</summary>
    public DateTimeOffset KeepUntil => DateTimeOffset.FromUnixTimeMilliseconds(KeepUntilMs);
}

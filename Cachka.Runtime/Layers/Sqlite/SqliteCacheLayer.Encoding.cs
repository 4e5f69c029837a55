using System.Buffers;
using Cachka.Serialization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Cachka.Layers.Sqlite;

// Encoding: storage keys, the envelope a value is sealed in (and opened from), and what is refused or dropped.
// One copy, used by the sync and the async members alike.
internal sealed partial class SqliteCacheLayer
{
    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private string StorageKey(string key, out bool shortened)
    {
        ArgumentNullException.ThrowIfNull(key);
        return KeyDigest.Fit(key, _settings.MaxKeyLength, out shortened);
    }

    /// <summary>The stored blob, or null when the value is not stored here (counted; any older entry is then removed).</summary>
    private byte[]? Encode<T>(string key, T value, DateTimeOffset expiresAt)
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

            if (buffer.WrittenCount > _settings.MaxPayloadBytes)
            {
                Skip("payload_too_large", null);
                return null;
            }

            return CacheEnvelope.Seal(buffer.WrittenSpan, expiresAt.ToUnixTimeMilliseconds(), key, _cipher);
        }
        finally
        {
            if (buffer.Capacity > MaxRetainedBuffer)
                t_buffer = null;
            else if (_cipher is not null)
                buffer.Clear(); // no plaintext left behind in a long-lived buffer
        }
    }

    private void Skip(string reason, Exception? error)
    {
        _context.ReportError(Name, reason);
        SqliteLog.WriteSkipped(_logger, Name, reason, error);
    }

    private void Refuse(Type type, string reason, string message)
    {
        _context.ReportError(Name, reason);
        if (_refusals.First(type, reason))
            SqliteLog.ValueRefused(_logger, Name, JsonFidelity.Display(type), reason, message);
    }

    private ReadResult<T> Decode<T>(SqliteDataReader reader, string key, bool shortened)
    {
        var now = NowMs;
        if (reader.GetInt64(1) <= now)
            return default;

        // A shortened key's row carries the full key; a short key's row carries none. Anything else is another key's entry.
        var storedFullKey = reader.IsDBNull(2) ? null : reader.GetString(2);
        if (shortened ? !string.Equals(storedFullKey, key, StringComparison.Ordinal) : storedFullKey is not null)
            return default;

        var blob = raw.sqlite3_column_blob(reader.Handle!, 0);
        var status = CacheEnvelope.Open(blob, key, _cipher, out var expiresAtMs, out var payload, out var rented);
        try
        {
            if (status != EnvelopeStatus.Ok)
                return ReadResult<T>.Invalid(blob.ToArray(), status == EnvelopeStatus.DecryptFailed ? "decrypt_failed" : "envelope_invalid");
            if (expiresAtMs <= now)
                return default;
            T value;
            try
            {
                value = _serializer.Deserialize<T>(payload);
            }
            catch (Exception)
            {
                return ReadResult<T>.Invalid(blob.ToArray(), "deserialize_failed");
            }

            return ReadResult<T>.Hit(value, expiresAtMs);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    private readonly struct ReadResult<T>
    {
        private ReadResult(bool found, T value, long expiresAtMs, byte[]? invalidBlob, string? reason)
        {
            Found = found;
            Value = value;
            ExpiresAtMs = expiresAtMs;
            InvalidBlob = invalidBlob;
            Reason = reason;
        }

        public bool Found { get; }
        public T Value { get; }
        public long ExpiresAtMs { get; }
        public byte[]? InvalidBlob { get; }
        public string? Reason { get; }

        public CacheLayerHit<T> ToHit() =>
            Found ? new CacheLayerHit<T>(Value, DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs)) : CacheLayerHit<T>.Miss;

        public static ReadResult<T> Hit(T value, long expiresAtMs) => new(true, value, expiresAtMs, null, null);

        public static ReadResult<T> Invalid(byte[] blob, string reason) => new(false, default!, 0, blob, reason);
    }

    private void ReportDropped(string reason)
    {
        _context.ReportError(Name, reason);
        SqliteLog.EntryDropped(_logger, Name, reason);
    }

    private static void BindUpsert(SqliteSession session, string storageKey, byte[] blob, DateTimeOffset expiresAt, string key, bool shortened)
    {
        session.UpsertKey.Value = storageKey;
        session.UpsertValue.Value = blob;
        session.UpsertExpiresAt.Value = expiresAt.ToUnixTimeMilliseconds();
        session.UpsertFullKey.Value = shortened ? key : DBNull.Value;
    }
}

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
    private byte[]? Encode<T>(string key, T value, DateTimeOffset expiresAt) => _codec.Seal(key, value, expiresAt);

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
        var opened = _codec.Open<T>(blob, key, now);
        if (opened.InvalidReason is not null)
            return ReadResult<T>.Invalid(blob.ToArray(), opened.InvalidReason);
        return opened.Found ? ReadResult<T>.Hit(opened.Value, opened.ExpiresAtMs) : default;
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

    private void ReportDropped(string reason) => _codec.Dropped(reason);

    private static void BindUpsert(SqliteSession session, string storageKey, byte[] blob, DateTimeOffset expiresAt, string key, bool shortened)
    {
        session.UpsertKey.Value = storageKey;
        session.UpsertValue.Value = blob;
        session.UpsertExpiresAt.Value = expiresAt.ToUnixTimeMilliseconds();
        session.UpsertFullKey.Value = shortened ? key : DBNull.Value;
    }
}

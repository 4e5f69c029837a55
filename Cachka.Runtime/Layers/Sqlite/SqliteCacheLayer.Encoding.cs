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
    private byte[]? Encode<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil) => _codec.Seal(key, value, expiresAt, keepUntil);

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
        return new ReadResult<T>(opened, opened.InvalidReason is null ? null : blob.ToArray());
    }

    /// <summary>What the codec opened, and the row's bytes when they could not be read (to remove exactly that row).</summary>
    private readonly record struct ReadResult<T>(Opened<T> Opened, byte[]? InvalidBlob)
    {
        public string? Reason => Opened.InvalidReason;

        public CacheLayerHit<T> ToHit() => Opened.Found ? new CacheLayerHit<T>(Opened.Value, Opened.ExpiresAt, Opened.KeepUntil) : CacheLayerHit<T>.Miss;
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

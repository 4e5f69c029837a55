using Microsoft.Data.Sqlite;

namespace Cachka.Layers.Sqlite;

// Writes: an entry is encoded before a connection is rented, then upserted (with its tag rows, in one transaction)
// on the writer connection; a value that is not stored here removes any older entry instead.
internal sealed partial class SqliteCacheLayer
{
    public void Set<T>(string key, T value, DateTimeOffset expiresAt) => Set(key, value, expiresAt, expiresAt, tags: null);

    public void Set<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string> tags) => Set(key, value, expiresAt, expiresAt, tags);

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        SetAsync(key, value, expiresAt, expiresAt, tags: null, cancellationToken);

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string> tags, CancellationToken cancellationToken) =>
        SetAsync(key, value, expiresAt, expiresAt, tags, cancellationToken);

    // The row lives until keepUntil (its expiry column); the envelope says when its TTL ends.
    public void Set<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags)
    {
        var entry = Prepare(key, value, expiresAt, keepUntil, tags, CancellationToken.None);
        Use(RentWriter(), reader: false, entry, static (layer, session, entry) => layer.Store(session, entry));
    }

    public async ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        var entry = Prepare(key, value, expiresAt, keepUntil, tags, cancellationToken);
        Use(await RentWriterAsync(cancellationToken).ConfigureAwait(false), reader: false, entry, static (layer, session, entry) => layer.Store(session, entry));
    }

    public bool Delete(string key)
    {
        var lookup = Lookup.Of(this, key, CancellationToken.None);
        return Use(RentWriter(), reader: false, lookup, static (_, session, lookup) => Remove(session, lookup));
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var lookup = Lookup.Of(this, key, cancellationToken);
        return Use(await RentWriterAsync(cancellationToken).ConfigureAwait(false), reader: false, lookup, static (_, session, lookup) => Remove(session, lookup));
    }

    private PreparedWrite Prepare<T>(string key, T value, DateTimeOffset expiresAt, DateTimeOffset keepUntil, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        var storageKey = StorageKey(key, out var shortened);
        var blob = Encode(key, value, expiresAt, keepUntil);
        return new PreparedWrite(new Lookup(key, storageKey, shortened, cancellationToken), blob, keepUntil > expiresAt ? keepUntil : expiresAt, blob is not null && tags is { Count: > 0 } ? tags : null);
    }

    private bool Store(SqliteSession session, PreparedWrite entry)
    {
        var cancellation = entry.Lookup.Cancellation;
        cancellation.ThrowIfCancellationRequested();
        if (entry.Blob is null)
        {
            // Not stored here: an older value must not outlive the new one in this layer.
            return Remove(session, entry.Lookup);
        }

        // A tagged entry and its tag rows are one transaction; a plain write is one autocommit statement.
        using var transaction = entry.Tags is null ? null : session.Connection.BeginTransaction(deferred: false);
        if (transaction is not null)
            session.Enlist(transaction);
        try
        {
            BindUpsert(session, entry.Lookup.StorageKey, entry.Blob, entry.ExpiresAt, entry.Lookup.Key, entry.Lookup.Shortened);
            UpsertMakingRoom(session, cancellation);
            if (entry.Tags is { } tags)
            {
                session.TagInsertKey.Value = entry.Lookup.StorageKey;
                foreach (var tag in tags)
                {
                    cancellation.ThrowIfCancellationRequested();
                    session.TagInsertTag.Value = tag;
                    session.TagInsert.ExecuteNonQuery();
                }
            }

            transaction?.Commit();
            return true;
        }
        finally
        {
            if (transaction is not null)
                session.Enlist(null);
        }
    }

    private static bool Remove(SqliteSession session, Lookup lookup)
    {
        lookup.Cancellation.ThrowIfCancellationRequested();
        session.DeleteKey.Value = lookup.StorageKey;
        return session.Delete.ExecuteNonQuery() > 0;
    }

    // Disk full or MaxDatabaseBytes reached: expired rows make room; without any, the write fails.
    private void UpsertMakingRoom(SqliteSession session, CancellationToken cancellationToken)
    {
        try
        {
            session.Upsert.ExecuteNonQuery();
        }
        catch (SqliteException full) when (SqliteFaults.IsFull(full))
        {
            cancellationToken.ThrowIfCancellationRequested();
            session.CleanupNow.Value = NowMs;
            if (session.Cleanup.ExecuteNonQuery() == 0)
                throw;
            session.Upsert.ExecuteNonQuery();
        }
    }

    /// <summary>An encoded entry, ready for the writer connection (<see cref="Blob"/> null: not stored here).</summary>
    private readonly record struct PreparedWrite(Lookup Lookup, byte[]? Blob, DateTimeOffset ExpiresAt, IReadOnlyList<string>? Tags);
}

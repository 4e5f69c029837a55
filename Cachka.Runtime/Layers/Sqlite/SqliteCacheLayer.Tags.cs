using Cachka.Internal;
using Cachka.Layers;
using Microsoft.Data.Sqlite;

namespace Cachka.Layers.Sqlite;

// Tags: one row per (tag, storage key) in cachka_tags, written in the same transaction as the entry, so
// InvalidateTag finds what any process wrote with the tag, before or after a restart. A tag row outlives
// its entry when the entry is deleted, expires or is rewritten without the tag: InvalidateTag may then
// remove a newer value of that key (a miss, never stale data); maintenance prunes such rows.
internal sealed partial class SqliteCacheLayer
{
    public IReadOnlyCollection<string> InvalidateTag(string tag)
    {
        TagIndex.ValidTag(tag);
        var keys = new List<string>();
        SqliteSession? session = RentWriter();
        try
        {
            using var transaction = session.Connection.BeginTransaction(deferred: false);
            session.Enlist(transaction);
            try
            {
                session.TagKeysTag.Value = tag;
                using (var reader = session.TagKeys.ExecuteReader())
                {
                    while (reader.Read())
                        keys.Add(OriginalKey(reader));
                }

                session.TagDeleteEntriesTag.Value = tag;
                session.TagDeleteEntries.ExecuteNonQuery();
                session.TagDeleteTag.Value = tag;
                session.TagDelete.ExecuteNonQuery();
                transaction.Commit();
            }
            finally
            {
                session.Enlist(null);
            }
        }
        catch (Exception error)
        {
            session = Fail(session, error);
            throw;
        }
        finally
        {
            ReleaseWriter(session);
        }

        return keys;
    }

    public async ValueTask<IReadOnlyCollection<string>> InvalidateTagAsync(string tag, CancellationToken cancellationToken)
    {
        TagIndex.ValidTag(tag);
        var keys = new List<string>();
        SqliteSession? session = await RentWriterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = (SqliteTransaction)await session.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                session.Enlist(transaction);
                try
                {
                    session.TagKeysTag.Value = tag;
                    var reader = await session.TagKeys.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            keys.Add(OriginalKey(reader));
                    }

                    session.TagDeleteEntriesTag.Value = tag;
                    await session.TagDeleteEntries.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    session.TagDeleteTag.Value = tag;
                    await session.TagDelete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    session.Enlist(null);
                }
            }
        }
        catch (Exception error)
        {
            session = Fail(session, error);
            throw;
        }
        finally
        {
            ReleaseWriter(session);
        }

        return keys;
    }

    // The key the caller used: a shortened storage key keeps it in full_key.
    private static string OriginalKey(SqliteDataReader reader) => reader.IsDBNull(1) ? reader.GetString(0) : reader.GetString(1);

    // Disk full or MaxDatabaseBytes reached: expired rows make room; without any, the write fails.
    private void UpsertMakingRoom(SqliteSession session)
    {
        try
        {
            session.Upsert.ExecuteNonQuery();
        }
        catch (SqliteException full) when (SqliteFaults.IsFull(full))
        {
            session.CleanupNow.Value = NowMs;
            if (session.Cleanup.ExecuteNonQuery() == 0)
                throw;
            session.Upsert.ExecuteNonQuery();
        }
    }

    private async ValueTask UpsertMakingRoomAsync(SqliteSession session, CancellationToken cancellationToken)
    {
        try
        {
            await session.Upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException full) when (SqliteFaults.IsFull(full))
        {
            session.CleanupNow.Value = NowMs;
            if (await session.Cleanup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                throw;
            await session.Upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

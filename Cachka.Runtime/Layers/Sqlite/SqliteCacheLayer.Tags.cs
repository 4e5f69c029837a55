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
        TagIndex.StorableTag(tag);
        return Use(RentWriter(), reader: false, (tag, cancellationToken: CancellationToken.None), static (_, session, request) => RemoveTagged(session, request.tag, request.cancellationToken));
    }

    public async ValueTask<IReadOnlyCollection<string>> InvalidateTagAsync(string tag, CancellationToken cancellationToken)
    {
        TagIndex.StorableTag(tag);
        return Use(await RentWriterAsync(cancellationToken).ConfigureAwait(false), reader: false, (tag, cancellationToken), static (_, session, request) => RemoveTagged(session, request.tag, request.cancellationToken));
    }

    // In one transaction: the keys written with the tag (for the other layers), then their entries and tag rows.
    private static List<string> RemoveTagged(SqliteSession session, string tag, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        cancellationToken.ThrowIfCancellationRequested();
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

            cancellationToken.ThrowIfCancellationRequested();
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

        return keys;
    }

    // The key the caller used: a shortened storage key keeps it in full_key.
    private static string OriginalKey(SqliteDataReader reader) => reader.IsDBNull(1) ? reader.GetString(0) : reader.GetString(1);
}

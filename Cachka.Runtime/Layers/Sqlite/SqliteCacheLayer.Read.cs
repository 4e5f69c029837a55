using Cachka.Layers;

namespace Cachka.Layers.Sqlite;

// Reads: one SELECT on a reader connection; an entry that cannot be read back is a miss and is removed.
internal sealed partial class SqliteCacheLayer
{
    public CacheLayerHit<T> Get<T>(string key)
    {
        var lookup = Lookup.Of(this, key, CancellationToken.None);
        var result = Use(RentReader(), reader: true, lookup, static (layer, session, lookup) => layer.Read<T>(session, lookup));
        if (result.InvalidBlob is not null)
            Drop(lookup.StorageKey, result.InvalidBlob, result.Reason!);
        return result.ToHit();
    }

    public async ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken)
    {
        var lookup = Lookup.Of(this, key, cancellationToken);
        var result = Use(await RentReaderAsync(cancellationToken).ConfigureAwait(false), reader: true, lookup, static (layer, session, lookup) => layer.Read<T>(session, lookup));
        if (result.InvalidBlob is not null)
            await DropAsync(lookup.StorageKey, result.InvalidBlob, result.Reason!).ConfigureAwait(false);
        return result.ToHit();
    }

    private ReadResult<T> Read<T>(SqliteSession session, Lookup lookup)
    {
        lookup.Cancellation.ThrowIfCancellationRequested();
        session.SelectKey.Value = lookup.StorageKey;
        using var reader = session.Select.ExecuteReader();
        return reader.Read() ? Decode<T>(reader, lookup.Key, lookup.Shortened) : default;
    }

    // Removes an unreadable entry, unless it was replaced meanwhile. Failing to remove it does not fail the read.
    private void Drop(string storageKey, byte[] blob, string reason)
    {
        ReportDropped(reason);
        try
        {
            Use(RentWriter(), reader: false, (storageKey, blob), static (_, session, entry) => DeleteIfSame(session, entry.storageKey, entry.blob));
        }
        catch (Exception)
        {
            // counted and logged by Fail; the read is still a miss
        }
    }

    private async ValueTask DropAsync(string storageKey, byte[] blob, string reason)
    {
        ReportDropped(reason);
        try
        {
            Use(await RentWriterAsync(CancellationToken.None).ConfigureAwait(false), reader: false, (storageKey, blob), static (_, session, entry) => DeleteIfSame(session, entry.storageKey, entry.blob));
        }
        catch (Exception)
        {
            // counted and logged by Fail; the read is still a miss
        }
    }

    private static int DeleteIfSame(SqliteSession session, string storageKey, byte[] blob)
    {
        session.DeleteIfSameKey.Value = storageKey;
        session.DeleteIfSameValue.Value = blob;
        return session.DeleteIfSame.ExecuteNonQuery();
    }

    /// <summary>A key as the caller gave it and as it is stored (shortened keys keep the full key beside them).</summary>
    private readonly record struct Lookup(string Key, string StorageKey, bool Shortened, CancellationToken Cancellation)
    {
        public static Lookup Of(SqliteCacheLayer layer, string key, CancellationToken cancellationToken) =>
            new(key, layer.StorageKey(key, out var shortened), shortened, cancellationToken);
    }
}

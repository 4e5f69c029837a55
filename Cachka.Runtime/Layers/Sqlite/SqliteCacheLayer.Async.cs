using System.Diagnostics;
using Cachka.Layers;
using Microsoft.Data.Sqlite;

namespace Cachka.Layers.Sqlite;

// The async path: Microsoft.Data.Sqlite's async API; waiting for a connection awaits a semaphore.
internal sealed partial class SqliteCacheLayer
{
    public async ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken)
    {
        var storageKey = StorageKey(key, out var shortened);
        SqliteSession? session = await RentReaderAsync(cancellationToken).ConfigureAwait(false);
        ReadResult<T> result;
        try
        {
            session.SelectKey.Value = storageKey;
            var reader = await session.Select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
                result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Decode<T>(reader, key, shortened) : default;
        }
        catch (Exception error)
        {
            session = Fail(session, error);
            throw;
        }
        finally
        {
            ReleaseReader(session);
        }

        if (result.InvalidBlob is not null)
            await DropAsync(storageKey, result.InvalidBlob, result.Reason!).ConfigureAwait(false);
        return result.ToHit();
    }

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        WriteAsync(key, value, expiresAt, tags: null, cancellationToken);

    public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string> tags, CancellationToken cancellationToken) =>
        WriteAsync(key, value, expiresAt, tags, cancellationToken);

    private async ValueTask WriteAsync<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        var storageKey = StorageKey(key, out var shortened);
        var blob = Encode(key, value, expiresAt);
        var tagged = blob is not null && tags is { Count: > 0 };
        SqliteSession? session = await RentWriterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A tagged entry and its tag rows are one transaction; a plain write is one autocommit statement.
            var transaction = tagged ? (SqliteTransaction)await session.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
            try
            {
                if (tagged)
                    session.Enlist(transaction);
                if (blob is null)
                {
                    session.DeleteKey.Value = storageKey;
                    await session.Delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    BindUpsert(session, storageKey, blob, expiresAt, key, shortened);
                    await UpsertMakingRoomAsync(session, cancellationToken).ConfigureAwait(false);
                    if (tagged)
                    {
                        session.TagInsertKey.Value = storageKey;
                        foreach (var tag in tags!)
                        {
                            session.TagInsertTag.Value = tag;
                            await session.TagInsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                }

                if (transaction is not null)
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (tagged)
                    session.Enlist(null);
                if (transaction is not null)
                    await transaction.DisposeAsync().ConfigureAwait(false);
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
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var storageKey = StorageKey(key, out _);
        SqliteSession? session = await RentWriterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            session.DeleteKey.Value = storageKey;
            return await session.Delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
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
    }

    public async ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken)
    {
        SqliteSession? session = await RentWriterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            session.CleanupNow.Value = NowMs;
            return await session.Cleanup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
    }

    /// <summary>
    /// Removes expired rows, returns the freed pages to the file system (<c>PRAGMA incremental_vacuum</c>), folds the
    /// WAL back into the database (<c>wal_checkpoint(TRUNCATE)</c>) and refreshes the planner statistics (<c>optimize</c>).
    /// Live rows are never touched. A deleted database file is noticed here and recreated.
    /// </summary>
    public async ValueTask<int> RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        CheckFile(throttled: false);
        var removed = await CleanupExpiredAsync(cancellationToken).ConfigureAwait(false);
        SqliteSession? session = await RentWriterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var pragma in MaintenancePragmas)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var command = session.Connection.CreateCommand();
                command.CommandText = pragma;
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        // incremental_vacuum frees pages row by row: drain it.
                    }
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

        return removed;
    }

    // Tag rows whose entry is gone first, so the vacuum returns their pages too.
    private static readonly string[] MaintenancePragmas =
    [
        $"DELETE FROM {SqliteSession.TagTable} WHERE NOT EXISTS (SELECT 1 FROM {SqliteSession.Table} e WHERE e.key = {SqliteSession.TagTable}.key)",
        "PRAGMA incremental_vacuum", "PRAGMA optimize", "PRAGMA wal_checkpoint(TRUNCATE)",
    ];

    private async ValueTask DropAsync(string storageKey, byte[] blob, string reason)
    {
        ReportDropped(reason);
        SqliteSession? session;
        try
        {
            session = await RentWriterAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return;
        }

        try
        {
            session.DeleteIfSameKey.Value = storageKey;
            session.DeleteIfSameValue.Value = blob;
            await session.DeleteIfSame.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            session = Fail(session, error);
        }
        finally
        {
            ReleaseWriter(session);
        }
    }

    private async ValueTask<SqliteSession> RentWriterAsync(CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            var queuedAt = Stopwatch.GetTimestamp();
            await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (BusyWhileQueued(queuedAt))
                throw StillBusy();
            return TakeWriter();
        }
        catch
        {
            _rundown.Exit();
            throw;
        }
    }

    private async ValueTask<SqliteSession> RentReaderAsync(CancellationToken cancellationToken)
    {
        if (_readerSlots is null)
            return await RentWriterAsync(cancellationToken).ConfigureAwait(false);
        Enter();
        try
        {
            await _readerSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
            return TakeReader();
        }
        catch
        {
            _rundown.Exit();
            throw;
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (!_rundown.Close())
            return;
        await _rundown.Drained.ConfigureAwait(false);
        CloseAll();
    }
}

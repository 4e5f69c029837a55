using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Cachka;

// The async path: Microsoft.Data.Sqlite's async API; waiting for a connection awaits a semaphore.
public sealed partial class SqliteCacheLayer
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

    public async ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var storageKey = StorageKey(key, out var shortened);
        var blob = Encode(key, value, expiresAt);
        SqliteSession? session = await RentWriterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (blob is null)
            {
                session.DeleteKey.Value = storageKey;
                await session.Delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                BindUpsert(session, storageKey, blob, expiresAt, key, shortened);
                await UpsertMakingRoomAsync(session, cancellationToken).ConfigureAwait(false);
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
        ThrowIfDisposed();
        var queuedAt = Stopwatch.GetTimestamp();
        await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (BusyWhileQueued(queuedAt))
            throw StillBusy();
        return TakeWriter();
    }

    private async ValueTask<SqliteSession> RentReaderAsync(CancellationToken cancellationToken)
    {
        if (_readerSlots is null)
            return await RentWriterAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfDisposed();
        await _readerSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return TakeReader();
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        var readers = 0;
        while (readers < _readerCount && await _readerSlots!.WaitAsync(DisposeWait).ConfigureAwait(false))
            readers++;
        var writer = await _writerGate.WaitAsync(DisposeWait).ConfigureAwait(false);
        try
        {
            CloseAll();
        }
        finally
        {
            if (writer)
                _writerGate.Release();
            if (readers > 0)
                _readerSlots!.Release(readers);
        }
    }
}

using System.Diagnostics;
using Cachka.Layers;
using Microsoft.Data.Sqlite;

namespace Cachka.Layers.Sqlite;

// The sync path: Microsoft.Data.Sqlite's sync API; waiting for a connection blocks on a semaphore, never on a task.
internal sealed partial class SqliteCacheLayer
{
    public CacheLayerHit<T> Get<T>(string key)
    {
        var storageKey = StorageKey(key, out var shortened);
        SqliteSession? session = RentReader();
        ReadResult<T> result;
        try
        {
            session.SelectKey.Value = storageKey;
            using var reader = session.Select.ExecuteReader();
            result = reader.Read() ? Decode<T>(reader, key, shortened) : default;
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
            Drop(storageKey, result.InvalidBlob, result.Reason!);
        return result.ToHit();
    }

    public void Set<T>(string key, T value, DateTimeOffset expiresAt) => Write(key, value, expiresAt, tags: null);

    public void Set<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string> tags) => Write(key, value, expiresAt, tags);

    private void Write<T>(string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string>? tags)
    {
        var storageKey = StorageKey(key, out var shortened);
        var blob = Encode(key, value, expiresAt);
        var tagged = blob is not null && tags is { Count: > 0 };
        SqliteSession? session = RentWriter();
        try
        {
            // A tagged entry and its tag rows are one transaction; a plain write is one autocommit statement.
            using var transaction = tagged ? session.Connection.BeginTransaction(deferred: false) : null;
            if (tagged)
                session.Enlist(transaction);
            try
            {
                if (blob is null)
                {
                    // Not stored here: an older value must not outlive the new one in this layer.
                    session.DeleteKey.Value = storageKey;
                    session.Delete.ExecuteNonQuery();
                }
                else
                {
                    BindUpsert(session, storageKey, blob, expiresAt, key, shortened);
                    UpsertMakingRoom(session);
                    if (tagged)
                    {
                        session.TagInsertKey.Value = storageKey;
                        foreach (var tag in tags!)
                        {
                            session.TagInsertTag.Value = tag;
                            session.TagInsert.ExecuteNonQuery();
                        }
                    }
                }

                transaction?.Commit();
            }
            finally
            {
                if (tagged)
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
    }

    public bool Delete(string key)
    {
        var storageKey = StorageKey(key, out _);
        SqliteSession? session = RentWriter();
        try
        {
            session.DeleteKey.Value = storageKey;
            return session.Delete.ExecuteNonQuery() > 0;
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

    public int CleanupExpired()
    {
        SqliteSession? session = RentWriter();
        try
        {
            session.CleanupNow.Value = NowMs;
            return session.Cleanup.ExecuteNonQuery();
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

    // Removes an unreadable entry, unless it was replaced meanwhile. Failing to remove it does not fail the read.
    private void Drop(string storageKey, byte[] blob, string reason)
    {
        ReportDropped(reason);
        SqliteSession? session;
        try
        {
            session = RentWriter();
        }
        catch (Exception)
        {
            return;
        }

        try
        {
            session.DeleteIfSameKey.Value = storageKey;
            session.DeleteIfSameValue.Value = blob;
            session.DeleteIfSame.ExecuteNonQuery();
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

    private SqliteSession RentWriter()
    {
        Enter();
        try
        {
            // A semaphore shared with the async path (which uses WaitAsync), not a Task: the sync path blocks on the
            // gate for the one writer connection, whose holders are themselves bounded by SQLite's busy timeout.
            var queuedAt = Stopwatch.GetTimestamp();
            _writerGate.Wait();
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

    private SqliteSession RentReader()
    {
        if (_readerSlots is null)
            return RentWriter();
        Enter();
        try
        {
            // As in RentWriter: a counting semaphore over the reader pool, shared with the async path's WaitAsync.
            _readerSlots.Wait();
            return TakeReader();
        }
        catch
        {
            _rundown.Exit();
            throw;
        }
    }

    /// <summary>
    /// Refuses new operations (<see cref="ObjectDisposedException"/>), waits for the ones in flight (including those
    /// still queued for a connection: they run, they are not refused), then closes every connection. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (!_rundown.Close())
            return;
        _rundown.WaitDrained();
        CloseAll();
    }

    // Used by maintenance and tests: runs one statement on the writer connection.
    internal object? ExecuteScalar(string sql)
    {
        SqliteSession? session = RentWriter();
        try
        {
            return SqliteSession.Scalar(session.Connection, sql);
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
}

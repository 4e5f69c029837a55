using System.Diagnostics;

namespace Cachka.Layers.Sqlite;

// Connections: one writer connection behind a gate and a small pool of readers, rented for one operation and given
// back; the sync members wait for them on the semaphores, the async members await the same semaphores. Every
// operation runs through Use, the one guarded path: failures are classified by Fail and the connection goes back.
internal sealed partial class SqliteCacheLayer
{
    /// <summary>
    /// Runs <paramref name="operation"/> on a rented connection: a failure goes to <see cref="Fail"/> (which keeps the
    /// connection or closes it, reopening or moving the file aside as the fault requires) and is rethrown for the
    /// pipeline to count; the connection always goes back. Microsoft.Data.Sqlite's async methods run synchronously,
    /// so the sync and async members share their operations and differ only in how they wait for the connection.
    /// </summary>
    private TResult Use<TState, TResult>(SqliteSession rented, bool reader, TState state, Func<SqliteCacheLayer, SqliteSession, TState, TResult> operation)
    {
        SqliteSession? session = rented;
        try
        {
            return operation(this, session, state);
        }
        catch (Exception error)
        {
            session = Fail(session, error);
            throw;
        }
        finally
        {
            if (reader)
                ReleaseReader(session);
            else
                ReleaseWriter(session);
        }
    }

    // A semaphore shared by both paths, never a Task: the sync path blocks on the gate for the one writer connection,
    // whose holders are themselves bounded by SQLite's busy timeout.
    private SqliteSession RentWriter()
    {
        var queuedAt = EnterQueue();
        try { _writerGate.Wait(); } catch { _rundown.Exit(); throw; }
        return TakeWriterQueuedAt(queuedAt);
    }

    private async ValueTask<SqliteSession> RentWriterAsync(CancellationToken cancellationToken)
    {
        var queuedAt = EnterQueue();
        try { await _writerGate.WaitAsync(cancellationToken).ConfigureAwait(false); } catch { _rundown.Exit(); throw; }
        return TakeWriterQueuedAt(queuedAt);
    }

    // A counting semaphore over the reader pool; an in-memory database reads on the writer.
    private SqliteSession RentReader()
    {
        if (_readerSlots is null)
            return RentWriter();
        EnterQueue();
        try { _readerSlots.Wait(); } catch { _rundown.Exit(); throw; }
        return TakeReaderOrExit();
    }

    private async ValueTask<SqliteSession> RentReaderAsync(CancellationToken cancellationToken)
    {
        if (_readerSlots is null)
            return await RentWriterAsync(cancellationToken).ConfigureAwait(false);
        EnterQueue();
        try { await _readerSlots.WaitAsync(cancellationToken).ConfigureAwait(false); } catch { _rundown.Exit(); throw; }
        return TakeReaderOrExit();
    }

    private long EnterQueue()
    {
        Enter();
        return Stopwatch.GetTimestamp();
    }

    // The gate is held: a writer that queued behind one that found the file locked gives up (see NoteBusy).
    private SqliteSession TakeWriterQueuedAt(long queuedAt)
    {
        try
        {
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

    private SqliteSession TakeReaderOrExit()
    {
        try
        {
            return TakeReader();
        }
        catch
        {
            _rundown.Exit();
            throw;
        }
    }

    // An operation enters before it waits for a connection and exits when it returns it (Release*).
    private void Enter()
    {
        if (!_rundown.TryEnter())
            throw new ObjectDisposedException(GetType().FullName, $"The SQLite cache layer '{Name}' has been closed.");
    }

    private SqliteSession OpenSession()
    {
        var generation = Volatile.Read(ref _generation);
        SqliteSession session;
        try
        {
            EnsureDirectory();
            Inspect();
            session = SqliteSession.Open(_connectionString, _settings, generation);
        }
        catch (Exception error) when (SqliteFaults.Classify(error) == SqliteFault.Corrupt && Quarantine(generation))
        {
            Inspect();
            session = SqliteSession.Open(_connectionString, _settings, Volatile.Read(ref _generation));
        }

        if (Volatile.Read(ref _opened)?.Generation != session.Generation && _path is not null)
            Volatile.Write(ref _opened, new OpenedFile(session.Generation, SqliteFileIdentity.Of(_path) ?? SqliteFileIdentity.Unknown));
        return session;
    }


    private void EnsureDirectory()
    {
        var directory = _path is null ? null : Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
            Directory.CreateDirectory(directory);
    }


    private SqliteSession TakeWriter()
    {
        try
        {
            CheckFile(throttled: true);
            if (_writer is { } stale && stale.Generation != Volatile.Read(ref _generation))
            {
                stale.Dispose();
                _writer = null;
            }

            return _writer ??= OpenSession();
        }
        catch
        {
            _writerGate.Release();
            throw;
        }
    }

    private void ReleaseWriter(SqliteSession? session)
    {
        if (session is null)
            _writer = null;
        _writerGate.Release();
        _rundown.Exit();
    }

    private SqliteSession TakeReader()
    {
        try
        {
            CheckFile(throttled: true);
            var generation = Volatile.Read(ref _generation);
            lock (_idleReaders)
            {
                while (_idleReaders.TryPop(out var idle))
                {
                    if (idle.Generation == generation)
                        return idle;
                    idle.Dispose();
                }
            }

            return OpenSession();
        }
        catch
        {
            _readerSlots!.Release();
            throw;
        }
    }

    private void ReleaseReader(SqliteSession? session)
    {
        if (_readerSlots is null)
        {
            ReleaseWriter(session);
            return;
        }

        if (session is not null)
        {
            if (session.Generation == Volatile.Read(ref _generation) && !_rundown.IsClosed)
            {
                lock (_idleReaders)
                    _idleReaders.Push(session);
            }
            else
            {
                session.Dispose();
            }
        }

        _readerSlots.Release();
        _rundown.Exit();
    }

    private void CloseAll()
    {
        lock (_idleReaders)
        {
            while (_idleReaders.TryPop(out var idle))
                idle.Dispose();
        }

        _writer?.Dispose();
        _writer = null;
        _codec.Cipher?.Dispose();
    }
}

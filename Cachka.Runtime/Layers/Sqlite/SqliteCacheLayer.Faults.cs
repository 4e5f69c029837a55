using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Cachka.Layers.Sqlite;

// Faults and the file: what a failed operation means for its connection (kept, reopened, or the file moved aside as
// corrupt), whether the file at DbPath is still the one in use, and whether it is Cachka's to use at all.
internal sealed partial class SqliteCacheLayer
{
    // Before anything is written to the file: is it Cachka's to use? (Never another application's database.)
    private void Inspect()
    {
        if (_path is null)
            return;
        try
        {
            SqliteSchema.Inspect(_path);
            Volatile.Write(ref _refusal, null);
        }
        catch (ForeignDatabaseException error) when (IsFileOpenedBefore(_path))
        {
            // The very file this layer had open, no longer readable as Cachka's: damaged while in use, so it is
            // handled as corrupt (checked, then moved aside), not refused as someone else's.
            throw new SqliteException($"SQLite cache layer '{Name}': {error.Message}", SqliteCorrupt);
        }
        catch (ForeignDatabaseException error)
        {
            Volatile.Write(ref _refusal, error.Message);
            if (Interlocked.Exchange(ref _foreignReported, 1) == 0)
                SqliteLog.ForeignDatabase(_logger, Name, error.Message);
            throw;
        }
    }

    // Once the file was refused, health looks again (the file may have been fixed, or DbPath's file replaced).
    private string? Refusal()
    {
        if (Volatile.Read(ref _refusal) is null)
            return null;
        try
        {
            Inspect();
            return null;
        }
        catch (ForeignDatabaseException error)
        {
            return error.Message;
        }
        catch (Exception)
        {
            return Volatile.Read(ref _refusal);
        }
    }

    /// <summary>The database file this layer's connections of one generation opened.</summary>
    private sealed record OpenedFile(int Generation, SqliteFileIdentity Identity);

    /// <summary>
    /// Handles a failed operation on <paramref name="session"/>: keeps it for transient failures (busy, full),
    /// otherwise closes it and starts a new generation so every other connection is reopened too, moving a
    /// corrupt file aside first. Returns the session when it is still usable, otherwise null.
    /// </summary>
    private SqliteSession? Fail(SqliteSession session, Exception error)
    {
        NoteBusy(error);
        var fault = SqliteFaults.Classify(error);
        if (fault == SqliteFault.Transient)
            return session;
        SqliteLog.ConnectionFailed(_logger, Name, fault, error);
        session.Dispose();
        if (fault == SqliteFault.Corrupt)
            Quarantine(session.Generation);
        else
            Interlocked.CompareExchange(ref _generation, session.Generation + 1, session.Generation);
        return null;
    }

    /// <summary>
    /// Moves a corrupt database (and its WAL) aside, once per generation; true when a fresh file can be opened.
    /// The file at the path is checked first: another process may already have replaced it, and a healthy file
    /// is never moved (the connections are only reopened).
    /// </summary>
    private bool Quarantine(int generation)
    {
        if (Interlocked.CompareExchange(ref _generation, generation + 1, generation) != generation)
            return true; // another caller already did it
        if (_path is null || !IsCorrupt(_path))
            return true;
        try
        {
            var target = string.Create(CultureInfo.InvariantCulture, $"{_path}.corrupt-{_time.GetUtcNow():yyyyMMddHHmmssfff}-{generation + 1}");
            if (File.Exists(_path))
                File.Move(_path, target);
            if (File.Exists(_path + "-wal"))
                File.Move(_path + "-wal", target + "-wal");
            if (File.Exists(_path + "-shm"))
                File.Delete(_path + "-shm");
            SqliteLog.Quarantined(_logger, Name, target);
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            SqliteLog.QuarantineFailed(_logger, Name, error);
            return false;
        }
    }

    private bool IsCorrupt(string path)
    {
        if (!File.Exists(path) || !IsOwnFile(path))
            return false;
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            return SqliteSession.Scalar(connection, "PRAGMA quick_check") is not "ok";
        }
        catch (Exception error)
        {
            // Only proof of corruption moves a file; a busy or unreadable one is left alone.
            return SqliteFaults.Classify(error) == SqliteFault.Corrupt;
        }
    }

    private const int SqliteCorrupt = 11;

    private bool IsFileOpenedBefore(string path) =>
        Volatile.Read(ref _opened) is { Identity.IsUnknown: false } opened && SqliteFileIdentity.Of(path) is { IsUnknown: false } identity && identity == opened.Identity;

    // Only a file this layer opened (the same file, by identity) or one whose header is a Cachka database's is ever
    // moved aside as corrupt: a file that replaced it at the path belongs to someone else.
    private bool IsOwnFile(string path) => IsFileOpenedBefore(path) || SqliteSchema.HeaderIsCachka(path);

    /// <summary>
    /// SQLite keeps writing to a database file that was deleted or replaced under it (the data would vanish on close),
    /// so the layer looks at the path itself: at most once a second before an operation, and on every maintenance pass
    /// and health check. A directory or file that is gone, or a file that is not the one this generation opened (compared
    /// by identity: device and inode, or volume and file index), starts a new generation (the file at the path is opened,
    /// inspected, or created). Returns what was wrong, naming the path; null when the file is the one in use.
    /// </summary>
    private string? CheckFile(bool throttled)
    {
        if (_path is null)
            return null;
        if (throttled)
        {
            var last = Volatile.Read(ref _fileCheckedAt);
            if ((last != 0 && _time.GetElapsedTime(last) < FileCheckInterval) || Interlocked.CompareExchange(ref _fileCheckedAt, _time.GetTimestamp(), last) != last)
                return null;
        }

        var generation = Volatile.Read(ref _generation);
        if (Volatile.Read(ref _opened) is not { } opened || opened.Generation != generation)
            return null;
        var directory = Path.GetDirectoryName(_path);
        var now = SqliteFileIdentity.Of(_path);
        var problem = !string.IsNullOrEmpty(directory) && !Directory.Exists(directory)
                ? $"the directory of the database file '{_path}' no longer exists"
            : now is null ? $"the database file '{_path}' is gone (deleted or moved)"
            : !now.Value.SameFileAs(opened.Identity) ? $"the file at '{_path}' is not the database file this layer opened (it was replaced)"
            : null;
        if (problem is not null && Interlocked.CompareExchange(ref _generation, generation + 1, generation) == generation)
            SqliteLog.FileChanged(_logger, Name, problem);
        return problem;
    }

    /// <summary>Health: the file the layer writes to is the one at <c>DbPath</c> (checked now, never throttled).</summary>
    string? ILayerPrecheck.Problem() => _rundown.IsClosed ? null : Refusal() ?? CheckFile(throttled: false);

    // Behind a file locked by another connection, every writer in line would wait its own busy timeout
    // in turn. Once one has, the writers that were queued behind it give up at once (the layer is skipped
    // for them, counted) instead; a writer arriving later tries the lock itself. So a caller waits at most
    // about two busy timeouts, however many are in line.
    private void NoteBusy(Exception error)
    {
        if (SqliteFaults.IsBusy(error))
            Volatile.Write(ref _busyAt, Stopwatch.GetTimestamp());
    }

    private bool BusyWhileQueued(long queuedAt) => Volatile.Read(ref _busyAt) >= queuedAt;

    private TimeoutException StillBusy()
    {
        _writerGate.Release();
        return new TimeoutException($"SQLite layer '{Name}': the writer ahead of this one found the database locked by another connection; this write was skipped instead of waiting in line.");
    }
}

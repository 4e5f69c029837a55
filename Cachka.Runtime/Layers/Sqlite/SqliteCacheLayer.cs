using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Cachka.Encryption;
using Cachka.Layers;
using Cachka.Serialization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace Cachka.Layers.Sqlite;

/// <summary>
/// The SQLite layer: one database file shared by every thread (and process) that opens it, in WAL mode.
/// Writes go through one writer connection; reads through a small pool of reader connections, each with its
/// prepared commands. The sync members use Microsoft.Data.Sqlite's sync API, the async members its async API.
/// Entries that cannot be read back (unknown envelope, failed decryption, undeserializable payload) are a
/// miss, are removed and are counted. A connection that breaks is reopened; a corrupt file is moved aside.
/// </summary>
internal sealed partial class SqliteCacheLayer : ICacheLayer, ILayerPrecheck
{
    private const int MaxRetainedBuffer = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private readonly SqliteLayerSettings _settings;
    private readonly CacheLayerContext _context;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ICacheSerializer _serializer;
    private readonly EnvelopeCipher? _cipher;
    private readonly RefusalLog _refusals = new();
    private readonly string? _path;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writerGate = new(1, 1);
    private long _busyAt;
    private readonly SemaphoreSlim? _readerSlots;
    private readonly int _readerCount;
    private readonly Stack<SqliteSession> _idleReaders = new();
    private SqliteSession? _writer;
    private static readonly TimeSpan FileCheckInterval = TimeSpan.FromSeconds(1);
    private int _generation;
    private OpenedFile? _opened;
    private int _foreignReported;
    private string? _refusal;
    private long _fileCheckedAt;
    // Every operation holds the rundown from renting a connection to returning it, so Dispose waits for them all.
    private readonly Rundown _rundown = new();

    /// <summary>Builds the layer. No file is touched until the first operation, so a bad path degrades the layer instead of failing start-up.</summary>
    public SqliteCacheLayer(SqliteLayerSettings settings, CacheLayerContext context)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        _settings = settings;
        _context = context;
        _time = context.Time;
        _logger = context.LoggerFactory.CreateLogger("Cachka.Sqlite");
        _serializer = settings.Serializer;
        _cipher = settings.Cipher;
        _path = settings.InMemory ? null : Path.GetFullPath(settings.DbPath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path ?? ":memory:",
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(settings.BusyTimeout.TotalSeconds)),
        }.ToString();

        // An in-memory database lives in one connection: reads share the writer.
        _readerCount = settings.InMemory ? 0 : Math.Clamp(Environment.ProcessorCount, 2, 8);
        _readerSlots = _readerCount == 0 ? null : new SemaphoreSlim(_readerCount, _readerCount);
    }

    public string Name => _settings.Name;

    /// <summary>True: the pipeline guards this layer with a circuit breaker.</summary>
    public bool IsRemote => true;

    /// <summary>The database file (null for <c>":memory:"</c>).</summary>
    public string? DatabasePath => _path;

    /// <summary>How many times the connections were reopened after a failure (tests, diagnostics).</summary>
    public int Generation => Volatile.Read(ref _generation);

    // ---- encoding, shared by both paths ----

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private string StorageKey(string key, out bool shortened)
    {
        ArgumentNullException.ThrowIfNull(key);
        return KeyDigest.Fit(key, _settings.MaxKeyLength, out shortened);
    }

    /// <summary>The stored blob, or null when the value is not stored here (counted; any older entry is then removed).</summary>
    private byte[]? Encode<T>(string key, T value, DateTimeOffset expiresAt)
    {
        // Decided once per type and serializer: a type that would not read back exactly is never written.
        var fidelity = SerializerFidelity.Of<T>(_serializer);
        if (!fidelity.IsFaithful)
        {
            Refuse(typeof(T), fidelity.Reason!, fidelity.Message!);
            return null;
        }

        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        try
        {
            try
            {
                _serializer.Serialize(value, buffer);
            }
            catch (UnfaithfulValueException refused)
            {
                Refuse(typeof(T), refused.Reason, refused.Message);
                return null;
            }
            catch (Exception error)
            {
                Skip("serialize_failed", error);
                return null;
            }

            if (buffer.WrittenCount > _settings.MaxPayloadBytes)
            {
                Skip("payload_too_large", null);
                return null;
            }

            return CacheEnvelope.Seal(buffer.WrittenSpan, expiresAt.ToUnixTimeMilliseconds(), key, _cipher);
        }
        finally
        {
            if (buffer.Capacity > MaxRetainedBuffer)
                t_buffer = null;
            else if (_cipher is not null)
                buffer.Clear(); // no plaintext left behind in a long-lived buffer
        }
    }

    private void Skip(string reason, Exception? error)
    {
        _context.ReportError(Name, reason);
        SqliteLog.WriteSkipped(_logger, Name, reason, error);
    }

    private void Refuse(Type type, string reason, string message)
    {
        _context.ReportError(Name, reason);
        if (_refusals.First(type, reason))
            SqliteLog.ValueRefused(_logger, Name, JsonFidelity.Display(type), reason, message);
    }

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
        var status = CacheEnvelope.Open(blob, key, _cipher, out var expiresAtMs, out var payload, out var rented);
        try
        {
            if (status != EnvelopeStatus.Ok)
                return ReadResult<T>.Invalid(blob.ToArray(), status == EnvelopeStatus.DecryptFailed ? "decrypt_failed" : "envelope_invalid");
            if (expiresAtMs <= now)
                return default;
            T value;
            try
            {
                value = _serializer.Deserialize<T>(payload);
            }
            catch (Exception)
            {
                return ReadResult<T>.Invalid(blob.ToArray(), "deserialize_failed");
            }

            return ReadResult<T>.Hit(value, expiresAtMs);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    private readonly struct ReadResult<T>
    {
        private ReadResult(bool found, T value, long expiresAtMs, byte[]? invalidBlob, string? reason)
        {
            Found = found;
            Value = value;
            ExpiresAtMs = expiresAtMs;
            InvalidBlob = invalidBlob;
            Reason = reason;
        }

        public bool Found { get; }
        public T Value { get; }
        public long ExpiresAtMs { get; }
        public byte[]? InvalidBlob { get; }
        public string? Reason { get; }

        public CacheLayerHit<T> ToHit() =>
            Found ? new CacheLayerHit<T>(Value, DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs)) : CacheLayerHit<T>.Miss;

        public static ReadResult<T> Hit(T value, long expiresAtMs) => new(true, value, expiresAtMs, null, null);

        public static ReadResult<T> Invalid(byte[] blob, string reason) => new(false, default!, 0, blob, reason);
    }

    private void ReportDropped(string reason)
    {
        _context.ReportError(Name, reason);
        SqliteLog.EntryDropped(_logger, Name, reason);
    }

    private static void BindUpsert(SqliteSession session, string storageKey, byte[] blob, DateTimeOffset expiresAt, string key, bool shortened)
    {
        session.UpsertKey.Value = storageKey;
        session.UpsertValue.Value = blob;
        session.UpsertExpiresAt.Value = expiresAt.ToUnixTimeMilliseconds();
        session.UpsertFullKey.Value = shortened ? key : DBNull.Value;
    }

    // ---- connections ----

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

    private void EnsureDirectory()
    {
        var directory = _path is null ? null : Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
            Directory.CreateDirectory(directory);
    }

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
        _cipher?.Dispose();
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

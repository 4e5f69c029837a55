using System.Buffers;
using Cachka.Encryption;
using Cachka.Layers;
using Cachka.Serialization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Cachka.Layers.Sqlite;

/// <summary>
/// The SQLite layer: one database file shared by every thread (and process) that opens it, in WAL mode.
/// Writes go through one writer connection; reads through a small pool of reader connections, each with its
/// prepared commands. The sync and async members share one body per operation (Microsoft.Data.Sqlite's
/// async methods run synchronously) and differ only in how they wait for a connection: see the .Connections file.
/// Entries that cannot be read back (unknown envelope, failed decryption, undeserializable payload) are a
/// miss, are removed and are counted. A connection that breaks is reopened; a corrupt file is moved aside.
/// </summary>
internal sealed partial class SqliteCacheLayer : ICacheLayer, ILayerPrecheck
{
    private readonly SqliteLayerSettings _settings;
    private readonly CacheLayerContext _context;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ValueCodec _codec;
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
        _codec = new ValueCodec(settings.Name, settings.Serializer, settings.Cipher, settings.MaxPayloadBytes, context.ReportError, _logger);
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

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (!_rundown.Close())
            return;
        await _rundown.Drained.ConfigureAwait(false);
        CloseAll();
    }
}

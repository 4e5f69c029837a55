using Cachka.Encryption;
using Cachka.Internal;
using Cachka.Layers;
using Cachka.Serialization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Cachka.Redis;

/// <summary>
/// The Redis layer: values in the shared envelope (optionally encrypted) under <c>KeyPrefix + key</c> with the
/// entry's TTL as the key's Redis expiry, tags as Redis sets, and the backplane that tells other processes what
/// changed. One file per concern (read, write, tags, backplane); the sync members call StackExchange.Redis's sync
/// API and the async members its async API. Whatever fails is thrown for the pipeline to count (breaker, missed
/// keys); what cannot be read back is a miss and is removed.
/// </summary>
internal sealed partial class RedisCacheLayer : ICacheLayer
{
    private readonly RedisCacheConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ValueCodec _codec;
    private readonly IConnectionMultiplexer _connection;
    private readonly bool _ownsConnection;
    private readonly IDatabase _database;
    private int _inFlight;
    private int _slotWaiters;
    private bool _threadsReserved;
    private readonly SemaphoreSlim _slotFreed = new(0);
    private readonly TimeSpan _slotTimeout;
    private readonly string _tagPrefix;
    private readonly RedisBackplane? _backplane;
    private int _disposed;

    public RedisCacheLayer(RedisCacheConfig config, EnvelopeCipher? cipher, CacheLayerContext context)
    {
        _config = config;
        _time = context.Time;
        _logger = context.LoggerFactory.CreateLogger("Cachka.Redis");
        _codec = new ValueCodec(config.Name, config.Serializer, cipher, config.MaxPayloadBytes, context.ReportError, _logger);
        _slotTimeout = config.OperationTimeout;
        _tagPrefix = AuxiliaryPrefix(config.KeyPrefix) + "tag:";
        if (config.Connection is { } shared)
        {
            _connection = shared;
        }
        else
        {
            // Returns once connected, or after SocketConnectTimeout with a connection that keeps retrying in the
            // background (a cache built while Redis is away starts with this layer missing, not failing).
            _connection = ConnectionMultiplexer.Connect(config.ConnectionOptions());
            _ownsConnection = true;
        }

        _database = _connection.GetDatabase(config.Connection is null && config.ConnectionString is null ? config.Db : -1);
        if (config.EnableBackplane)
        {
            _backplane = new RedisBackplane(_connection, RedisChannel.Literal(AuxiliaryPrefix(config.KeyPrefix) + "backplane"), this, context, _logger);
            _backplane.Start();
        }
    }

    // The sync path blocks its caller's thread for each command in flight, and StackExchange.Redis delivers
    // replies on the thread pool: with too few pool threads, blocked callers would wait for the thread that
    // brings their own reply (a stall of the pool's 0.5 s thread injection per thread). So the first sync call
    // makes the pool keep MaxConnections worker threads beyond one per processor ready. Only then: more ready
    // threads make the pool wake more of them for async bursts, which costs an async-only application throughput.
    private void ReserveThreadsForSyncCallers()
    {
        _threadsReserved = true;
        ThreadPool.GetMinThreads(out var workers, out var io);
        var wanted = Environment.ProcessorCount + _config.MaxConnections;
        if (workers < wanted)
            ThreadPool.SetMinThreads(wanted, io);
    }

    public string Name => _config.Name;

    public bool IsRemote => true;

    internal IConnectionMultiplexer Connection => _connection;

    internal RedisBackplane? Backplane => _backplane;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // Entries live under prefix + key; tag sets and the channel under the prefix with its last character
    // changed, which no cache key can produce (every entry's Redis key starts with the whole prefix).
    internal static string AuxiliaryPrefix(string keyPrefix)
    {
        var last = keyPrefix[^1];
        return string.Concat(keyPrefix.AsSpan(0, keyPrefix.Length - 1), last == '#' ? "$" : "#");
    }

    private RedisKey StorageKey(string key)
    {
        Guard.Key(key);
        return _config.KeyPrefix + KeyDigest.Fit(key, _config.MaxKeyLength, out _);
    }

    private RedisKey TagKey(string tag) => _tagPrefix + tag;

    // The remaining time to live, or null when the entry is already expired (then it is removed instead).
    private TimeSpan? TimeToLive(DateTimeOffset expiresAt)
    {
        var ttl = expiresAt - _time.GetUtcNow();
        return ttl > TimeSpan.Zero ? ttl : null;
    }

    // MaxConnections: the most commands in flight at once; an async caller waits at most OperationTimeout for a
    // slot, a sync caller not at all.
    // Taking a slot is one compare-and-swap; only callers beyond the bound wait, on a semaphore that every
    // release signals while someone waits (a waiter woken for a slot another caller took waits again).
    private Slot Enter()
    {
        if (!_threadsReserved)
            ReserveThreadsForSyncCallers();
        // A sync caller beyond the bound does not wait: it would block one more thread, and the commands holding
        // the slots need pool threads to deliver their replies (StackExchange.Redis 3 reads on the thread pool).
        // It misses this layer at once instead (counted as busy; the breaker does not move).
        if (!TryTakeSlot())
            throw new LayerBusyException($"Redis cache layer '{Name}': {_config.MaxConnections} commands are in flight (RedisCacheConfig.MaxConnections); a sync call does not wait for a slot.");
        return new Slot(this);
    }

    private ValueTask<Slot> EnterAsync(CancellationToken cancellationToken) =>
        TryTakeSlot() ? new(new Slot(this)) : WaitForSlotAsync(cancellationToken);

    // A compare-and-swap, so the count never goes past the bound even for an instant.
    private bool TryTakeSlot()
    {
        var current = Volatile.Read(ref _inFlight);
        while (current < _config.MaxConnections)
        {
            var seen = Interlocked.CompareExchange(ref _inFlight, current + 1, current);
            if (seen == current)
                return true;
            current = seen;
        }

        return false;
    }

    private void ReleaseSlot()
    {
        Interlocked.Decrement(ref _inFlight);
        if (Volatile.Read(ref _slotWaiters) > 0)
            _slotFreed.Release();
    }

    private async ValueTask<Slot> WaitForSlotAsync(CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)_slotTimeout.TotalMilliseconds;
        Interlocked.Increment(ref _slotWaiters);
        try
        {
            while (!TryTakeSlot())
            {
                if (!await _slotFreed.WaitAsync(Remaining(deadline), cancellationToken).ConfigureAwait(false))
                    ThrowNoSlot();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _slotWaiters);
        }

        return new Slot(this);
    }

    private static int Remaining(long deadline) => (int)Math.Max(0, deadline - Environment.TickCount64);

    private void ThrowNoSlot() =>
        throw new LayerBusyException($"Redis cache layer '{Name}': {_config.MaxConnections} commands stayed in flight for {_slotTimeout.TotalMilliseconds:0} ms (RedisCacheConfig.MaxConnections, OperationTimeout).");

    /// <summary>Commands of this layer in flight now (at most <see cref="RedisCacheConfig.MaxConnections"/>).</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    private readonly struct Slot(RedisCacheLayer layer) : IDisposable
    {
        public void Dispose() => layer.ReleaseSlot();
    }

    public int CleanupExpired() => 0; // Redis expires entries itself; live keys are never touched

    public ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken) => new(0);

    public ValueTask<int> RunMaintenanceAsync(CancellationToken cancellationToken) => new(0);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _backplane?.Dispose();
        if (_ownsConnection)
            _connection.Dispose();
        _codec.Cipher?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _backplane?.Dispose();
        if (_ownsConnection)
            await _connection.DisposeAsync().ConfigureAwait(false);
        _codec.Cipher?.Dispose();
    }
}

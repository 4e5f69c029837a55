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
/// changed. One file per concern (read, write, tags, slots, backplane); the sync members call StackExchange.Redis's sync
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
    private readonly TimeSpan _slotTimeout;
    private readonly RedisKey _keyPrefix; // its UTF-8 bytes: a key goes out as these and the cache key, with no string joined per call
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
        _keyPrefix = System.Text.Encoding.UTF8.GetBytes(config.KeyPrefix);
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
        return ((RedisKey)KeyDigest.Fit(key, _config.MaxKeyLength, out _)).Prepend(_keyPrefix);
    }

    private RedisKey TagKey(string tag) => _tagPrefix + tag;

    // The remaining time to live, or null when the entry is already expired (then it is removed instead).
    private TimeSpan? TimeToLive(DateTimeOffset expiresAt, DateTimeOffset origin = default)
    {
        var ttl = expiresAt - (origin == default ? _time.GetUtcNow() : origin);
        return ttl > TimeSpan.Zero ? ttl : null;
    }

    public int CleanupExpired() => 0; // Redis expires entries itself; live keys are never touched

    public ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken) => new(0);

    public ValueTask<int> RunMaintenanceAsync(CancellationToken cancellationToken) => new(0);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _backplane?.Dispose();
        _slotExpiry?.Dispose();
        if (_ownsConnection)
            _connection.Dispose();
        _codec.Cipher?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _backplane?.Dispose();
        _slotExpiry?.Dispose();
        if (_ownsConnection)
            await _connection.DisposeAsync().ConfigureAwait(false);
        _codec.Cipher?.Dispose();
    }
}

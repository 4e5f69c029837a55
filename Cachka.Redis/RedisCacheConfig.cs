using Cachka.Encryption;
using Cachka.Internal;
using Cachka.Layers;
using Cachka.Serialization;
using StackExchange.Redis;

namespace Cachka.Redis;

/// <summary>
/// The Redis layer (usually L3, below memory and optionally SQLite): one Redis shared by every process and
/// machine of an application, with a backplane that keeps their memory layers coherent. The fields of the
/// Python cachka's <c>RedisConfig</c> keep their names and defaults; <see cref="ConnectionString"/> reaches
/// everything else StackExchange.Redis can connect to (TLS, Sentinel, Cluster). See <c>docs/redis.md</c>.
/// </summary>
public sealed record RedisCacheConfig : CacheLayerConfig
{
    /// <summary>Server host (ignored when <see cref="ConnectionString"/> or <see cref="Connection"/> is set).</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>Server port (ignored when <see cref="ConnectionString"/> or <see cref="Connection"/> is set).</summary>
    public int Port { get; init; } = 6379;

    /// <summary>Database number (standalone servers only; a cluster has database 0 only).</summary>
    public int Db { get; init; }

    /// <summary>Password (AUTH), or null.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// The longest a command may wait for its reply, as the Python cachka's <c>socket_timeout</c>; null: only
    /// <see cref="OperationTimeout"/> applies. The smaller of the two is used.
    /// </summary>
    public TimeSpan? SocketTimeout { get; init; }

    /// <summary>The longest a connection attempt may take (null: 5 seconds). Building a cache while Redis is unreachable waits this long once.</summary>
    public TimeSpan? SocketConnectTimeout { get; init; }

    /// <summary>
    /// The most commands this layer has in flight at once. StackExchange.Redis multiplexes every command over one
    /// connection per server, so this is not a pool size: it is the bound a pool of this size would give (async callers
    /// beyond it wait for at most <see cref="OperationTimeout"/>, sync callers not at all; then they miss this layer).
    /// </summary>
    public int MaxConnections { get; init; } = 50;

    /// <summary>
    /// Prefix of every Redis key this layer writes: an entry is stored under prefix + cache key. Must not be empty.
    /// Tag sets and the backplane channel use the prefix with its last character replaced, so no cache key can
    /// name them. Processes share entries, tags and invalidations exactly when they share Redis and this prefix.
    /// </summary>
    public string KeyPrefix { get; init; } = "cachka:";

    /// <summary>
    /// A StackExchange.Redis configuration string (for example <c>"redis1:6379,redis2:6379,ssl=true,password=..."</c>,
    /// or <c>"sentinel1:26379,serviceName=mymaster"</c>); when set it replaces <see cref="Host"/>, <see cref="Port"/>,
    /// <see cref="Db"/> and <see cref="Password"/>.
    /// </summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// An open connection to use instead of opening one (shared with the rest of the application; the layer never
    /// closes it). Its own timeouts apply to its commands; <see cref="OperationTimeout"/> still bounds waits for a slot.
    /// </summary>
    public IConnectionMultiplexer? Connection { get; init; }

    /// <summary>The longest one Redis operation may cost a caller (a hung or frozen server): then it is a miss, or a skipped write.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Keeps the memory layers of every process sharing this Redis and prefix coherent over Redis pub/sub (on by default).</summary>
    public bool EnableBackplane { get; init; } = true;

    /// <summary>Encrypt every value with AES-256-GCM (the SQLite layer's scheme). Requires <see cref="EncryptionKey"/>.</summary>
    public bool EnableEncryption { get; init; }

    /// <summary>The current key: base64 of exactly 32 bytes (<see cref="CacheEncryptionKey.Generate"/> makes one).</summary>
    public string? EncryptionKey { get; init; }

    /// <summary>Older keys still accepted for reading during a key rotation.</summary>
    public IReadOnlyList<string> PreviousEncryptionKeys { get; init; } = [];

    /// <summary>Longest cache key stored as is; longer keys are stored as a readable prefix plus the SHA-256 of the whole key (checked on read). At least 80.</summary>
    public int MaxKeyLength { get; init; } = 512;

    /// <summary>Largest serialized value stored (bytes); a larger value is not stored in this layer (counted as <c>payload_too_large</c>).</summary>
    public int MaxPayloadBytes { get; init; } = SqliteCacheConfig.DefaultMaxPayloadBytes;

    /// <summary>Turns values into bytes. Default: <see cref="JsonCacheSerializer.Default"/>.</summary>
    public ICacheSerializer Serializer { get; init; } = JsonCacheSerializer.Default;

    /// <inheritdoc/>
    public override string Name { get; init; } = "redis_cache";

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        const string config = nameof(RedisCacheConfig);
        if (Connection is null && ConnectionString is null)
        {
            if (string.IsNullOrWhiteSpace(Host))
                throw new ArgumentException($"{config}.Host must not be empty: give a host name such as \"localhost\", or set ConnectionString.", nameof(Host));
            if (Port is <= 0 or > 65535)
                throw new ArgumentOutOfRangeException(nameof(Port), Port, $"{config}.Port must be between 1 and 65535.");
            if (Db < 0)
                throw new ArgumentOutOfRangeException(nameof(Db), Db, $"{config}.Db must not be negative.");
        }
        else if (ConnectionString is not null)
        {
            try
            {
                ConfigurationOptions.Parse(ConnectionString);
            }
            catch (ArgumentException error)
            {
                throw new ArgumentException($"{config}.ConnectionString is not a valid StackExchange.Redis configuration string: {error.Message}", nameof(ConnectionString), error);
            }
        }

        Positive(SocketTimeout, nameof(SocketTimeout));
        Positive(SocketConnectTimeout, nameof(SocketConnectTimeout));
        Positive(OperationTimeout, nameof(OperationTimeout));
        if (MaxConnections <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, $"{config}.MaxConnections must be > 0 (the most commands in flight at once).");
        if (string.IsNullOrEmpty(KeyPrefix))
            throw new ArgumentException($"{config}.KeyPrefix must not be empty: it keeps Cachka's keys apart from the rest of the database (default \"cachka:\").", nameof(KeyPrefix));
        if (MaxKeyLength < KeyDigest.MinimumMaxLength)
            throw new ArgumentOutOfRangeException(nameof(MaxKeyLength), MaxKeyLength,
                $"{config}.MaxKeyLength must be at least {KeyDigest.MinimumMaxLength}: longer keys are stored as a prefix plus a {KeyDigest.HexLength}-character SHA-256 digest, which must fit.");
        if (MaxPayloadBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxPayloadBytes), MaxPayloadBytes, $"{config}.MaxPayloadBytes must be > 0 (the largest serialized value stored).");
        if (Serializer is null)
            throw new ArgumentException($"{config}.Serializer must not be null (the default is JsonCacheSerializer.Default).", nameof(Serializer));
        EncryptionSettings.Validate(config, EnableEncryption, EncryptionKey, PreviousEncryptionKeys);
    }

    /// <inheritdoc/>
    public override ICacheLayer CreateLayer(CacheLayerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Validate();
        return new RedisCacheLayer(this, EncryptionSettings.CreateCipher(nameof(RedisCacheConfig), EnableEncryption, EncryptionKey, PreviousEncryptionKeys), context);
    }

    /// <summary>The connection options for <see cref="Host"/>..<see cref="Password"/> or <see cref="ConnectionString"/>.</summary>
    internal ConfigurationOptions ConnectionOptions()
    {
        var options = ConnectionString is not null ? ConfigurationOptions.Parse(ConnectionString) : new ConfigurationOptions
        {
            EndPoints = { { Host, Port } },
            DefaultDatabase = Db,
            Password = Password,
        };
        var timeout = (int)Math.Ceiling(CommandTimeout.TotalMilliseconds);
        options.SyncTimeout = timeout;
        options.AsyncTimeout = timeout;
        // StackExchange.Redis finds async commands past their timeout on its heartbeat (every second by default), so
        // a command could cost up to a second more than the timeout: a quarter of the timeout keeps that small.
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Clamp(timeout / 4, 50, 1000));
        options.ConnectTimeout = (int)Math.Ceiling((SocketConnectTimeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds);
        // Never fail start-up because Redis is away, and never queue commands while it is: a command without a
        // connection fails at once, so a caller gets the other layers instead of waiting for the timeout.
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "cachka-" + Name;

        return options;
    }

    /// <summary>The timeout of one command: the smaller of <see cref="OperationTimeout"/> and <see cref="SocketTimeout"/>.</summary>
    internal TimeSpan CommandTimeout => SocketTimeout is { } socket && socket < OperationTimeout ? socket : OperationTimeout;

    private static void Positive(TimeSpan? value, string name)
    {
        if (value is { } time && time <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(name, time, $"{nameof(RedisCacheConfig)}.{name} must be > 0.");
    }
}

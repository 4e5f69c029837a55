using Cachka.Encryption;
using Cachka.Layers;
using Cachka.Layers.Sqlite;
using Cachka.Serialization;

namespace Cachka;

/// <summary>
/// The persistent SQLite layer (usually L2): one database file shared by every thread and process that opens
/// it, values in a versioned envelope, optionally encrypted with AES-256-GCM. See <c>docs/sqlite.md</c>.
/// </summary>
public sealed record SqliteCacheConfig : CacheLayerConfig
{
    /// <summary>Default of <see cref="MaxPayloadBytes"/>: 16 MiB.</summary>
    public const int DefaultMaxPayloadBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Database file (relative paths resolve against the current directory when the layer is built; a missing
    /// directory is created). <c>":memory:"</c> gives one private in-memory database for the layer, shared by its sync and async paths.
    /// </summary>
    public string DbPath { get; init; } = "cache.db";

    /// <summary>Encrypt every value with AES-256-GCM. Requires <see cref="EncryptionKey"/>: never silently plaintext.</summary>
    public bool EnableEncryption { get; init; }

    /// <summary>The current key: base64 of exactly 32 bytes (<see cref="CacheEncryptionKey.Generate"/> makes one). New writes use it.</summary>
    public string? EncryptionKey { get; init; }

    /// <summary>Older keys still accepted for reading during a key rotation (same format as <see cref="EncryptionKey"/>).</summary>
    public IReadOnlyList<string> PreviousEncryptionKeys { get; init; } = [];

    /// <summary>
    /// Longest key stored as is (UTF-16 characters). Longer keys are stored as a readable prefix plus the SHA-256 of
    /// the whole key; the full key is kept beside the value and checked on read. At least 80.
    /// </summary>
    public int MaxKeyLength { get; init; } = 512;

    /// <summary>Largest serialized value stored (bytes); a larger value is not stored in this layer (counted as <c>payload_too_large</c>).</summary>
    public int MaxPayloadBytes { get; init; } = DefaultMaxPayloadBytes;

    /// <summary>
    /// How long an operation waits for a lock held by another connection or process before failing (counted, the
    /// layer is skipped). Microsoft.Data.Sqlite retries busy statements for whole seconds, so waits are at least one second.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Optional cap on the database file size (bytes, rounded down to whole pages); writes beyond it fail like a full disk.</summary>
    public long? MaxDatabaseBytes { get; init; }

    /// <summary>Turns values into bytes. Default: <see cref="JsonCacheSerializer.Default"/> (System.Text.Json).</summary>
    public ICacheSerializer Serializer { get; init; } = JsonCacheSerializer.Default;

    /// <inheritdoc/>
    public override string Name { get; init; } = "sqlite_cache";

    internal bool InMemory => DbPath == ":memory:";

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (string.IsNullOrWhiteSpace(DbPath))
            throw new ArgumentException("SqliteCacheConfig.DbPath must not be empty: give a file path such as \"cache.db\" (or \":memory:\").", nameof(DbPath));
        if (MaxKeyLength < KeyDigest.MinimumMaxLength)
            throw new ArgumentOutOfRangeException(nameof(MaxKeyLength), MaxKeyLength,
                $"SqliteCacheConfig.MaxKeyLength must be at least {KeyDigest.MinimumMaxLength}: longer keys are stored as a prefix plus a {KeyDigest.HexLength}-character SHA-256 digest, which must fit.");
        if (MaxPayloadBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxPayloadBytes), MaxPayloadBytes, "SqliteCacheConfig.MaxPayloadBytes must be > 0 (the largest serialized value stored).");
        if (BusyTimeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "SqliteCacheConfig.BusyTimeout must not be negative.");
        if (MaxDatabaseBytes is <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxDatabaseBytes), MaxDatabaseBytes, "SqliteCacheConfig.MaxDatabaseBytes must be > 0, or null for no cap.");
        if (Serializer is null)
            throw new ArgumentException("SqliteCacheConfig.Serializer must not be null (the default is JsonCacheSerializer.Default).", nameof(Serializer));
        EncryptionSettings.Validate(nameof(SqliteCacheConfig), EnableEncryption, EncryptionKey, PreviousEncryptionKeys);
    }

    /// <inheritdoc/>
    public override ICacheLayer CreateLayer(CacheLayerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SqliteCacheLayer(Settings, context);
    }

    /// <summary>The validated settings the layer is built from (encryption keys parsed).</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    internal SqliteLayerSettings Settings
    {
        get
        {
            Validate();
            return new(Name, DbPath, BusyTimeout, MaxDatabaseBytes, MaxKeyLength, MaxPayloadBytes, Serializer,
                EncryptionSettings.CreateCipher(nameof(SqliteCacheConfig), EnableEncryption, EncryptionKey, PreviousEncryptionKeys));
        }
    }
}

using Cachka.Encryption;
using Cachka.Serialization;

namespace Cachka.Layers.Sqlite;

/// <summary>
/// What the SQLite layer is built from: the validated settings of a <c>SqliteCacheConfig</c>, with the
/// encryption keys already parsed into a cipher. The layer never sees the public config.
/// </summary>
internal sealed record SqliteLayerSettings(
    string Name,
    string DbPath,
    TimeSpan BusyTimeout,
    long? MaxDatabaseBytes,
    int MaxKeyLength,
    int MaxPayloadBytes,
    ICacheSerializer Serializer,
    EnvelopeCipher? Cipher)
{
    /// <summary>An in-memory database (<c>":memory:"</c>): one connection, nothing on disk.</summary>
    public bool InMemory => DbPath == ":memory:";
}

using System.Buffers;

namespace Cachka;

/// <summary>
/// Turns values into bytes for the storage layers (SQLite, Redis) and back. The default is
/// <see cref="JsonCacheSerializer"/>; plug in your own (MessagePack, protobuf, ...) through
/// <see cref="SqliteCacheConfig.Serializer"/>. Implementations must be thread-safe.
/// </summary>
public interface ICacheSerializer
{
    /// <summary>Writes <paramref name="value"/> (which may be null) to <paramref name="destination"/>.</summary>
    void Serialize<T>(T value, IBufferWriter<byte> destination);

    /// <summary>
    /// Reads a value written by <see cref="Serialize{T}"/>. Throw on data that does not fit <typeparamref name="T"/>:
    /// the layer turns the exception into a miss, removes the entry and counts it.
    /// </summary>
    T Deserialize<T>(ReadOnlySpan<byte> source);
}

using System.Buffers;

namespace Cachka.Serialization;

/// <summary>
/// Turns values into bytes for the serializing layers (SQLite today) and back. The default is
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

    /// <summary>
    /// Whether every value declared as <typeparamref name="T"/> reads back exactly as written. A layer asks once per
    /// type, before the first write, and keeps the answer; a refused type is not stored in that layer (counted with
    /// <see cref="CacheFidelity.Reason"/>, logged once), and any older value under the key is removed. The default
    /// trusts the serializer: every type is faithful. Override it when your format loses something for some types;
    /// refuse a single value by throwing <see cref="UnfaithfulValueException"/> from <see cref="Serialize{T}"/>.
    /// </summary>
    CacheFidelity GetFidelity<T>() => CacheFidelity.Faithful;
}

using System.Buffers;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Cachka.Serialization;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace Cachka.Hybrid;

/// <summary>
/// How <see cref="CachkaHybridCache"/> turns values into the bytes it stores in every tier, as Microsoft's
/// HybridCache does: the <see cref="IHybridCacheSerializer{T}"/> registered for <c>T</c> (the last one), else the
/// first <see cref="IHybridCacheSerializerFactory"/> (last registered first) that offers one, else UTF-8 for
/// <c>string</c>, the bytes themselves for <c>byte[]</c>, and Cachka's faithful JSON for everything else (a type
/// that would not read back exactly is not cached). The layers below L1 keep the bytes; L1 keeps a
/// <see cref="LocalEntry"/>. Reading turns the bytes into a fresh copy for a mutable type; an immutable one
/// (<c>string</c>, a value type without references, a sealed or value type marked <c>[ImmutableObject(true)]</c>)
/// is deserialized at most once per L1 entry and that instance is shared.
/// </summary>
internal sealed class HybridPayloads(IServiceProvider? services, int maxPayloadBytes)
{
    private readonly ConcurrentDictionary<Type, object> _serializers = new();

    public int MaxPayloadBytes { get; } = maxPayloadBytes;

    /// <summary>What L1 holds for an entry: its bytes, and the shared instance once an immutable type has read them.</summary>
    public sealed class LocalEntry(byte[] bytes, object? shared)
    {
        public byte[] Bytes { get; } = bytes;

        public object? Shared { get; set; } = shared;
    }

    /// <summary>L1's entry for bytes read from a layer below it.</summary>
    public static LocalEntry Local(byte[] bytes) => new(bytes, null);

    /// <summary>The stored form of <paramref name="value"/> (bytes for every layer, the entry for L1), or null with the reason when it is not cached.</summary>
    public LocalEntry? Write<T>(T value, out string? refusal)
    {
        var serializer = SerializerFor<T>();
        if (serializer is FaithfulJson<T> { Fidelity: { IsFaithful: false } fidelity })
        {
            refusal = fidelity.Reason;
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            serializer.Serialize(value, buffer);
        }
        catch (UnfaithfulValueException refused)
        {
            refusal = refused.Reason;
            return null;
        }

        if (buffer.WrittenCount > MaxPayloadBytes)
        {
            refusal = "payload_too_large";
            return null;
        }

        refusal = null;
        return new LocalEntry(buffer.WrittenSpan.ToArray(), Immutable<T>.Value ? value : null);
    }

    /// <summary>The value of an entry: a fresh copy, or the shared instance of an immutable type.</summary>
    public T Read<T>(LocalEntry entry)
    {
        if (Immutable<T>.Value && entry.Shared is T shared)
            return shared;
        var value = SerializerFor<T>().Deserialize(new ReadOnlySequence<byte>(entry.Bytes));
        if (Immutable<T>.Value)
            entry.Shared = value; // a race stores one of two equal instances: either may be shared
        return value;
    }

    private IHybridCacheSerializer<T> SerializerFor<T>() =>
        (IHybridCacheSerializer<T>)_serializers.GetOrAdd(typeof(T), static (_, services) => Resolve<T>(services), services);

    private static IHybridCacheSerializer<T> Resolve<T>(IServiceProvider? services)
    {
        if (services?.GetService<IHybridCacheSerializer<T>>() is { } registered)
            return registered;
        if (services is not null)
        {
            var factories = services.GetServices<IHybridCacheSerializerFactory>().Reverse();
            foreach (var factory in factories)
            {
                if (factory.TryCreateSerializer<T>(out var created))
                    return created;
            }
        }

        if (typeof(T) == typeof(string))
            return (IHybridCacheSerializer<T>)(object)Utf8Text.Instance;
        if (typeof(T) == typeof(byte[]))
            return (IHybridCacheSerializer<T>)(object)RawBytes.Instance;
        return new FaithfulJson<T>();
    }

    private static class Immutable<T>
    {
        public static readonly bool Value = !RuntimeHelpers.IsReferenceOrContainsReferences<T>() || IsImmutable(typeof(T));

        private static bool IsImmutable(Type type)
        {
            if (type == typeof(string))
                return true;
            type = Nullable.GetUnderlyingType(type) ?? type;
            return (type.IsValueType || (type.IsClass && type.IsSealed))
                && type.GetCustomAttribute<ImmutableObjectAttribute>() is { Immutable: true };
        }
    }

    private sealed class Utf8Text : IHybridCacheSerializer<string>
    {
        public static readonly Utf8Text Instance = new();

        public string Deserialize(ReadOnlySequence<byte> source) => Encoding.UTF8.GetString(source);

        public void Serialize(string value, IBufferWriter<byte> target) => Encoding.UTF8.GetBytes(value, target);
    }

    private sealed class RawBytes : IHybridCacheSerializer<byte[]>
    {
        public static readonly RawBytes Instance = new();

        public byte[] Deserialize(ReadOnlySequence<byte> source) => source.ToArray();

        public void Serialize(byte[] value, IBufferWriter<byte> target) => target.Write(value);
    }

    // Cachka's own JSON (the one the SQLite and Redis layers use), with its fidelity check.
    private sealed class FaithfulJson<T> : IHybridCacheSerializer<T>
    {
        public CacheFidelity Fidelity { get; } = SerializerFidelity.Of<T>(JsonCacheSerializer.Default);

        public T Deserialize(ReadOnlySequence<byte> source) =>
            source.IsSingleSegment ? JsonCacheSerializer.Default.Deserialize<T>(source.FirstSpan) : JsonCacheSerializer.Default.Deserialize<T>(source.ToArray());

        public void Serialize(T value, IBufferWriter<byte> target) => JsonCacheSerializer.Default.Serialize(value, target);
    }
}

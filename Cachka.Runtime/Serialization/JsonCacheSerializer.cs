using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Cachka;

/// <summary>
/// The default <see cref="ICacheSerializer"/>: System.Text.Json, UTF-8. <see cref="Default"/> needs no reflection for
/// strings, primitives, the temporal types, <see cref="Guid"/>, <see cref="decimal"/>, <c>byte[]</c> (their nullables,
/// arrays and lists) and every type of the application's own <see cref="JsonSerializerContext"/>s, which the generator
/// registers; other types use reflection where the application allows it (not in trimmed or Native AOT applications).
/// To use other metadata only, pass it: <c>new JsonCacheSerializer(MyJsonContext.Default)</c>.
/// </summary>
public sealed class JsonCacheSerializer : ICacheSerializer
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static JsonCacheSerializer? t_writerOwner;

    private readonly JsonSerializerOptions _options;
    private readonly JsonWriterOptions _writerOptions;

    /// <summary>Uses the given options (made read-only on first use).</summary>
    public JsonCacheSerializer(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _writerOptions = new JsonWriterOptions { Encoder = options.Encoder, Indented = false, SkipValidation = true };
    }

    /// <summary>Uses source-generated (or any other) metadata, for example a <see cref="JsonSerializerContext"/>.</summary>
    public JsonCacheSerializer(IJsonTypeInfoResolver resolver)
        : this(new JsonSerializerOptions { TypeInfoResolver = resolver ?? throw new ArgumentNullException(nameof(resolver)) })
    {
    }

    /// <summary>
    /// System.Text.Json with default options, its metadata found without reflection where it can be (see the class summary
    /// and docs/sqlite.md, "Trimmed and Native AOT applications").
    /// </summary>
    public static JsonCacheSerializer Default { get; } = new(new JsonSerializerOptions { TypeInfoResolver = Serialization.JsonMetadata.Resolver });

    /// <inheritdoc/>
    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var writer = RentWriter(destination);
        try
        {
            JsonSerializer.Serialize(writer, value, TypeInfo<T>());
            writer.Flush();
        }
        finally
        {
            writer.Reset(NullWriter.Instance); // drop the caller's buffer
        }
    }

    /// <inheritdoc/>
    public T Deserialize<T>(ReadOnlySpan<byte> source) => JsonSerializer.Deserialize(source, TypeInfo<T>())!;

    private Utf8JsonWriter RentWriter(IBufferWriter<byte> destination)
    {
        var writer = t_writer;
        if (writer is not null && ReferenceEquals(t_writerOwner, this))
        {
            writer.Reset(destination);
            return writer;
        }

        writer = new Utf8JsonWriter(destination, _writerOptions);
        t_writer = writer;
        t_writerOwner = this;
        return writer;
    }

    // One slot per T remembers the metadata of the serializer that used it last: a field read instead of the
    // options' dictionary lookup on every call.
    private JsonTypeInfo<T> TypeInfo<T>()
    {
        var cached = TypeInfoSlot<T>.Last;
        if (cached is not null && ReferenceEquals(cached.Owner, this))
            return cached.Info;
        var info = (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));
        TypeInfoSlot<T>.Last = new TypeInfoEntry<T>(this, info);
        return info;
    }

    private static class TypeInfoSlot<T>
    {
        public static volatile TypeInfoEntry<T>? Last;
    }

    private sealed record TypeInfoEntry<T>(JsonCacheSerializer Owner, JsonTypeInfo<T> Info);

    private sealed class NullWriter : IBufferWriter<byte>
    {
        public static readonly NullWriter Instance = new();

        public void Advance(int count)
        {
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Array.Empty<byte>();

        public Span<byte> GetSpan(int sizeHint = 0) => [];
    }
}

using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Cachka;

/// <summary>
/// The default <see cref="ICacheSerializer"/>: System.Text.Json, UTF-8. <see cref="Default"/> uses
/// <see cref="JsonSerializerOptions.Default"/> (reflection, where the application allows it). For trimmed or
/// Native AOT applications pass your <see cref="JsonSerializerContext"/> (or any <see cref="IJsonTypeInfoResolver"/>):
/// <c>new JsonCacheSerializer(MyJsonContext.Default)</c>.
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

    /// <summary>System.Text.Json with <see cref="JsonSerializerOptions.Default"/>.</summary>
    public static JsonCacheSerializer Default { get; } = new(ReflectionDefaults());

    // Reflection metadata is used only where the application allows it. A trimmed or Native AOT application
    // turns reflection off (JsonSerializerIsReflectionEnabledByDefault=false): there the default resolver knows no
    // type, every value is counted as serialize_failed and not stored, and the application passes its own
    // JsonSerializerContext instead (see the class summary and docs/sqlite.md).
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reflection is used only when the application enables it; AOT applications pass a JsonSerializerContext.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reflection is used only when the application enables it; AOT applications pass a JsonSerializerContext.")]
    private static JsonSerializerOptions ReflectionDefaults() => JsonSerializerOptions.Default;

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

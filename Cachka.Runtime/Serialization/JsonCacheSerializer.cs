using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Cachka.Internal;

namespace Cachka.Serialization;

/// <summary>
/// The default <see cref="ICacheSerializer"/>: System.Text.Json, UTF-8, configured for exact round trips (fields
/// included, NaN and ±Infinity as named literals; a value that would not read back is refused, see
/// <see cref="GetFidelity{T}"/>). <see cref="Default"/> needs no reflection for strings, primitives, the temporal types,
/// <see cref="Guid"/>, <see cref="decimal"/>, <c>byte[]</c> (their nullables, arrays and lists) and every type of the
/// application's own <see cref="JsonSerializerContext"/>s, which the generator registers; other types use reflection
/// where the application allows it (not in trimmed or Native AOT applications).
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

    /// <summary>
    /// Uses a copy of the given options with Cachka's per-value checks added (a lone surrogate in a string, a derived
    /// instance under a base type's contract, see <see cref="GetFidelity{T}"/>); your options object is not changed.
    /// </summary>
    public JsonCacheSerializer(JsonSerializerOptions options)
        : this(new Configured(FaithfulJsonOptions.AddGuards(new JsonSerializerOptions(options ?? throw new ArgumentNullException(nameof(options))))))
    {
    }

    /// <summary>
    /// Uses source-generated (or any other) metadata, for example a <see cref="JsonSerializerContext"/>, with the
    /// settings <see cref="Default"/> uses for exact round trips (fields included, named floating-point literals).
    /// </summary>
    public JsonCacheSerializer(IJsonTypeInfoResolver resolver)
        : this(new Configured(FaithfulJsonOptions.Configure(new JsonSerializerOptions { TypeInfoResolver = resolver ?? throw new ArgumentNullException(nameof(resolver)) })))
    {
    }

    private JsonCacheSerializer(Configured configured)
    {
        _options = configured.Options;
        _writerOptions = new JsonWriterOptions { Encoder = _options.Encoder, Indented = false, SkipValidation = true };
    }

    /// <summary>
    /// System.Text.Json with its metadata found without reflection where it can be (see the class summary and
    /// docs/sqlite.md, "Trimmed and Native AOT applications"), fields included (value tuples, public fields), NaN and
    /// ±Infinity as named literals, <see cref="System.Numerics.BigInteger"/> as a number.
    /// </summary>
    public static JsonCacheSerializer Default { get; } = new(new Configured(FaithfulJsonOptions.Configure(new JsonSerializerOptions { TypeInfoResolver = Serialization.JsonMetadata.Resolver })));

    /// <summary>
    /// Decides from System.Text.Json's metadata for <typeparamref name="T"/> (reflection or source-generated) whether
    /// its values round-trip exactly; see docs/sqlite.md for the rules. The layers ask once per type.
    /// </summary>
    public CacheFidelity GetFidelity<T>() => JsonFidelity.Inspect(_options, typeof(T));

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

    // Options already configured by FaithfulJsonOptions, the one place that tunes them.
    private readonly record struct Configured(JsonSerializerOptions Options);

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

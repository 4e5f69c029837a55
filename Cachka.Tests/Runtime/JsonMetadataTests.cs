using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Cachka.Serialization;

namespace Cachka.Tests.Runtime;

/// <summary>A result type only this project's context describes (the generator registers it).</summary>
public sealed record TestJsonRecord(int Id, string Name, DateTimeOffset At);

/// <summary>Compiled by System.Text.Json's generator and registered by Cachka's (see JsonContextRegistrationTests).</summary>
[JsonSerializable(typeof(TestJsonRecord))]
internal sealed partial class TestJsonContext : JsonSerializerContext;

/// <summary>
/// Where the default serializer finds metadata: built in, then registered contexts, then reflection only where the
/// application allows it. Trimmed and AOT applications turn reflection off; <see cref="JsonMetadata.WithoutReflection"/>
/// is the same chain as it resolves there.
/// </summary>
public sealed class JsonMetadataTests
{
    private static IEnumerable<Type> BuiltInTypes() =>
        typeof(JsonMetadataBuiltIns).GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(JsonSerializableAttribute))
            .Select(a => (Type)a.ConstructorArguments[0].Value!);

    private static readonly object[] s_values =
    [
        "text", "", true, 'x', (byte)7, (sbyte)-7, (short)-300, (ushort)300, -70000, 70000u, -5_000_000_000L, 5_000_000_000UL,
        Int128.MaxValue, UInt128.MaxValue, (Half)1.5, 1.25f, 2.5, 12.340m, Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc), new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)),
        new DateOnly(2024, 5, 6), new TimeOnly(7, 8, 9), TimeSpan.FromMinutes(90), new byte[] { 1, 2, 3 },
        new[] { "a", "b" }, new List<int> { 1, 2 }, new List<Guid> { Guid.Empty }, new[] { 1.5m, 2m },
    ];

    [Test]
    public void The_default_serializer_uses_the_metadata_chain()
    {
        // Built-in metadata first, then the registered contexts, reflection only for what neither describes.
        var options = (JsonSerializerOptions)typeof(JsonCacheSerializer).GetField("_options", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(JsonCacheSerializer.Default)!;

        Assert.Multiple(() =>
        {
            Assert.That(options.GetTypeInfo(typeof(string)).OriginatingResolver, Is.SameAs(JsonMetadataBuiltIns.Default));
            Assert.That(options.GetTypeInfo(typeof(TestJsonRecord)).OriginatingResolver, Is.SameAs(TestJsonContext.Default));
        });
    }

    [TestCaseSource(nameof(s_values))]
    public void Built_in_values_round_trip_without_reflection(object value)
    {
        var serializer = new JsonCacheSerializer(JsonMetadata.WithoutReflection);
        var roundTrip = typeof(JsonMetadataTests).GetMethod(nameof(RoundTrip), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(value.GetType());

        var back = roundTrip.Invoke(null, [serializer, value]);

        Assert.That(back, Is.EqualTo(value));
    }

    [Test]
    public void Every_built_in_type_has_metadata_without_reflection()
    {
        var options = new JsonSerializerOptions { TypeInfoResolver = JsonMetadata.WithoutReflection };

        Assert.Multiple(() =>
        {
            foreach (var type in BuiltInTypes())
                Assert.That(options.GetTypeInfo(type), Is.Not.Null, type.ToString());
        });
    }

    [Test]
    public void A_registered_context_serves_its_types_without_reflection()
    {
        var serializer = new JsonCacheSerializer(JsonMetadata.WithoutReflection);
        var value = new TestJsonRecord(3, "three", new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5)));

        Assert.That(RoundTrip(serializer, value), Is.EqualTo(value));
    }

    [Test]
    public void A_type_nothing_describes_has_no_metadata_without_reflection()
    {
        // What the run-time refusal (no_json_metadata) keys on: GetTypeInfo throws, the value is not stored.
        var options = new JsonSerializerOptions { TypeInfoResolver = JsonMetadata.WithoutReflection };

        Assert.Throws<NotSupportedException>(() => options.GetTypeInfo(typeof(Unregistered)));
    }

    [Test]
    public void Reflection_serves_other_types_where_the_application_allows_it()
    {
        Assume.That(JsonSerializer.IsReflectionEnabledByDefault, Is.True);

        Assert.That(RoundTrip(JsonCacheSerializer.Default, new Unregistered { Name = "n" }).Name, Is.EqualTo("n"));
    }

    [Test]
    public void Registering_the_same_context_twice_keeps_one_entry()
    {
        JsonMetadata.Register(TestJsonContext.Default);
        JsonMetadata.Register(TestJsonContext.Default);

        Assert.That(JsonMetadata.Registered.Count(r => ReferenceEquals(r, TestJsonContext.Default)), Is.EqualTo(1));
    }

    [Test]
    public void The_analyzer_and_the_runtime_agree_on_the_built_in_types()
    {
        // Every type the runtime builds in is one the analyzer treats as covered, and every type the analyzer treats as
        // covered (each scalar, its nullable, array and list; string and byte[] with their arrays and lists) is built in.
        var compilation = Generators.GeneratorHarness.Compile("class C { }");
        var runtimeTypes = BuiltInTypes().ToHashSet();
        var analyzerTypes = new List<Type> { typeof(string), typeof(string[]), typeof(List<string>), typeof(byte[]), typeof(List<byte[]>) };
        foreach (var name in Cachka.Analyzers.JsonMetadataTypes.BuiltInScalars)
        {
            var scalar = Type.GetType(name, throwOnError: true)!;
            analyzerTypes.AddRange([scalar, typeof(Nullable<>).MakeGenericType(scalar), scalar.MakeArrayType(), typeof(List<>).MakeGenericType(scalar)]);
        }

        Assert.Multiple(() =>
        {
            Assert.That(runtimeTypes, Is.EquivalentTo(analyzerTypes.Distinct()));
            foreach (var type in runtimeTypes)
                Assert.That(Cachka.Analyzers.JsonMetadataTypes.IsBuiltIn(Symbol(compilation, type)), Is.True, type.ToString());
            Assert.That(Cachka.Analyzers.JsonMetadataTypes.IsBuiltIn(compilation.GetTypeByMetadataName("C")!), Is.False);
            Assert.That(Cachka.Analyzers.JsonMetadataTypes.IsBuiltIn(Symbol(compilation, typeof(List<DayOfWeek>))), Is.False);
        });
    }

    private static Microsoft.CodeAnalysis.ITypeSymbol Symbol(Microsoft.CodeAnalysis.Compilation compilation, Type type)
    {
        if (type.IsArray)
            return compilation.CreateArrayTypeSymbol(Symbol(compilation, type.GetElementType()!));
        if (type.IsGenericType)
        {
            var definition = compilation.GetTypeByMetadataName(type.GetGenericTypeDefinition().FullName!)!;
            return definition.Construct([.. type.GetGenericArguments().Select(t => Symbol(compilation, t))]);
        }

        return compilation.GetTypeByMetadataName(type.FullName!) ?? throw new InvalidOperationException("no symbol for " + type);
    }

    private static T RoundTrip<T>(JsonCacheSerializer serializer, T value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        serializer.Serialize(value, buffer);
        return serializer.Deserialize<T>(buffer.WrittenSpan);
    }

    public sealed class Unregistered
    {
        public string Name { get; set; } = "";
    }
}

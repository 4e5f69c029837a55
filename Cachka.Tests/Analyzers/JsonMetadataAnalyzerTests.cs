using Cachka.Analyzers;
using Cachka.Analyzers.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace Cachka.Tests.Analyzers;

/// <summary>
/// CACHKA017/CACHKA018: in a trimmed or Native AOT project, a [Cached] result must have JSON metadata that needs no
/// reflection (built into the runtime, or a JsonSerializerContext of the project that the generator registers).
/// </summary>
public sealed class JsonMetadataAnalyzerTests
{
    private const string Aot = "build_property.PublishAot = true";

    private const string Service = """
        public sealed record Forecast(string City, int TemperatureC);

        public static partial class Weather
        {
            [Cached] public static partial {|#0:Forecast|} Get(string city);
            private static Forecast GetCore(string city) => new(city, 9);
        }
        """;

    private const string UsingJson = "using System.Text.Json.Serialization;\n";

    // A stand-in for what System.Text.Json's generator emits (it does not run in these tests).
    private static string Context(string declaration, params string[] types) =>
        string.Concat(types.Select(t => "[JsonSerializable(typeof(" + t + "))]\n")) + declaration + """

        {
            public static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo? Unused = null;
        }
        """;

    private static Task VerifyAsync(string source, string? buildProperty, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<JsonMetadataAnalyzer, DefaultVerifier>
        {
            TestCode = AnalyzerTest.Usings + UsingJson + source,
            ReferenceAssemblies = AnalyzerTest.Net10,
        };
        test.TestState.AdditionalReferences.Add(Microsoft.CodeAnalysis.MetadataReference.CreateFromFile(typeof(CachedAttribute).Assembly.Location));
        if (buildProperty is not null)
            test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + buildProperty + "\n"));
        test.CompilerDiagnostics = Microsoft.CodeAnalysis.Testing.CompilerDiagnostics.None;
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    private static DiagnosticResult Cachka017(string type) =>
        new DiagnosticResult(DiagnosticDescriptors.ResultWithoutJsonMetadata).WithLocation(0).WithArguments("Get", type);

    [TestCase("build_property.PublishAot = true")]
    [TestCase("build_property.PublishTrimmed = true")]
    [TestCase("build_property.IsAotCompatible = true")]
    [TestCase("build_property.JsonSerializerIsReflectionEnabledByDefault = false")]
    public Task A_result_no_context_describes_is_reported_in_a_trimmed_or_AOT_project(string property) =>
        VerifyAsync(Service, property, Cachka017("Forecast"));

    [TestCase(null)]
    [TestCase("build_property.PublishAot = false")]
    [TestCase("build_property.JsonSerializerIsReflectionEnabledByDefault = true")]
    public Task Projects_with_reflection_are_not_reported(string? property) =>
        VerifyAsync(Service, property);

    [Test]
    public Task A_result_a_context_describes_is_not_reported() =>
        VerifyAsync(Service + Context("internal partial class AppJsonContext : JsonSerializerContext", "Forecast"), Aot);

    [Test]
    public Task A_result_reached_through_a_described_type_is_not_reported() =>
        VerifyAsync(Service + "public sealed record Report(List<Forecast> Days);\n" + Context("internal partial class AppJsonContext : JsonSerializerContext", "Report"), Aot);

    [Test]
    public Task A_context_for_other_types_does_not_count() =>
        VerifyAsync(Service + Context("internal partial class AppJsonContext : JsonSerializerContext", "int", "DayOfWeek"), Aot, Cachka017("Forecast"));

    [Test]
    public Task A_result_reached_as_an_element_type_is_not_reported() =>
        VerifyAsync(Service + Context("internal partial class AppJsonContext : JsonSerializerContext", "List<Forecast>"), Aot);

    [TestCase("string")]
    [TestCase("Task<int?>")]
    [TestCase("ValueTask<DateTimeOffset>")]
    [TestCase("byte[]")]
    [TestCase("List<Guid>")]
    [TestCase("decimal[]")]
    public Task Built_in_results_are_not_reported(string returnType) =>
        VerifyAsync($$"""
            public static partial class Values
            {
                [Cached] public static partial {{returnType}} Get(string key);
                private static {{returnType}} GetCore(string key) => default!;
            }
            """, Aot);

    [Test]
    public Task An_async_result_is_checked_for_its_value_type() =>
        VerifyAsync("""
            public enum Level { Low, High }
            public static partial class Values
            {
                [Cached] public static partial {|#0:Task<Level>|} Get(string key);
                private static Task<Level> GetCore(string key) => Task.FromResult(Level.Low);
            }
            """, Aot, Cachka017("Level"));

    [Test]
    public Task A_result_described_only_by_a_private_context_is_CACHKA018() =>
        VerifyAsync(Service + "public partial class Holder\n{\n" + Context("private partial class HiddenJsonContext : JsonSerializerContext", "Forecast") + "}\n", Aot,
            new DiagnosticResult(DiagnosticDescriptors.ResultInUnregistrableJsonContext).WithLocation(0).WithArguments("Get", "Forecast", "Holder.HiddenJsonContext", "'HiddenJsonContext' is private"));

    [Test]
    public Task Results_the_serializer_cannot_handle_at_all_are_left_to_CACHKA008() =>
        VerifyAsync("""
            public static partial class Values
            {
                [Cached] public static partial object Get(string key);
                private static object GetCore(string key) => 1;
            }
            """, Aot);

    [Test]
    public Task The_fix_adds_the_result_to_the_project_s_context()
    {
        var test = FixTest(
            Service + """
            [JsonSerializable(typeof(int))]
            internal partial class AppJsonContext : JsonSerializerContext
            {
            }
            """,
            Service.Replace("{|#0:Forecast|}", "Forecast", StringComparison.Ordinal) + """
            [JsonSerializable(typeof(int))]
            [JsonSerializable(typeof(Forecast))]
            internal partial class AppJsonContext : JsonSerializerContext
            {
            }
            """);
        test.ExpectedDiagnostics.Add(Cachka017("Forecast"));
        return test.RunAsync();
    }

    [Test]
    public Task The_fix_creates_a_context_when_the_project_has_none()
    {
        const string source = """
            namespace Shop
            {
                public sealed record Forecast(string City, int TemperatureC);

                public static partial class Weather
                {
                    [Cached] public static partial {|#0:Forecast|} Get(string city);
                    private static Forecast GetCore(string city) => new(city, 9);
                }
            }
            """;
        var test = FixTest(source, source.Replace("{|#0:Forecast|}", "Forecast", StringComparison.Ordinal));
        test.FixedState.Sources.Add(("CachedJsonContext.cs", """
            using System.Text.Json.Serialization;

            namespace Shop;

            /// <summary>JSON metadata for the values Cachka stores in SQLite and Redis without reflection (trimmed and Native AOT builds).</summary>
            [JsonSerializable(typeof(Forecast))]
            internal sealed partial class CachedJsonContext : JsonSerializerContext
            {
            }

            """));
        test.ExpectedDiagnostics.Add(Cachka017("Forecast"));
        return test.RunAsync();
    }

    private static CSharpCodeFixTest<JsonMetadataAnalyzer, AddJsonSerializableCodeFixProvider, DefaultVerifier> FixTest(string source, string fixedSource)
    {
        var test = new CSharpCodeFixTest<JsonMetadataAnalyzer, AddJsonSerializableCodeFixProvider, DefaultVerifier>
        {
            TestCode = AnalyzerTest.Usings + UsingJson + source,
            FixedCode = AnalyzerTest.Usings + UsingJson + fixedSource,
            ReferenceAssemblies = AnalyzerTest.Net10,
            CompilerDiagnostics = Microsoft.CodeAnalysis.Testing.CompilerDiagnostics.None,
        };
        test.TestState.AdditionalReferences.Add(Microsoft.CodeAnalysis.MetadataReference.CreateFromFile(typeof(CachedAttribute).Assembly.Location));
        test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + Aot + "\n"));
        test.FixedState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + Aot + "\n"));
        return test;
    }
}

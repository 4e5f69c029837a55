using Cachka.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cachka.Tests.Generators;

/// <summary>
/// The generator registers a compilation's JsonSerializerContexts with the runtime from a module initializer, so
/// trimmed and Native AOT applications serialize their types without reflection. The harness runs Cachka's generator
/// only, so each context here writes the <c>Default</c> that System.Text.Json's generator would emit.
/// </summary>
public sealed class JsonContextRegistrationTests
{
    private const string Contexts = """
        using System;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Text.Json.Serialization.Metadata;
        namespace Shop;

        public sealed record Order(int Id, string Item);

        [JsonSerializable(typeof(Order))]
        internal partial class ShopJsonContext : JsonSerializerContext
        {
            public ShopJsonContext() : base(null) { }
            public static ShopJsonContext Default { get; } = new();
            protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override JsonTypeInfo? GetTypeInfo(Type type) => null;
        }

        public partial class Outer
        {
            [JsonSerializable(typeof(int))]
            [JsonSerializable(typeof(Order[]))]
            public partial class NestedJsonContext : JsonSerializerContext
            {
                public NestedJsonContext() : base(null) { }
                public static NestedJsonContext Default { get; } = new();
                protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override JsonTypeInfo? GetTypeInfo(Type type) => null;
            }

            // A module initializer cannot name a private context: not registered (CACHKA018 when a [Cached] result needs it).
            [JsonSerializable(typeof(Order))]
            private partial class HiddenJsonContext : JsonSerializerContext
            {
                public HiddenJsonContext() : base(null) { }
                public static HiddenJsonContext Default { get; } = new();
                protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override JsonTypeInfo? GetTypeInfo(Type type) => null;
            }
        }

        // [JsonSerializable] on a class that is not a context: ignored.
        [JsonSerializable(typeof(Order))]
        internal sealed class NotAContext { }
        """;

    [Test]
    public void Registers_every_context_a_module_initializer_can_name()
    {
        var result = GeneratorHarness.Run(Contexts);

        Assert.That(result.Diagnostics, Is.Empty, result.DiagnosticsText + "\n\n" + result.AllText);
        Snapshot.Match(result.AllText, "Json_context_registration");
        var registration = result.Files.Single(f => f.HintName == "Cachka.JsonContextRegistration.g.cs").Text;
        Assert.That(registration, Does.Contain("RegisterJsonContext(global::Shop.ShopJsonContext.Default);"));
        Assert.That(registration, Does.Contain("RegisterJsonContext(global::Shop.Outer.NestedJsonContext.Default);"));
        Assert.That(registration, Does.Not.Contain("HiddenJsonContext").And.Not.Contain("NotAContext"));
    }

    [Test]
    public void The_names_the_generator_emits_match_the_runtime()
    {
        Assert.That(typeof(Cachka.Generated.GeneratedCache).FullName, Is.EqualTo(KnownNames.GeneratedCache));
        Assert.That(typeof(Cachka.Generated.GeneratedCache).GetMethod(nameof(Cachka.Generated.GeneratedCache.RegisterJsonContext)), Is.Not.Null);
        Assert.That(typeof(System.Text.Json.Serialization.JsonSerializableAttribute).FullName, Is.EqualTo(KnownNames.JsonSerializableAttribute));
        Assert.That(typeof(System.Text.Json.Serialization.JsonSerializerContext).Namespace, Is.EqualTo(KnownNames.JsonSerializationNamespace));
    }

    [Test]
    public void A_compilation_without_contexts_gets_no_registration() =>
        Assert.That(GeneratorHarness.Run("namespace Shop; public sealed record Order(int Id);").Files, Is.Empty);

    [Test]
    public void A_compilation_that_does_not_reference_the_runtime_gets_no_registration()
    {
        var compilation = GeneratorHarness.Compile(Contexts);
        var withoutRuntime = compilation.RemoveReferences(compilation.References.Where(r => r.Display?.EndsWith("Cachka.Runtime.dll", StringComparison.Ordinal) == true));

        var run = GeneratorHarness.Driver().RunGenerators(withoutRuntime).GetRunResult();

        Assert.That(run.Results[0].GeneratedSources, Is.Empty);
    }

    [Test]
    public void The_registered_contexts_reach_the_runtime_when_the_assembly_loads()
    {
        // This test project is compiled with Cachka's generator and System.Text.Json's: its own context is registered.
        Assert.That(Cachka.Serialization.JsonMetadata.Registered, Has.Member(Runtime.TestJsonContext.Default));
    }

    [Test]
    public void An_unrelated_edit_reuses_the_registration_steps()
    {
        var compilation = GeneratorHarness.Compile(Contexts, "namespace Shop; public sealed class Clock { public int Hour => 3; }");
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var unrelated = compilation.SyntaxTrees.Single(t => t.FilePath == "Input1.cs");
        var edited = compilation.ReplaceSyntaxTree(unrelated, CSharpSyntaxTree.ParseText("namespace Shop; public sealed class Clock { public int Hour => 4; }", GeneratorHarness.ParseOptions, "Input1.cs"));

        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        foreach (var step in new[] { TrackingNames.JsonContexts, TrackingNames.JsonRegistrationEntryPoint })
        {
            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.That(reasons, Is.Not.Empty, step);
            Assert.That(reasons, Is.All.Matches<IncrementalStepRunReason>(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged), step);
        }
    }

    [Test]
    public void Adding_a_context_regenerates_the_registration()
    {
        var compilation = GeneratorHarness.Compile(Contexts, "namespace Shop;");
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var second = compilation.SyntaxTrees.Single(t => t.FilePath == "Input1.cs");
        var edited = compilation.ReplaceSyntaxTree(second, CSharpSyntaxTree.ParseText("""
            namespace Shop;
            [System.Text.Json.Serialization.JsonSerializable(typeof(long))]
            public partial class ExtraJsonContext : System.Text.Json.Serialization.JsonSerializerContext
            {
                public ExtraJsonContext() : base(null) { }
                public static ExtraJsonContext Default { get; } = new();
                protected override System.Text.Json.JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(System.Type type) => null;
            }
            """, GeneratorHarness.ParseOptions, "Input1.cs"));

        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        Assert.That(result.GeneratedSources.Single().SourceText.ToString(), Does.Contain("RegisterJsonContext(global::Shop.ExtraJsonContext.Default);"));
    }
}

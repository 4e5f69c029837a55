using System.Collections;
using System.Reflection;
using Cachka.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cachka.Tests.Generators;

/// <summary>The pipeline caches: unchanged or unrelated edits reuse every step, relevant edits regenerate, and no step keeps Roslyn objects.</summary>
public sealed class GeneratorIncrementalityTests
{
    private const string Service = """
        using System.Threading.Tasks;
        using Cachka;
        namespace Shop;

        public partial class Users
        {
            [CacheKey] public string Tenant { get; set; } = "t";

            [Cached(Ttl = 60, Tags = ["user:{id}"])]
            public partial Task<string> NameAsync(int id);
            private Task<string> NameAsyncCore(int id) => Task.FromResult("u" + id);

            // Invalidating methods (the ParseInvalidates* and InvalidationSpecs steps).
            [InvalidatesCached(nameof(NameAsync))]
            [InvalidatesTag("user:{id}")]
            public partial Task RenameAsync(int id);
            private Task RenameAsyncCore(int id) => Task.CompletedTask;

            [InvalidatesTag("scores:{Tenant}")]
            public partial void Reset();
            private void ResetCore() { }

            [Cached(Ttl = 60)]
            public partial int Score(string name, int[] weights);
            private int ScoreCore(string name, int[] weights) => name.Length;

            // No body: gets a throwing stub (the Stubs step).
            [Cached(Ttl = 60)]
            public partial long Missing(int id);
        }
        """;

    private const string Unrelated = """
        namespace Shop;

        public sealed class Clock
        {
            public int Hour => 3;
        }
        """;

    // A method keyed by a type declared elsewhere (another file, another project).
    private const string PricesByMoney = """
        using Cachka;
        namespace Shop;

        public static partial class Prices
        {
            [Cached] public static partial int Price(Money money);
            private static int PriceCore(Money money) => 1;
        }
        """;

    private static readonly string[] s_steps =
    [
        TrackingNames.Parse, TrackingNames.Specs, TrackingNames.Files, TrackingNames.Stubs,
        TrackingNames.ParseInvalidatesCached, TrackingNames.ParseInvalidatesTag, TrackingNames.InvalidationSpecs,
    ];

    [Test]
    public void A_second_run_on_an_unchanged_compilation_is_all_cached()
    {
        var compilation = GeneratorHarness.Compile(Service, Unrelated);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);

        var second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results[0];

        AssertAllReused(second);
    }

    [Test]
    public void An_unrelated_edit_reuses_every_step()
    {
        var compilation = GeneratorHarness.Compile(Service, Unrelated);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var unrelated = compilation.SyntaxTrees.Single(t => t.FilePath == "Input1.cs");
        var edited = compilation.ReplaceSyntaxTree(unrelated, CSharpSyntaxTree.ParseText(Unrelated.Replace("3", "4", StringComparison.Ordinal), GeneratorHarness.ParseOptions, "Input1.cs"));

        var second = driver.RunGenerators(edited).GetRunResult().Results[0];

        AssertAllReused(second);
    }

    [Test]
    public void Editing_a_cached_method_regenerates_it()
    {
        var compilation = GeneratorHarness.Compile(Service);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0], CSharpSyntaxTree.ParseText(Service.Replace("Ttl = 60)]\n    public partial int", "Ttl = 90)]\n    public partial int", StringComparison.Ordinal), GeneratorHarness.ParseOptions, "Input0.cs"));

        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        var reasons = result.TrackedSteps[TrackingNames.Specs].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.That(reasons, Has.Member(IncrementalStepRunReason.Modified));
        Assert.That(result.GeneratedSources.Single(s => s.HintName == "Shop.Users.cached.g.cs").SourceText.ToString(), Does.Contain("FromSeconds(90)"));
    }

    [Test]
    public void Editing_a_cached_method_regenerates_its_types_file_only()
    {
        const string orders = """
            using Cachka;
            namespace Shop;

            public static partial class Orders
            {
                [Cached(Ttl = 30)]
                public static partial int Count(int customer);
                private static int CountCore(int customer) => customer;
            }
            """;
        var compilation = GeneratorHarness.Compile(Service, orders);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0], CSharpSyntaxTree.ParseText(Service.Replace("Ttl = 60)]\n    public partial int", "Ttl = 90)]\n    public partial int", StringComparison.Ordinal), GeneratorHarness.ParseOptions, "Input0.cs"));

        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        var files = result.TrackedSteps[TrackingNames.Files].SelectMany(s => s.Outputs).ToList();
        Assert.That(files.Select(o => (((Cachka.Generators.Model.CachedFileSpec)o.Value).HintName, o.Reason)), Is.EquivalentTo(new[]
        {
            ("Shop.Users.cached.g.cs", IncrementalStepRunReason.Modified),
            ("Shop.Orders.cached.g.cs", IncrementalStepRunReason.Unchanged),
        }));
    }

    [Test]
    public void Renaming_the_key_parameter_of_a_target_drops_its_invalidation_for_a_stub()
    {
        var compilation = GeneratorHarness.Compile(Service);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0], CSharpSyntaxTree.ParseText(
            Service.Replace("NameAsync(int id);", "NameAsync(int userId);", StringComparison.Ordinal).Replace("NameAsyncCore(int id) => Task.FromResult(\"u\" + id)", "NameAsyncCore(int userId) => Task.FromResult(\"u\")", StringComparison.Ordinal)
                .Replace("\"user:{id}\"]", "\"user:{userId}\"]", StringComparison.Ordinal),
            GeneratorHarness.ParseOptions, "Input0.cs"));

        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        var hints = result.GeneratedSources.Select(s => s.HintName).ToList();
        Assert.That(hints, Has.Member("Shop.Users.RenameAsync.invalidates.stub.g.cs"), "CACHKA023 now; the build reaches it");
        Assert.That(hints, Has.No.Member("Shop.Users.RenameAsync.invalidates.g.cs"));
        Assert.That(hints, Has.Member("Shop.Users.Reset.invalidates.g.cs"));
    }

    [Test]
    public void Changing_a_key_type_in_another_file_regenerates_the_method()
    {
        const string plain = "namespace Shop;\npublic sealed class Money { public decimal Amount { get; set; } }\n";
        const string formattable = "namespace Shop;\npublic sealed class Money : Cachka.ICacheKeyFormattable { public decimal Amount { get; set; } public string FormatCacheKey() => \"m\"; }\n";
        var compilation = GeneratorHarness.Compile(PricesByMoney, plain);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var moneyTree = compilation.SyntaxTrees.Single(t => t.FilePath == "Input1.cs");

        var edited = compilation.ReplaceSyntaxTree(moneyTree, CSharpSyntaxTree.ParseText(formattable, GeneratorHarness.ParseOptions, "Input1.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results[0];

        Assert.That(result.TrackedSteps[TrackingNames.Specs].SelectMany(s => s.Outputs).Select(o => o.Reason), Has.Member(IncrementalStepRunReason.Modified));
        Assert.That(result.GeneratedSources.Single().SourceText.ToString(), Does.Contain("__b.AppendFormattable(__value);"));
    }

    // The parser keeps what it reads from a type per symbol object (once per run): a new compilation's type is a new
    // object, so a key member added in another part of the type is seen by the next run.
    [Test]
    public void Adding_a_key_member_in_another_part_of_the_type_regenerates_the_method()
    {
        const string service = """
            using Cachka;
            namespace Shop;

            public partial class Catalog
            {
                [Cached] public partial int Price(int id);
                private int PriceCore(int id) => id;
            }
            """;
        const string before = "namespace Shop;\npublic partial class Catalog { [Cachka.CacheKey] public string Region { get; } = \"eu\"; }\n";
        const string after = "namespace Shop;\npublic partial class Catalog { [Cachka.CacheKey] public string Region { get; } = \"eu\"; [Cachka.CacheKey] public int Shelf { get; } }\n";
        var compilation = GeneratorHarness.Compile(service, before);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results[0].GeneratedSources.Single().SourceText.ToString();
        var part = compilation.SyntaxTrees.Single(t => t.FilePath == "Input1.cs");

        var edited = compilation.ReplaceSyntaxTree(part, CSharpSyntaxTree.ParseText(after, GeneratorHarness.ParseOptions, "Input1.cs"));
        var second = driver.RunGenerators(edited).GetRunResult().Results[0].GeneratedSources.Single().SourceText.ToString();

        Assert.Multiple(() =>
        {
            Assert.That(first, Does.Contain("Region").And.Not.Contain("Shelf"));
            Assert.That(second, Does.Contain("Region").And.Contain("Shelf"));
        });
    }

    // The parser's results are kept per method while the compilation declares the same (Declarations): an edit inside a
    // body elsewhere gets the same objects back without parsing, and each test below edits another file in a way that
    // changes what a method's spec reads, which must parse it again.
    [Test]
    public void A_body_edit_in_another_file_returns_each_parsed_method_as_it_was()
    {
        var compilation = GeneratorHarness.Compile(Service, Unrelated);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = ParsedValues(driver.GetRunResult().Results[0]);
        var unrelated = compilation.SyntaxTrees.Single(t => t.FilePath == "Input1.cs");
        var edited = compilation.ReplaceSyntaxTree(unrelated, CSharpSyntaxTree.ParseText(Unrelated.Replace("3", "4", StringComparison.Ordinal), GeneratorHarness.ParseOptions, "Input1.cs"));

        var second = ParsedValues(driver.RunGenerators(edited).GetRunResult().Results[0]);

        Assert.That(second, Has.Count.EqualTo(first.Count).And.Count.GreaterThan(0));
        for (var i = 0; i < first.Count; i++)
            Assert.That(second[i], Is.SameAs(first[i]), "parsed output " + i);
    }

    [Test]
    public void A_body_edit_in_another_file_that_captures_a_primary_constructor_parameter_of_a_key_type_regenerates_the_method()
    {
        const string before = "namespace Shop;\npublic sealed class Money(decimal amount) { public decimal Amount { get; } = amount; public decimal Twice() => Amount * 2; }\n";
        var after = before.Replace("=> Amount * 2", "=> amount * 2", StringComparison.Ordinal);

        var (first, second) = RunEditing(PricesByMoney, before, after);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(Fresh(PricesByMoney, before)));
            Assert.That(second, Is.Not.EqualTo(first), "the captured parameter is state the key cannot see: the method is no longer cached by Money");
            Assert.That(second, Is.EqualTo(Fresh(PricesByMoney, after)));
        });
    }

    [Test]
    public void A_constant_changed_in_another_file_regenerates_the_method()
    {
        const string service = """
            using Cachka;
            namespace Shop;

            public static partial class Prices
            {
                [Cached(Ttl = Settings.Ttl)] public static partial int Price(int id);
                private static int PriceCore(int id) => 1;
            }
            """;
        const string before = "namespace Shop;\npublic static class Settings { public const int Ttl = 60; }\n";

        var (first, second) = RunEditing(service, before, before.Replace("60", "90", StringComparison.Ordinal));

        Assert.Multiple(() =>
        {
            Assert.That(first, Does.Contain("FromSeconds(60)"));
            Assert.That(second, Does.Contain("FromSeconds(90)"));
        });
    }

    [Test]
    public void Changing_the_compilation_options_regenerates_the_methods()
    {
        var compilation = GeneratorHarness.Compile(Service);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results[0].GeneratedSources.Single(s => s.HintName == "Shop.Users.cached.g.cs").SourceText.ToString();

        var oblivious = compilation.WithOptions(compilation.Options.WithNullableContextOptions(NullableContextOptions.Disable));
        var second = driver.RunGenerators(oblivious).GetRunResult().Results[0].GeneratedSources.Single(s => s.HintName == "Shop.Users.cached.g.cs").SourceText.ToString();

        Assert.That(second, Is.Not.EqualTo(first));
        Assert.That(second, Is.EqualTo(GeneratorHarness.Driver().RunGenerators(oblivious).GetRunResult().Results[0].GeneratedSources.Single(s => s.HintName == "Shop.Users.cached.g.cs").SourceText.ToString()));
    }

    [Test]
    public void A_key_type_changed_in_a_referenced_project_regenerates_the_method()
    {
        const string plain = "namespace Shop;\npublic sealed class Money { public decimal Amount { get; set; } }\n";
        const string formattable = "namespace Shop;\npublic sealed class Money : Cachka.ICacheKeyFormattable { public decimal Amount { get; set; } public string FormatCacheKey() => \"m\"; }\n";
        var library = CSharpCompilation.Create("Shop.Money", [CSharpSyntaxTree.ParseText(plain, GeneratorHarness.ParseOptions, "Money.cs")], GeneratorHarness.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var compilation = GeneratorHarness.Compile(PricesByMoney).AddReferences(library.ToMetadataReference());
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results[0].GeneratedSources.Single().SourceText.ToString();

        var changed = library.ReplaceSyntaxTree(library.SyntaxTrees[0], CSharpSyntaxTree.ParseText(formattable, GeneratorHarness.ParseOptions, "Money.cs"));
        var edited = compilation.ReplaceReference(compilation.References.Last(), changed.ToMetadataReference());
        var second = driver.RunGenerators(edited).GetRunResult().Results[0].GeneratedSources.Single().SourceText.ToString();

        Assert.That(second, Is.Not.EqualTo(first));
    }

    [Test]
    public void Retargeting_a_global_alias_in_another_file_regenerates_what_it_names()
    {
        // The [Cached] pipeline's predicate cannot resolve an alias: the transform's binding does, once per declarations.
        const string service = "namespace Shop;\npublic static partial class Prices\n{\n    [Memo] public static partial int Price(int id);\n    private static int PriceCore(int id) => 1;\n}\n";
        const string elsewhere = "global using Memo = System.ObsoleteAttribute;\n";
        var compilation = GeneratorHarness.Compile(service, elsewhere);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var part = compilation.SyntaxTrees.Single(t => t.FilePath == "Input1.cs");
        var cached = compilation.ReplaceSyntaxTree(part, CSharpSyntaxTree.ParseText("global using Memo = Cachka.CachedAttribute;\n", GeneratorHarness.ParseOptions, "Input1.cs"));
        driver = driver.RunGenerators(cached);
        var named = driver.GetRunResult().Results[0].GeneratedSources;
        var back = driver.RunGenerators(compilation).GetRunResult().Results[0].GeneratedSources;

        Assert.Multiple(() =>
        {
            Assert.That(named.Select(s => s.HintName), Is.EqualTo(new[] { "Shop.Prices.cached.g.cs" }));
            Assert.That(back, Is.Empty);
        });
    }

    // The generated file of a run on (service, before), then of the same driver's run after the second file becomes after.
    private static (string First, string Second) RunEditing(string service, string before, string after)
    {
        var compilation = GeneratorHarness.Compile(service, before);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results[0].GeneratedSources.Single().SourceText.ToString();
        var part = compilation.SyntaxTrees.Single(t => t.FilePath == "Input1.cs");
        var edited = compilation.ReplaceSyntaxTree(part, CSharpSyntaxTree.ParseText(after, GeneratorHarness.ParseOptions, "Input1.cs"));
        return (first, driver.RunGenerators(edited).GetRunResult().Results[0].GeneratedSources.Single().SourceText.ToString());
    }

    // The single generated file of a first run on sources.
    private static string Fresh(params string[] sources) =>
        GeneratorHarness.Driver().RunGenerators(GeneratorHarness.Compile(sources)).GetRunResult().Results[0].GeneratedSources.Single().SourceText.ToString();

    private static List<object> ParsedValues(GeneratorRunResult result) =>
        [.. new[] { TrackingNames.Parse, TrackingNames.ParseInvalidatesCached, TrackingNames.ParseInvalidatesTag }
            .SelectMany(step => result.TrackedSteps[step]).SelectMany(run => run.Outputs).Select(o => o.Value)];

    [Test]
    public void Pipeline_outputs_hold_no_symbols_syntax_or_compilations()
    {
        var result = GeneratorHarness.Driver().RunGenerators(GeneratorHarness.Compile(Service)).GetRunResult().Results[0];

        var outputs = s_steps.SelectMany(step => result.TrackedSteps[step]).SelectMany(run => run.Outputs).Select(o => o.Value).ToList();

        Assert.That(outputs, Is.Not.Empty);
        foreach (var output in outputs)
            AssertNoRoslynObjects(output, new HashSet<object>(ReferenceEqualityComparer.Instance), "output");
    }

    private static void AssertAllReused(GeneratorRunResult result)
    {
        foreach (var step in s_steps)
        {
            Assert.That(result.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.That(reasons, Is.Not.Empty, step);
            Assert.That(reasons, Is.All.Matches<IncrementalStepRunReason>(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged), step);
        }
    }

    private static void AssertNoRoslynObjects(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
            return;
        Assert.That(value, Is.Not.InstanceOf<ISymbol>().And.Not.InstanceOf<SyntaxNode>().And.Not.InstanceOf<Compilation>()
            .And.Not.InstanceOf<SemanticModel>().And.Not.InstanceOf<Location>().And.Not.InstanceOf<SyntaxTree>(), path);
        if (value is IEnumerable sequence)
        {
            var i = 0;
            foreach (var item in sequence)
                AssertNoRoslynObjects(item, seen, path + "[" + i++ + "]");
        }

        for (var type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                AssertNoRoslynObjects(field.GetValue(value), seen, path + "." + field.Name);
        }
    }
}

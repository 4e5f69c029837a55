namespace Cachka.Tests.Generators;

/// <summary>
/// What the analyzers report as errors gets no cached code (the generator never reports diagnostics itself):
/// a partial definition that needs an implementation gets a throwing stub, so the build reaches the analyzers;
/// anything else gets nothing.
/// </summary>
public sealed class GeneratorSkipTests
{
    private const string Header = "using Cachka;\nnamespace N;\npublic partial class S\n{\n    [Cached(SimplifiedSelfSerialization = true)]\n    ";

    [TestCase("public int Get(int id) => GetCore(id);", TestName = "Not a partial method")]
    [TestCase("partial void Get(int id); private void GetCore(int id) { }", TestName = "Void return without accessibility")]
    [TestCase("partial void Get(out int id); private void GetCore(out int id) { id = 0; }", TestName = "Out parameter without accessibility (already an error on the declaration)")]
    [TestCase("public unsafe partial int Get(int* id); private unsafe int GetCore(int* id) => 0;", TestName = "Pointer parameter")]
    [TestCase("public unsafe partial int Get(delegate*<int, void> f); private unsafe int GetCore(delegate*<int, void> f) => 0;", TestName = "Function pointer parameter")]
    [TestCase("public partial T Get<T>(int id) where T : class; private T GetCore<T>(int id) where T : class => default!;", TestName = "Constrained generic method")]
    public void Nothing_is_generated_for(string members)
    {
        var result = GeneratorHarness.Run(Header + members + "\n}\n");

        Assert.That(result.Files, Is.Empty, result.AllText);
    }

    [TestCase("public partial int Get(int id);", TestName = "No body")]
    [TestCase("public partial int Get(int id); private string GetCore(int id) => \"\";", TestName = "Body returns another type")]
    [TestCase("public partial int Get(int id); private int GetCore(long id) => 0;", TestName = "Body takes other parameter types")]
    [TestCase("public partial void Get(int id); private void GetCore(int id) { }", TestName = "Void return")]
    [TestCase("public partial System.Threading.Tasks.Task Get(int id); private System.Threading.Tasks.Task GetCore(int id) => System.Threading.Tasks.Task.CompletedTask;", TestName = "Non-generic Task")]
    [TestCase("public partial System.Threading.Tasks.ValueTask Get(int id); private System.Threading.Tasks.ValueTask GetCore(int id) => default;", TestName = "Non-generic ValueTask")]
    [TestCase("public partial System.Collections.Generic.IAsyncEnumerable<int> Get(int id); private System.Collections.Generic.IAsyncEnumerable<int> GetCore(int id) => null!;", TestName = "IAsyncEnumerable")]
    [TestCase("public partial ref int Get(int id); private ref int GetCore(int id) => throw null!;", TestName = "Ref return")]
    [TestCase("public partial ref readonly int Get(int id); private ref readonly int GetCore(int id) => throw null!;", TestName = "Ref readonly return")]
    [TestCase("public partial int Get(ref int id); private int GetCore(ref int id) => id;", TestName = "Ref parameter")]
    [TestCase("public partial int Get(out int id); private int GetCore(out int id) { id = 0; return 0; }", TestName = "Out parameter")]
    [TestCase("public partial int Get(in int id); private int GetCore(in int id) => id;", TestName = "In parameter")]
    [TestCase("public partial int Get(ref readonly int id); private int GetCore(ref readonly int id) => id;", TestName = "Ref readonly parameter")]
    [TestCase("public partial T Get<T>(int id); private T GetCore<T>(int id) => default!;", TestName = "Generic method")]
    [TestCase("public partial int Get(System.Span<int> ids); private int GetCore(System.Span<int> ids) => 0;", TestName = "Ref struct parameter")]
    [TestCase("public partial int Get(scoped System.ReadOnlySpan<int> ids, params int[] more); private int GetCore(System.ReadOnlySpan<int> ids, int[] more) => 0;", TestName = "Scoped and params parameters")]
    [TestCase("public partial (int Id, string? Name) Get(int @class, string? name = null);", TestName = "Tuple names, nullable, keyword name and a default value")]
    public void A_throwing_stub_is_generated_for(string members)
    {
        var result = GeneratorHarness.Run(Header + members + "\n}\n");

        AssertStub(result);
    }

    [Test]
    public void A_stub_matches_an_extension_method_in_a_static_class()
    {
        var result = GeneratorHarness.Run("using Cachka;\nnamespace N;\npublic static partial class S\n{\n    [Cached] public static partial int Get(this string? text, int id);\n}\n");

        AssertStub(result);
        Assert.That(result.Files[0].Text, Does.Contain("(this string? text, int id)"));
    }

    [Test]
    public void A_stub_matches_an_override_in_nullable_oblivious_code()
    {
        var result = GeneratorHarness.Run("#nullable disable\nusing Cachka;\nnamespace N;\npublic abstract class Base { public abstract string Get(string key, dynamic extra); }\npublic partial class S : Base\n{\n    [Cached] public override partial string Get(string key, dynamic extra);\n}\n");

        AssertStub(result);
        Assert.That(result.Diagnostics, Is.Empty, result.DiagnosticsText);
    }

    [Test]
    public void Cached_overloads_get_distinct_stub_files()
    {
        var result = GeneratorHarness.Run(Header + "public partial int Get(int id);\n    [Cached] public partial int Get(long id);\n}\n");

        Assert.That(result.Files.Select(f => f.HintName), Is.EquivalentTo(new[] { "N.S.Get_1.stub.g.cs", "N.S.Get_2.stub.g.cs" }));
        Assert.That(result.Diagnostics.Where(d => d.Id == "CS8795"), Is.Empty, result.DiagnosticsText);
    }

    // Exactly one file, the throwing implementation part: the output has no CS8795 and no cached call.
    private static void AssertStub(GeneratorResult result)
    {
        Assert.That(result.Files, Has.Count.EqualTo(1), result.AllText);
        Assert.That(result.Files[0].HintName, Does.EndWith(".stub.g.cs"));
        Assert.That(result.Files[0].Text, Does.Contain("NotSupportedException").And.Not.Contain("GetOrCreate"));
        var errors = result.Output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToList();
        Assert.That(errors.Where(d => d.Id == "CS8795"), Is.Empty, result.AllText);
        Assert.That(errors.Where(d => d.Location.SourceTree?.FilePath.EndsWith(".stub.g.cs", StringComparison.Ordinal) == true), Is.Empty,
            string.Join("\n", errors) + "\n" + result.AllText);
    }

    [TestCase(0)]
    [TestCase(-5)]
    public void Only_a_stub_is_generated_for_a_non_positive_ttl(int ttl)
    {
        var result = GeneratorHarness.Run($"using Cachka;\nnamespace N;\npublic partial class S\n{{\n    [Cached(Ttl = {ttl})] public static partial int Get(int id);\n    private static int GetCore(int id) => id;\n}}\n");

        AssertStub(result);
    }

    [Test]
    public void Nothing_is_generated_in_a_type_that_is_not_partial()
    {
        var result = GeneratorHarness.Run("using Cachka;\nnamespace N;\npublic class S\n{\n    [Cached] public static partial int Get(int id);\n    private static int GetCore(int id) => id;\n}\n");

        Assert.That(result.Files, Is.Empty, result.AllText);
    }

    [Test]
    public void Nothing_is_generated_in_a_nested_type_whose_container_is_not_partial()
    {
        var result = GeneratorHarness.Run("using Cachka;\nnamespace N;\npublic class Outer\n{\n    public partial class S\n    {\n        [Cached] public static partial int Get(int id);\n        private static int GetCore(int id) => id;\n    }\n}\n");

        Assert.That(result.Files, Is.Empty, result.AllText);
    }

    [Test]
    public void The_generator_reports_no_diagnostics_of_its_own()
    {
        var compilation = GeneratorHarness.Compile("using Cachka;\nnamespace N;\npublic partial class S\n{\n    [Cached] public partial void Get(int id);\n}\n");

        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics);

        Assert.That(diagnostics, Is.Empty);
    }
}

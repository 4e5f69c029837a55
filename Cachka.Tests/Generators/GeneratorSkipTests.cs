namespace Cachka.Tests.Generators;

/// <summary>What the analyzers report as errors gets no generated code (the generator never reports diagnostics itself).</summary>
public sealed class GeneratorSkipTests
{
    [TestCase("public int Get(int id) => GetCore(id);", TestName = "Not a partial method")]
    [TestCase("public partial int Get(int id);", TestName = "No body")]
    [TestCase("public partial int Get(int id); private string GetCore(int id) => \"\";", TestName = "Body returns another type")]
    [TestCase("public partial int Get(int id); private int GetCore(long id) => 0;", TestName = "Body takes other parameter types")]
    [TestCase("public partial void Get(int id); private void GetCore(int id) { }", TestName = "Void return")]
    [TestCase("public partial System.Threading.Tasks.Task Get(int id); private System.Threading.Tasks.Task GetCore(int id) => System.Threading.Tasks.Task.CompletedTask;", TestName = "Non-generic Task")]
    [TestCase("public partial System.Threading.Tasks.ValueTask Get(int id); private System.Threading.Tasks.ValueTask GetCore(int id) => default;", TestName = "Non-generic ValueTask")]
    [TestCase("public partial System.Collections.Generic.IAsyncEnumerable<int> Get(int id); private System.Collections.Generic.IAsyncEnumerable<int> GetCore(int id) => null!;", TestName = "IAsyncEnumerable")]
    [TestCase("public partial ref int Get(int id); private ref int GetCore(int id) => throw null!;", TestName = "Ref return")]
    [TestCase("public partial int Get(ref int id); private int GetCore(ref int id) => id;", TestName = "Ref parameter")]
    [TestCase("public partial int Get(out int id); private int GetCore(out int id) { id = 0; return 0; }", TestName = "Out parameter")]
    [TestCase("public partial int Get(in int id); private int GetCore(in int id) => id;", TestName = "In parameter")]
    [TestCase("public unsafe partial int Get(int* id); private unsafe int GetCore(int* id) => 0;", TestName = "Pointer parameter")]
    [TestCase("public partial T Get<T>(int id); private T GetCore<T>(int id) => default!;", TestName = "Generic method")]
    [TestCase("public partial int Get(System.Span<int> ids); private int GetCore(System.Span<int> ids) => 0;", TestName = "Ref struct parameter")]
    public void Nothing_is_generated_for(string members)
    {
        var result = GeneratorHarness.Run("using Cachka;\nnamespace N;\npublic partial class S\n{\n    [Cached(SimplifiedSelfSerialization = true)]\n    " + members + "\n}\n");

        Assert.That(result.Files, Is.Empty, result.AllText);
    }

    [TestCase(0)]
    [TestCase(-5)]
    public void Nothing_is_generated_for_a_non_positive_ttl(int ttl)
    {
        var result = GeneratorHarness.Run($"using Cachka;\nnamespace N;\npublic partial class S\n{{\n    [Cached(Ttl = {ttl})] public static partial int Get(int id);\n    private static int GetCore(int id) => id;\n}}\n");

        Assert.That(result.Files, Is.Empty, result.AllText);
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

namespace Cachka.Tests.Generators;

/// <summary>
/// Which methods the <c>[Cached]</c> pipeline implements: those whose attribute binds to <c>Cachka.CachedAttribute</c>,
/// however it is written. Its predicate reads syntax only (a partial method without a body, with attributes) and the
/// transform binds, so an alias implements and a look-alike from another namespace does not.
/// </summary>
public sealed class GeneratorAttributeMatchTests
{
    private const string Body = "namespace N;\npublic partial class S\n{\n    [ATTRIBUTE(Ttl = 60)] public partial string Get(int id);\n    private string GetCore(int id) => \"v\" + id;\n}\n";

    private static string Direct => GeneratorHarness.Run("using Cachka;\n" + Body.Replace("ATTRIBUTE", "Cached", StringComparison.Ordinal)).AllText;

    [TestCase("using Cachka;\n", "CachedAttribute")]
    [TestCase("", "global::Cachka.Cached")]
    [TestCase("", "Cachka.CachedAttribute")]
    [TestCase("using Memo = Cachka.CachedAttribute;\n", "Memo")]
    public void Every_spelling_of_the_attribute_generates_the_same(string usings, string attribute)
    {
        var result = GeneratorHarness.Run(usings + Body.Replace("ATTRIBUTE", attribute, StringComparison.Ordinal));

        Assert.That(result.Diagnostics, Is.Empty, result.DiagnosticsText);
        Assert.That(result.AllText, Is.EqualTo(Direct));
    }

    [Test]
    public void A_global_alias_declared_in_another_file_generates_the_same()
    {
        var result = GeneratorHarness.Run("global using Memo = Cachka.CachedAttribute;\n", Body.Replace("ATTRIBUTE", "Memo", StringComparison.Ordinal));

        Assert.That(result.Diagnostics, Is.Empty, result.DiagnosticsText);
        Assert.That(result.AllText, Is.EqualTo(Direct));
    }

    [Test]
    public void An_attribute_named_Cached_from_another_namespace_generates_nothing()
    {
        const string lookAlike = "namespace Other;\n[System.AttributeUsage(System.AttributeTargets.Method)]\npublic sealed class CachedAttribute : System.Attribute { public int Ttl { get; set; } }\n";

        var result = GeneratorHarness.Run(lookAlike, "using Other;\n" + Body.Replace("ATTRIBUTE", "Cached", StringComparison.Ordinal));

        Assert.That(result.Files, Is.Empty, result.AllText);
    }

    [Test]
    public void Partial_methods_with_other_attributes_generate_nothing()
    {
        var result = GeneratorHarness.Run(
            "using System.Diagnostics.CodeAnalysis;\nnamespace N;\npublic partial class S\n{\n    [return: NotNull] [System.Obsolete(\"x\")] public partial string Get(int id);\n    public partial string Get(int id) => \"v\" + id;\n}\n");

        Assert.That(result.Files, Is.Empty, result.AllText);
    }

    [Test]
    public void The_attribute_on_the_implementation_part_generates_nothing()
    {
        var result = GeneratorHarness.Run("using Cachka;\nnamespace N;\npublic partial class S\n{\n    public partial string Get(int id);\n    [Cached(Ttl = 60)] public partial string Get(int id) => \"v\" + id;\n}\n");

        Assert.That(result.Files, Is.Empty, result.AllText);
    }
}

using Cachka.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cachka.Tests.Generators;

/// <summary>
/// When two versions of a file declare the same, so that the parser's results under the earlier compilation are returned
/// again (see Declarations): only an edit inside a body the parser never reads.
/// </summary>
public sealed class DeclarationsTests
{
    private const string Before = """
        #nullable enable
        namespace Shop;

        public sealed class Money(decimal amount)
        {
            public decimal Amount { get; } = amount;
            public decimal Twice() => Amount * 2;
        }

        public static class Settings
        {
            public const int Ttl = 60;
            private static readonly int s_seed = 1;
            public static int Hour { get; } = 3;
            public static int Now() { return s_seed + 1; }
            public static string Name { get; set; } = "";
        }
        """;

    [TestCase("return s_seed + 1;", "return s_seed + 2;", TestName = "A method body")]
    [TestCase("s_seed = 1;", "s_seed = 5;", TestName = "A non-constant field's initializer")]
    [TestCase("// nothing", "// something", TestName = "A comment")]
    public void An_edit_inside_a_body_declares_the_same(string from, string to) =>
        Assert.That(Declarations.DeclareAlike(Tree(Before), Tree(Edit(from, to)), CancellationToken.None), Is.True);

    [TestCase("Ttl = 60", "Ttl = 90", TestName = "A constant's value")]
    [TestCase("Hour { get; } = 3", "Hour { get; } = 4", TestName = "A property's initializer")]
    [TestCase("=> Amount * 2", "=> amount * 2", TestName = "A body of a type with a primary constructor (which parameters it captures)")]
    [TestCase("public static string Name { get; set; }", "public static string Name { get => \"n\"; set { } }", TestName = "An accessor gaining a body")]
    [TestCase("#nullable enable", "#nullable disable", TestName = "A nullable directive")]
    [TestCase("public static int Now()", "#nullable disable\npublic static int Now()", TestName = "A nullable directive added before a member")]
    [TestCase("public static int Now()", "public static long Now()", TestName = "A return type")]
    public void A_declaration_edit_declares_differently(string from, string to) =>
        Assert.That(Declarations.DeclareAlike(Tree(Before), Tree(Edit(from, to)), CancellationToken.None), Is.False);

    [Test]
    public void The_same_text_at_another_path_declares_differently() =>
        Assert.That(Declarations.DeclareAlike(Tree(Before), Tree(Before, "Other.cs"), CancellationToken.None), Is.False, "file-local types are named by their path");

    [Test]
    public void The_same_text_under_other_parse_options_declares_differently() =>
        Assert.That(Declarations.DeclareAlike(Tree(Before), CSharpSyntaxTree.ParseText(Before, new CSharpParseOptions(LanguageVersion.CSharp12, preprocessorSymbols: ["DEBUG"]), "Shop.cs"), CancellationToken.None), Is.False);

    private static string Edit(string from, string to)
    {
        var text = from == "// nothing" ? Before.Replace("{ return", "{ // nothing\n return", StringComparison.Ordinal) : Before;
        Assert.That(text, Does.Contain(from));
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    private static SyntaxTree Tree(string text, string path = "Shop.cs") => CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, path);
}

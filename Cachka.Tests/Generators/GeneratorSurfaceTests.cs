namespace Cachka.Tests.Generators;

/// <summary>
/// Which cached methods appear on the generated surface (<c>I{Type}Cached</c>, <c>{Type}CacheKeys</c>): only
/// those whose every signature type is as accessible as the type; the others are still cached.
/// </summary>
public sealed class GeneratorSurfaceTests
{
    private const string Source = """
        using System.Threading.Tasks;
        using Cachka;
        namespace Shop;

        public sealed record Item(int Id);
        internal sealed record Secret(int Id);
        internal static class Hidden
        {
            public sealed record Nested(int Id);
        }

        public sealed partial class Catalog
        {
            [CacheKey] public string Region { get; } = "eu";

            [Cached] public partial Item Public(int id);
            private Item PublicCore(int id) => new(id);

            [Cached] internal partial Secret InternalResult(int id);
            private Secret InternalResultCore(int id) => new(id);

            [Cached] internal partial Task<Item> NestedInInternal(Hidden.Nested key);
            private Task<Item> NestedInInternalCore(Hidden.Nested key) => Task.FromResult(new Item(key.Id));

            [Cached] private partial Item PrivateParameter(Token token);
            private Item PrivateParameterCore(Token token) => new(token.Id);

            private sealed record Token(int Id);
        }

        internal sealed partial class Ledger
        {
            [Cached(SimplifiedSelfSerialization = true)] public partial Secret Find(int id);
            private Secret FindCore(int id) => new(id);
        }
        """;

    private static readonly Lazy<GeneratorResult> s_result = new(() => GeneratorHarness.Run(Source));

    private static string File(string hintEnd) => s_result.Value.Files.Single(f => f.HintName.EndsWith(hintEnd, StringComparison.Ordinal)).Text;

    [Test]
    public void Everything_compiles_without_a_diagnostic() =>
        Assert.That(s_result.Value.Diagnostics, Is.Empty, s_result.Value.DiagnosticsText);

    [Test]
    public void A_method_with_only_public_types_is_on_the_surface()
    {
        Assert.That(File("Catalog.cached.g.cs"), Does.Contain("global::Shop.ICatalogCached.Public("));
        Assert.That(File("Catalog.cached.g.cs"), Does.Contain("public static string Public("));
    }

    [TestCase("InternalResult")]
    [TestCase("NestedInInternal")]
    [TestCase("PrivateParameter")]
    public void A_method_with_a_less_accessible_type_is_cached_but_not_on_the_surface(string name)
    {
        var text = File("Catalog.cached.g.cs");
        Assert.That(text, Does.Match(@"partial [^\n]* " + name + @"\("), "the method is still implemented");
        Assert.That(text, Does.Not.Contain("ICatalogCached." + name + "("));
        Assert.That(text, Does.Not.Contain("public static string " + name + "("));
    }

    [Test]
    public void An_internal_type_puts_internal_types_on_its_surface() =>
        Assert.That(File("Ledger.cached.g.cs"), Does.Contain("global::Shop.ILedgerCached.Find("));

    [Test]
    public void The_interface_of_nullable_oblivious_code_is_oblivious_too()
    {
        var result = GeneratorHarness.Run("""
            #nullable disable
            using Cachka;
            namespace Legacy;

            public partial class Repository
            {
                [Cached(SimplifiedSelfSerialization = true)]
                public partial string Describe(string item);
                private string DescribeCore(string item) => item ?? "none";
            }
            """, """
            #nullable enable
            namespace Modern;

            public static class Caller
            {
                // With a non-nullable interface these would warn (CS8625, CS8600).
                public static string? Call(Legacy.IRepositoryCached repository) => repository.Describe(null);
            }
            """);

        Assert.That(result.Diagnostics, Is.Empty, result.DiagnosticsText);
    }
}

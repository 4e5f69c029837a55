using Cachka.Analyzers;
using Microsoft.CodeAnalysis.Testing;

namespace Cachka.Tests.Analyzers;

/// <summary>The messages name what is wrong precisely enough to act on.</summary>
public class DiagnosticMessageTests
{
    [Test]
    public Task CACHKA001_lists_every_declaration_that_needs_partial() => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(
        """
        public class Outer
        {
            public class Maths
            {
                [Cached] public static int {|#0:Square|}(int x) => x * x;
            }
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.NotPartial).WithLocation(0)
            .WithArguments("Square", "the method 'Square', the type 'Maths' and the type 'Outer'"));

    [Test]
    public Task CACHKA003_names_the_parameter_that_differs() => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(
        """
        public partial class Maths
        {
            [Cached] public static partial int {|#0:Sum|}(int x, string label);
            private static int {|#1:SumCore|}(int x, object label) => x;
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.ImplementationSignatureMismatch).WithLocation(0).WithLocation(1)
            .WithArguments("Sum", "SumCore", "its parameter 'label' is 'object' where 'Sum' has 'string'"));

    [Test]
    public Task CACHKA008_names_the_member_on_the_path_to_the_problem() => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(
        """
        public sealed class Attachment { public System.IO.Stream? Content { get; set; } }
        public sealed record Mail(string Subject, List<Attachment> Attachments);

        public partial class Inbox
        {
            [Cached] public static partial {|#0:Task<Mail>|} LoadAsync(int id);
            private static Task<Mail> LoadAsyncCore(int id) => throw null!;
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.ResultNotSerializable).WithLocation(0)
            .WithArguments(
                "LoadAsync",
                "unsupported_type",
                "'Stream?' cannot be serialized in 'Attachment.Content'",
                "cache the data, not a delegate, stream, handle, task or reflection object"));

    [Test]
    public Task CACHKA007_says_why_the_type_cannot_be_keyed_and_that_the_method_is_not_cached() => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(
        """
        public sealed class Filter { private string _text = ""; }

        public partial class Search
        {
            [Cached] public static partial int Count(Filter {|#0:filter|}, Uri {|#1:source|});
            private static int CountCore(Filter filter, Uri source) => 0;
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.KeyTypeNotEncodable).WithLocation(0)
            .WithArguments("Parameter", "filter", "Filter", "its field '_text' is not public, so the key cannot hold it", "'Count' calls its body every time",
                "implement Cachka.ICacheKeyFormattable on 'Filter', use a keyable type, or mark the parameter [NotCacheKey]"),
        new DiagnosticResult(DiagnosticDescriptors.KeyTypeNotEncodable).WithLocation(1)
            .WithArguments("Parameter", "source", "Uri", "'Uri' is not sealed, so a value may be of a derived class whose state its key would leave out", "'Count' calls its body every time",
                "use a keyable type or one that implements Cachka.ICacheKeyFormattable, or mark the parameter [NotCacheKey]"));

    [Test]
    public async Task CACHKA007_and_CACHKA010_messages_say_why_and_that_the_call_is_not_cached()
    {
        var diagnostics = await ScratchProject.DiagnosticsAsync("""
            public sealed class Node { public int Id { get; set; } public Node? Parent { get; set; } }

            public partial class Catalog
            {
                [Cached] public static partial int Count(System.IO.Stream body);
                private static int CountCore(System.IO.Stream body) => 0;

                [Cached] public static partial int Depth(Node node);
                private static int DepthCore(Node node) => 0;
            }

            public partial class PriceList(string currency)
            {
                public string Currency { get; } = currency;

                [Cached] public partial decimal Get(string sku);
                private decimal GetCore(string sku) => 0m;
            }
            """);

        Assert.That(diagnostics.Select(d => d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)), Is.EquivalentTo(new[]
        {
            "CACHKA007: Parameter 'body' of type 'Stream' cannot be part of a cache key: 'Stream' is abstract, so a value may be of a derived class whose state its key would leave out. "
                + "Different values could share a key and get each other's results, so 'Count' calls its body every time without caching; to cache it, use a keyable type or one that implements Cachka.ICacheKeyFormattable, or mark the parameter [NotCacheKey]",
            "CACHKA007: Parameter 'node' of type 'Node' cannot be part of a cache key: its member 'Parent' leads back to 'Node', a cycle (such as an entity's back-reference) that no finite key can follow. "
                + "Different values could share a key and get each other's results, so 'Depth' calls its body every time without caching; to cache it, implement Cachka.ICacheKeyFormattable on 'Node', use a keyable type, or mark the parameter [NotCacheKey]",
            "CACHKA010: 'Get' is an instance method, but 'PriceList' has no [CacheKey] members and 'Get' does not set SimplifiedSelfSerialization, so one instance's result could be returned to another: "
                + "'Get' calls its body every time without caching; mark the fields or properties that distinguish instances with [CacheKey], or set SimplifiedSelfSerialization = true if all instances may share entries",
        }));
    }
}

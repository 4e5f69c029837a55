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
    public Task CACHKA007_suggests_ICacheKeyFormattable_only_for_the_users_own_types() => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(
        """
        public sealed record Filter(string Text);

        public partial class Search
        {
            [Cached] public static partial int Count(Filter {|#0:filter|}, Uri {|#1:source|});
            private static int CountCore(Filter filter, Uri source) => 0;
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.KeyTypeNotEncodable).WithLocation(0)
            .WithArguments("Parameter", "filter", "Filter", "implement Cachka.ICacheKeyFormattable on 'Filter', use a supported type, or mark the parameter [NotCacheKey]"),
        new DiagnosticResult(DiagnosticDescriptors.KeyTypeNotEncodable).WithLocation(1)
            .WithArguments("Parameter", "source", "Uri", "use a supported type or one that implements Cachka.ICacheKeyFormattable, or mark the parameter [NotCacheKey]"));
}

using Cachka.Analyzers;
using Cachka.Analyzers.CodeFixes;

namespace Cachka.Tests.Analyzers;

/// <summary>Before/after of every code fix.</summary>
public class CodeFixTests
{
    [Test]
    public Task Make_partial_adds_partial_to_the_method_and_every_containing_type() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, MakePartialCodeFixProvider>(
            """
            public static class Outer
            {
                internal class Maths
                {
                    /// <summary>Squares.</summary>
                    [Cached] public static int {|CACHKA001:{|CS0501:Square|}|}(int x);
                    private static int SquareCore(int x) => x * x;
                }
            }
            """,
            """
            public static partial class Outer
            {
                internal partial class Maths
                {
                    /// <summary>Squares.</summary>
                    [Cached] public static partial int Square(int x);
                    private static int SquareCore(int x) => x * x;
                }
            }
            """);

    [Test]
    public Task Make_partial_gives_a_method_without_accessibility_a_private_one() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, MakePartialCodeFixProvider>(
            """
            partial class Maths
            {
                [Cached]
                static int {|CACHKA001:{|CS0501:Square|}|}(int x);
                private static int SquareCore(int x) => x * x;
            }
            """,
            """
            partial class Maths
            {
                [Cached]
                private static partial int Square(int x);
                private static int SquareCore(int x) => x * x;
            }
            """);

    [Test]
    public Task Make_partial_moves_an_existing_body_to_the_core_method() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, MakePartialCodeFixProvider>(
            """
            public class Users
            {
                [Cached(Ttl = 60)]
                public static async Task<string> {|CACHKA001:NameAsync|}(int id, [NotCacheKey] CancellationToken ct = default)
                {
                    await Task.Delay(1, ct);
                    return "user" + id;
                }

                [Cached(Implementation = "Compute")] public static int {|CACHKA001:Square|}(int x) => x * x;
            }
            """,
            """
            public partial class Users
            {
                [Cached(Ttl = 60)]
                public static partial Task<string> NameAsync(int id, [NotCacheKey] CancellationToken ct = default);

                private static async Task<string> NameAsyncCore(int id, CancellationToken ct)
                {
                    await Task.Delay(1, ct);
                    return "user" + id;
                }

                [Cached(Implementation = "Compute")] public static partial int Square(int x);

                private static int Compute(int x) => x * x;
            }
            """);

    [Test]
    public Task Add_body_creates_a_private_stub_with_the_same_signature() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, AddImplementationCodeFixProvider>(
            """
            public partial class Users
            {
                [CacheKey] public string Tenant { get; set; } = "";

                [Cached] public partial Task<string?> {|CACHKA002:NameAsync|}(int id, [NotCacheKey] string? hint = null, CancellationToken ct = default);

                [Cached(Implementation = "Compute")]
                public static partial int[] {|CACHKA002:Squares|}(IReadOnlyList<int> values);
            }
            """,
            """
            public partial class Users
            {
                [CacheKey] public string Tenant { get; set; } = "";

                [Cached] public partial Task<string?> NameAsync(int id, [NotCacheKey] string? hint = null, CancellationToken ct = default);

                private Task<string?> NameAsyncCore(int id, string? hint, CancellationToken ct)
                {
                    throw new global::System.NotImplementedException();
                }

                [Cached(Implementation = "Compute")]
                public static partial int[] Squares(IReadOnlyList<int> values);

                private static int[] Compute(IReadOnlyList<int> values)
                {
                    throw new global::System.NotImplementedException();
                }
            }
            """);

    [Test]
    public Task Add_NotCacheKey_leaves_a_context_parameter_out_of_the_key() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, AddNotCacheKeyCodeFixProvider>(
            """
            public sealed class RequestContext { private int _request; }

            public partial class Users
            {
                [Cached] public static partial int Get(int id, RequestContext {|CACHKA011:context|});
                private static int GetCore(int id, RequestContext context) => id;
            }
            """,
            """
            public sealed class RequestContext { private int _request; }

            public partial class Users
            {
                [Cached] public static partial int Get(int id, [NotCacheKey] RequestContext context);
                private static int GetCore(int id, RequestContext context) => id;
            }
            """);

    [Test]
    public Task Add_NotCacheKey_leaves_a_non_encodable_parameter_out_of_the_key() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, AddNotCacheKeyCodeFixProvider>(
            """
            namespace App
            {
                public record Filter(string Text);

                public partial class Users
                {
                    [Cached] public static partial int Count(int id, [System.ComponentModel.Description("f")] Filter {|CACHKA007:filter|});
                    private static int CountCore(int id, Filter filter) => id;
                }
            }
            """,
            """
            namespace App
            {
                public record Filter(string Text);

                public partial class Users
                {
                    [Cached] public static partial int Count(int id, [System.ComponentModel.Description("f")][NotCacheKey] Filter filter);
                    private static int CountCore(int id, Filter filter) => id;
                }
            }
            """);

    [Test]
    public Task Share_entries_sets_SimplifiedSelfSerialization() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, ShareEntriesCodeFixProvider>(
            """
            public partial class Users
            {
                [Cached] public partial int {|CACHKA010:Count|}(int id);
                private int CountCore(int id) => id;

                [Cached(Ttl = 60)] public partial int {|CACHKA010:Age|}(int id);
                private int AgeCore(int id) => id;

                [Cached(SimplifiedSelfSerialization = false)] public partial int {|CACHKA010:Rank|}(int id);
                private int RankCore(int id) => id;
            }
            """,
            """
            public partial class Users
            {
                [Cached(SimplifiedSelfSerialization = true)] public partial int Count(int id);
                private int CountCore(int id) => id;

                [Cached(Ttl = 60, SimplifiedSelfSerialization = true)] public partial int Age(int id);
                private int AgeCore(int id) => id;

                [Cached(SimplifiedSelfSerialization = true)] public partial int Rank(int id);
                private int RankCore(int id) => id;
            }
            """);
}

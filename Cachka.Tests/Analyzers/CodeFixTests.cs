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

    [Test]
    public Task Mark_CacheKey_marks_a_member_that_distinguishes_instances() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, MarkCacheKeyCodeFixProvider>(
            """
            public partial class PriceList(string currency)
            {
                public string Currency { get; } = currency;

                [Cached] public partial decimal {|CACHKA010:Get|}(string sku);
                private decimal GetCore(string sku) => 0m;
            }
            """,
            """
            public partial class PriceList(string currency)
            {
                [CacheKey] public string Currency { get; } = currency;

                [Cached] public partial decimal Get(string sku);
                private decimal GetCore(string sku) => 0m;
            }
            """);

    [Test]
    public Task Mark_CacheKey_offers_each_keyable_member_and_skips_the_others() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, MarkCacheKeyCodeFixProvider>(
            """
            public partial class Catalog(ICache cache)
            {
                [CacheSource] private readonly ICache _cache = cache;
                private readonly System.IO.Stream? _log;
                private readonly int _region = 1;
                public int Tenant { get; set; }

                [Cached] public partial int {|CACHKA010:Count|}(int id);
                private int CountCore(int id) => id + _region + Tenant;
            }
            """,
            """
            public partial class Catalog(ICache cache)
            {
                [CacheSource] private readonly ICache _cache = cache;
                private readonly System.IO.Stream? _log;
                private readonly int _region = 1;
                [CacheKey] public int Tenant { get; set; }

                [Cached] public partial int Count(int id);
                private int CountCore(int id) => id + _region + Tenant;
            }
            """,
            codeActionIndex: 1);

    [Test]
    public Task Implement_ICacheKeyFormattable_writes_every_piece_of_state() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, ImplementCacheKeyFormattableCodeFixProvider>(
            """
            public enum Scope { Mine, All }

            public sealed class Query(int id, string? text)
            {
                private readonly int _id = id;
                public Scope Scope { get; init; }
                public DateTime? Since;
                public string Describe() => text + _id;
            }

            public partial class Search
            {
                [Cached] public static partial int Count(Query {|CACHKA007:query|});
                private static int CountCore(Query query) => 0;
            }
            """,
            """
            public enum Scope { Mine, All }

            public sealed class Query(int id, string? text) : ICacheKeyFormattable
            {
                private readonly int _id = id;
                public Scope Scope { get; init; }
                public DateTime? Since;
                public string Describe() => text + _id;

                /// <summary>The key text: every piece of this value's state, escaped and separated by Cachka.</summary>
                public string FormatCacheKey()
                {
                    var key = new global::Cachka.Keys.CacheKeyBuilder(stackalloc char[128]);
                    key.Append(_id);
                    key.AppendSeparator();
                    key.Append((int)Scope);
                    key.AppendSeparator();
                    if (Since.HasValue) key.Append(Since.GetValueOrDefault()); else key.AppendNull();
                    key.AppendSeparator();
                    key.Append(text);
                    return key.ToString();
                }
            }

            public partial class Search
            {
                [Cached] public static partial int Count(Query query);
                private static int CountCore(Query query) => 0;
            }
            """);

    [Test]
    public Task Add_NotCacheKey_leaves_a_parameter_keyed_only_at_run_time_out_of_the_key() =>
        AnalyzerTest.VerifyFixAsync<CachedMethodAnalyzer, AddNotCacheKeyCodeFixProvider>(
            """
            public partial class Users
            {
                [Cached] public static partial int Get(int id, object {|CACHKA015:hint|});
                private static int GetCore(int id, object hint) => id;
            }
            """,
            """
            public partial class Users
            {
                [Cached] public static partial int Get(int id, [NotCacheKey] object hint);
                private static int GetCore(int id, object hint) => id;
            }
            """);

    [Test]
    public Task Make_partial_moves_the_body_of_an_invalidating_method_to_its_core_method() =>
        AnalyzerTest.VerifyFixAsync<InvalidationAnalyzer, MakePartialCodeFixProvider>(
            """
            public class Users
            {
                [InvalidatesTag("user:{id}")]
                public async Task {|CACHKA025:RenameAsync|}(int id, string name)
                {
                    await Task.Yield();
                }
            }
            """,
            """
            public partial class Users
            {
                [InvalidatesTag("user:{id}")]
                public partial Task RenameAsync(int id, string name);

                private async Task RenameAsyncCore(int id, string name)
                {
                    await Task.Yield();
                }
            }
            """);

    [Test]
    public Task Add_body_stubs_the_missing_body_of_an_invalidating_method() =>
        AnalyzerTest.VerifyFixAsync<InvalidationAnalyzer, AddImplementationCodeFixProvider>(
            """
            public partial class Users
            {
                [InvalidatesTag("user:{id}", Implementation = "Save")]
                public partial void {|CACHKA026:Rename|}(int id, string name);
            }
            """,
            """
            public partial class Users
            {
                [InvalidatesTag("user:{id}", Implementation = "Save")]
                public partial void Rename(int id, string name);

                private void Save(int id, string name)
                {
                    throw new global::System.NotImplementedException();
                }
            }
            """);

    [Test]
    public async Task A_body_with_another_signature_gets_no_stub()
    {
        var source = AnalyzerTest.Usings + """
            public partial class Users
            {
                [InvalidatesTag("users")]
                public partial void {|CACHKA026:Rename|}(int id);
                private void RenameCore(long id) { }
            }
            """;
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpCodeFixTest<InvalidationAnalyzer, AddImplementationCodeFixProvider, Microsoft.CodeAnalysis.Testing.DefaultVerifier>
        {
            TestCode = source,
            FixedCode = source,
            ReferenceAssemblies = AnalyzerTest.Net10,
        };
        test.TestState.AdditionalReferences.Add(Microsoft.CodeAnalysis.MetadataReference.CreateFromFile(typeof(CachedAttribute).Assembly.Location));
        test.CompilerDiagnostics = Microsoft.CodeAnalysis.Testing.CompilerDiagnostics.None;
        await test.RunAsync();
    }

    [Test]
    public Task Match_parameter_type_declares_the_parameter_and_its_body_parameter_as_the_target_keys_it() =>
        AnalyzerTest.VerifyFixAsync<InvalidationAnalyzer, MatchParameterTypeCodeFixProvider>(
            """
            public partial class Users
            {
                [Cached(SimplifiedSelfSerialization = true)] public partial string Get(int id, string region);
                private string GetCore(int id, string region) => "";

                [InvalidatesCached({|CACHKA024:nameof(Get)|})]
                public partial void Move(long id, string region);
                private void MoveCore(long id, string region) { }
            }
            """,
            """
            public partial class Users
            {
                [Cached(SimplifiedSelfSerialization = true)] public partial string Get(int id, string region);
                private string GetCore(int id, string region) => "";

                [InvalidatesCached(nameof(Get))]
                public partial void Move(int id, string region);
                private void MoveCore(int id, string region) { }
            }
            """);
}

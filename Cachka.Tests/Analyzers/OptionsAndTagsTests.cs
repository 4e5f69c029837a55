using Cachka.Analyzers;
using Microsoft.CodeAnalysis.Testing;

namespace Cachka.Tests.Analyzers;

/// <summary>CACHKA019 (resilience option values), CACHKA020 (tag templates of [Cached]) and adaptive bodies (CACHKA003).</summary>
public class OptionsAndTagsTests
{
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(source, expected);

    [Test]
    public Task Valid_options_tags_and_adaptive_bodies_report_nothing() => VerifyAsync("""
        public partial class Users
        {
            [CacheKey] public string Tenant { get; init; } = "";

            [Cached(Ttl = 60, Tags = ["users", "user:{userId}", "{Tenant}|{userId}", "{{literal}}"], FailSafeMaxDuration = 7200, FailSafeThrottleDuration = 30,
                FactorySoftTimeoutMs = 100, FactoryHardTimeoutMs = 2000, EagerRefreshThreshold = 0.8, Jitter = 10)]
            public partial Task<string> GetAsync(int userId, CancellationToken ct = default);
            private Task<string> GetAsyncCore(int userId, CacheFactoryContext context, CancellationToken ct) => Task.FromResult("");

            [Cached(SimplifiedSelfSerialization = true, FactorySoftTimeoutMs = 100, EagerRefreshThreshold = 0)]
            public partial int Count(string name);
            private int CountCore(string name, CacheFactoryContext context) => 0;

            [Cached(SimplifiedSelfSerialization = true)]
            public partial Task<int> LoadAsync(int id, CancellationToken ct);
            private Task<int> LoadAsyncCore(int id, CancellationToken ct, CacheFactoryContext context) => Task.FromResult(0);
        }
        """);

    [TestCase("FailSafeMaxDuration = {|CACHKA019:-1|}", TestName = "CACHKA019: negative FailSafeMaxDuration")]
    [TestCase("FailSafeThrottleDuration = {|CACHKA019:-30|}", TestName = "CACHKA019: negative FailSafeThrottleDuration")]
    [TestCase("FactorySoftTimeoutMs = {|CACHKA019:-5|}", TestName = "CACHKA019: negative FactorySoftTimeoutMs")]
    [TestCase("FactoryHardTimeoutMs = {|CACHKA019:-5|}", TestName = "CACHKA019: negative FactoryHardTimeoutMs")]
    [TestCase("Jitter = {|CACHKA019:-1|}", TestName = "CACHKA019: negative Jitter")]
    [TestCase("EagerRefreshThreshold = {|CACHKA019:1|}", TestName = "CACHKA019: EagerRefreshThreshold of 1")]
    [TestCase("EagerRefreshThreshold = {|CACHKA019:1.5|}", TestName = "CACHKA019: EagerRefreshThreshold above 1")]
    [TestCase("EagerRefreshThreshold = {|CACHKA019:-0.2|}", TestName = "CACHKA019: negative EagerRefreshThreshold")]
    [TestCase("EagerRefreshThreshold = {|CACHKA019:double.NaN|}", TestName = "CACHKA019: NaN EagerRefreshThreshold")]
    [TestCase("FactorySoftTimeoutMs = {|CACHKA019:2000|}, FactoryHardTimeoutMs = 2000", TestName = "CACHKA019: soft timeout equal to the hard one")]
    [TestCase("FactoryHardTimeoutMs = 100, FactorySoftTimeoutMs = {|CACHKA019:500|}", TestName = "CACHKA019: soft timeout above the hard one")]
    public Task An_invalid_option_value_is_CACHKA019(string option) => VerifyAsync($$"""
        public static partial class Maths
        {
            [Cached({{option}})] public static partial int Square(int x);
            private static int SquareCore(int x) => x * x;
        }
        """);

    [Test]
    public Task CACHKA019_names_the_property_and_says_what_to_do() => VerifyAsync("""
        public static partial class Maths
        {
            [Cached(FactorySoftTimeoutMs = {|#0:3000|}, FactoryHardTimeoutMs = 1000, Jitter = {|#1:-2|})] public static partial int Square(int x);
            private static int SquareCore(int x) => x * x;
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidOption).WithLocation(0).WithArguments(
            "FactorySoftTimeoutMs", "Square", "3000",
            "it must be less than FactoryHardTimeoutMs (1000): the soft timeout returns a stale value while the body goes on, the hard one gives up, so the soft one comes first; lower it or raise FactoryHardTimeoutMs"),
        new DiagnosticResult(DiagnosticDescriptors.InvalidOption).WithLocation(1).WithArguments(
            "Jitter", "Square", "-2", "it is a number of seconds and must be 0 (the cache's default) or greater"));

    [TestCase("\"\"", TestName = "CACHKA020: empty tag")]
    [TestCase("\"user:{id\"", TestName = "CACHKA020: unclosed brace")]
    [TestCase("\"user:id}\"", TestName = "CACHKA020: lone closing brace")]
    [TestCase("\"user:{}\"", TestName = "CACHKA020: empty braces")]
    [TestCase("\"user:{userId}\"", TestName = "CACHKA020: a name that names nothing")]
    [TestCase("\"user:{ id }\"", TestName = "CACHKA020: a name with spaces")]
    [TestCase("\"user:{ct}\"", TestName = "CACHKA020: the CancellationToken parameter")]
    [TestCase("\"user:{trace}\"", TestName = "CACHKA020: a NotCacheKey parameter")]
    [TestCase("\"user:{Region}\"", TestName = "CACHKA020: a CacheKey member of a SimplifiedSelfSerialization method")]
    public Task An_invalid_tag_is_CACHKA020(string tag) => VerifyAsync($$"""
        public partial class Users
        {
            [CacheKey] public string Region { get; init; } = "";

            [Cached(SimplifiedSelfSerialization = true, Tags = ["ok:{id}", {|CACHKA020:{{tag}}|}])]
            public partial Task<int> GetAsync(int id, [NotCacheKey] string? trace = null, CancellationToken ct = default);
            private Task<int> GetAsyncCore(int id, string? trace, CancellationToken ct) => Task.FromResult(id);
        }
        """);

    [Test]
    public Task CACHKA020_lists_the_names_a_template_can_use() => VerifyAsync("""
        public partial class Users
        {
            [CacheKey] public string Region { get; init; } = "";

            [Cached(Tags = [{|#0:"user:{userID}"|}])]
            public partial int Get(int userId, [NotCacheKey] string? trace = null);
            private int GetCore(int userId, string? trace) => userId;
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidTag).WithLocation(0).WithArguments(
            "user:{userID}", "Get",
            "names 'userID', which is neither a parameter nor a [CacheKey] member of 'Get' (the text between braces must be a name exactly; write {{ and }} for literal braces); use one of: userId, Region"));

    [Test]
    public Task A_CacheFactoryContext_in_the_wrong_place_is_CACHKA003() => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(
        """
        public static partial class Tokens
        {
            [Cached] public static partial Task<string> {|#0:GetAsync|}(string user, int scope, CancellationToken ct);
            private static Task<string> {|#1:GetAsyncCore|}(CacheFactoryContext context, string user, int scope, CancellationToken ct) => Task.FromResult(user);
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.ImplementationSignatureMismatch).WithLocation(0).WithLocation(1).WithArguments(
            "GetAsync", "GetAsyncCore", "its CacheFactoryContext parameter 'context' must be the last one, or the one just before a trailing CancellationToken"));

    [Test]
    public Task Two_CacheFactoryContext_parameters_are_CACHKA003() => VerifyAsync("""
        public static partial class Tokens
        {
            [Cached] public static partial string {|CACHKA003:Get|}(string user);
            private static string GetCore(string user, CacheFactoryContext a, CacheFactoryContext b) => user;
        }
        """);
}

using Cachka.Analyzers;
using Microsoft.CodeAnalysis.Testing;

namespace Cachka.Tests.Analyzers;

/// <summary>CACHKA020-027: [InvalidatesCached]/[InvalidatesTag] methods, their targets, bodies and templates.</summary>
public class InvalidationAnalyzerTests
{
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) => AnalyzerTest.VerifyAsync<InvalidationAnalyzer>(source, expected);

    private const string Users = """
        public sealed record User(int Id, string Name);

        public partial class Users
        {
            [CacheKey] public string Tenant { get; init; } = "";

            [Cached] public partial User? Get(int id);
            private User? GetCore(int id) => null;

            [Cached] public partial Task<User?> FindAsync(int id, string region, [NotCacheKey] string? trace = null, CancellationToken ct = default);
            private Task<User?> FindAsyncCore(int id, string region, string? trace, CancellationToken ct) => Task.FromResult<User?>(null);

            [Cached] public static partial int Count(long id);
            private static int CountCore(long id) => 0;

            [Cached] public static partial int Price(int id);
            private static int PriceCore(int id) => 0;
            [Cached] public static partial int Price(string sku);
            private static int PriceCore(string sku) => 0;

        """;

    private static Task VerifyMembersAsync(string members, params DiagnosticResult[] expected) => VerifyAsync(Users + members + "\n}\n", expected);

    [Test]
    public Task Well_formed_invalidating_methods_report_nothing() => VerifyMembersAsync("""
            [InvalidatesCached(nameof(Get))]
            [InvalidatesCached(nameof(FindAsync))]
            [InvalidatesTag("user:{id}:{Tenant}")]
            [InvalidatesTag("users")]
            public partial Task RenameAsync(int id, string region, string name, CancellationToken ct);
            private Task RenameAsyncCore(int id, string region, string name, CancellationToken ct) => Task.CompletedTask;

            [InvalidatesCached(nameof(Count), Implementation = nameof(Recount))]
            public static partial void Reset(long id);
            private static void Recount(long id) { }

            // Overloads: the one whose key parameters match by name and type.
            [InvalidatesCached(nameof(Price))]
            public static partial bool Reprice(string sku, decimal price);
            private static bool RepriceCore(string sku, decimal price) => true;

            [InvalidatesTag("{{all}}")]
            public partial ValueTask<int> PurgeAsync();
            private ValueTask<int> PurgeAsyncCore() => new(0);
        """);

    [Test]
    public Task A_target_that_is_not_a_Cached_method_is_CACHKA021() => VerifyMembersAsync("""
            [InvalidatesCached({|#0:nameof(GetCore)|})]
            public partial void Rename(int id);
            private void RenameCore(int id) { }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidationTargetNotFound).WithLocation(0)
            .WithArguments("Rename", "GetCore", "Users", "its [Cached] methods are Count, FindAsync, Get, Price"));

    [Test]
    public Task A_misspelt_target_is_CACHKA021() => VerifyMembersAsync("""
            [InvalidatesCached({|CACHKA021:"GetUser"|})]
            public partial void Rename(int id);
            private void RenameCore(int id) { }
        """);

    [Test]
    public Task Overloads_that_all_or_none_match_are_CACHKA022() => VerifyMembersAsync("""
            [InvalidatesCached({|#0:nameof(Price)|})]
            public static partial void Reprice(int id, string sku);
            private static void RepriceCore(int id, string sku) { }

            [InvalidatesCached({|CACHKA022:nameof(Price)|})]
            public static partial void Clear(Guid id);
            private static void ClearCore(Guid id) { }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidationTargetAmbiguous).WithLocation(0).WithArguments(
            "Reprice", "Price", "2 of its 2 overloads (Users.Price(int), Users.Price(string)) match the parameters of 'Reprice' by name and type"));

    [Test]
    public Task A_key_parameter_without_a_same_named_parameter_is_CACHKA023() => VerifyMembersAsync("""
            [InvalidatesCached({|#0:nameof(FindAsync)|})]
            public partial void Move(int id, string to);
            private void MoveCore(int id, string to) { }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidationParameterMissing).WithLocation(0).WithArguments(
            "Move", "FindAsync", "'FindAsync' is keyed by its parameter 'region' (string), but 'Move' has no parameter named 'region'; add one of that name and type"));

    [Test]
    public Task A_static_method_cannot_invalidate_an_entry_keyed_by_the_instance_CACHKA023() => VerifyMembersAsync("""
            [InvalidatesCached({|CACHKA023:nameof(Get)|})]
            public static partial void Drop(int id);
            private static void DropCore(int id) { }
        """);

    [Test]
    public Task Same_name_different_type_is_CACHKA024() => VerifyMembersAsync("""
            [InvalidatesCached({|#0:nameof(Get)|})]
            public partial void Rename(long {|#1:id|}, string name);
            private void RenameCore(long id, string name) { }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidationParameterType).WithLocation(0).WithLocation(1).WithArguments(
            "Rename", "Get", "its parameter 'id' is 'long' but 'Get' keys 'id' as 'int', so the key would not be the one 'Get' stores; declare it as 'int'"));

    [Test]
    public Task A_nullable_of_the_key_type_is_CACHKA024() => VerifyMembersAsync("""
            [InvalidatesCached({|CACHKA024:nameof(Count)|})]
            public static partial void Reset(long? id);
            private static void ResetCore(long? id) { }
        """);

    [Test]
    public Task A_method_or_type_without_partial_is_CACHKA025() => VerifyAsync("""
        public class Service
        {
            [InvalidatesTag("items:{id}")]
            public void {|#0:Set|}(int id) { }
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidationNotPartial).WithLocation(0).WithArguments("Set", "the method 'Set' and the type 'Service'"));

    [Test]
    public Task A_missing_body_is_CACHKA026() => VerifyMembersAsync("""
            [InvalidatesCached(nameof(Get))]
            public partial void {|#0:Rename|}(int id, string name);
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidationBody).WithLocation(0).WithArguments(
            "Rename", "declare a method 'RenameCore' in 'Users' with the same parameters and return type, or name an existing one with Implementation = \"...\" on the attribute"));

    [Test]
    public Task A_body_with_another_signature_is_CACHKA026() => VerifyMembersAsync("""
            [InvalidatesTag("users")]
            public partial Task {|#0:RenameAsync|}(int id);
            private Task<int> {|#1:RenameAsyncCore|}(int id) => Task.FromResult(id);
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidationBody).WithLocation(0).WithLocation(1).WithArguments(
            "RenameAsync", "'RenameAsyncCore' does not match it: it returns 'Task<int>' where 'RenameAsync' returns 'Task'; it must take the same parameter types in the same order and return the same type"));

    [Test]
    public Task A_body_taking_a_CacheFactoryContext_is_CACHKA026() => VerifyMembersAsync("""
            [InvalidatesTag("users")]
            public partial void {|CACHKA026:Rename|}(int id);
            private void RenameCore(int id, CacheFactoryContext context) { }
        """);

    [TestCase("[InvalidatesTag(\"users\")] public partial IAsyncEnumerable<int> {|CACHKA027:Stream|}(int id); private IAsyncEnumerable<int> StreamCore(int id) => null!;", TestName = "CACHKA027: a stream")]
    [TestCase("[InvalidatesTag(\"users\")] public partial void {|CACHKA027:Swap|}<T>(T id); private void SwapCore<T>(T id) { }", TestName = "CACHKA027: a generic method")]
    [TestCase("[InvalidatesTag(\"users\")] public partial void {|CACHKA027:Bump|}(ref int id); private void BumpCore(ref int id) { }", TestName = "CACHKA027: a ref parameter")]
    [TestCase("[InvalidatesTag(\"users\")] [Cached] public partial int {|CACHKA027:Both|}(int id); private int BothCore(int id) => id;", TestName = "CACHKA027: also Cached")]
    public Task An_unsupported_invalidating_method_is_CACHKA027(string members) => VerifyMembersAsync(members);

    [Test]
    public Task A_hand_written_implementing_part_is_CACHKA027() => VerifyMembersAsync("""
            [InvalidatesCached(nameof(Get))]
            public partial void {|CACHKA027:Rename|}(int id);
            public partial void Rename(int id) { }
        """);

    [TestCase("\"user:{userId}\"", TestName = "CACHKA020 (InvalidatesTag): a name that names nothing")]
    [TestCase("\"user:{ct}\"", TestName = "CACHKA020 (InvalidatesTag): the CancellationToken parameter")]
    [TestCase("\"user:{stream}\"", TestName = "CACHKA020 (InvalidatesTag): a parameter without a key form")]
    [TestCase("\"user:{id\"", TestName = "CACHKA020 (InvalidatesTag): bad braces")]
    [TestCase("\"\"", TestName = "CACHKA020 (InvalidatesTag): empty")]
    public Task An_invalid_InvalidatesTag_template_is_CACHKA020(string tag) => VerifyMembersAsync($$"""
            [InvalidatesTag({|CACHKA020:{{tag}}|})]
            public partial Task RenameAsync(int id, System.IO.Stream stream, CancellationToken ct);
            private Task RenameAsyncCore(int id, System.IO.Stream stream, CancellationToken ct) => Task.CompletedTask;
        """);

    [Test]
    public Task A_static_method_cannot_name_a_CacheKey_member_CACHKA020() => VerifyMembersAsync("""
            [InvalidatesTag({|#0:"t:{Tenant}"|})]
            public static partial void Drop(int id);
            private static void DropCore(int id) { }
        """,
        new DiagnosticResult(DiagnosticDescriptors.InvalidTag).WithLocation(0).WithArguments(
            "t:{Tenant}", "Drop",
            "names 'Tenant', which is neither a parameter nor (in a static method) a [CacheKey] member of 'Drop' (the text between braces must be a name exactly; write {{ and }} for literal braces); use one of: id"));

    [Test]
    public Task A_static_tag_invalidation_beside_an_instance_CacheSource_is_CACHKA014() => VerifyAsync("""
        public partial class Reports(ICache cache)
        {
            [CacheSource] private ICache Cache { get; } = cache;

            [InvalidatesTag("reports")]
            public static partial void {|#0:Clear|}();
            private static void ClearCore() { }
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.CacheSourceIgnored).WithLocation(0).WithArguments(
            "Cache", "the static method 'Clear' can only use a static [CacheSource] member and invalidates its tags in CacheRegistry.Get() instead; make the member static or the method an instance method"));
}

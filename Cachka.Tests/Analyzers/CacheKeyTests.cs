using Cachka.Analyzers;

namespace Cachka.Tests.Analyzers;

/// <summary>CACHKA007, 010, 011, 013: what goes into a key.</summary>
public class CacheKeyTests
{
    private static Task VerifyAsync(string source) => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(source);

    private static Task VerifyMembersAsync(string source) => AnalyzerTest.VerifyAsync<CacheMemberAnalyzer>(source);

    [TestCase("bool, char, sbyte, byte, short, ushort, int, uint, long, ulong, nint, nuint")]
    [TestCase("float, double, decimal, string, Int128, UInt128")]
    [TestCase("Guid, DateTime, DateTimeOffset, DateOnly, TimeOnly, TimeSpan, DayOfWeek")]
    [TestCase("int?, Guid?, DayOfWeek?, string?")]
    [TestCase("int[], List<string>, IReadOnlyList<Guid>, IList<long?>, IEnumerable<DayOfWeek>")]
    [TestCase("ICollection<TimeSpan>, IReadOnlyCollection<char>")]
    [TestCase("Sku, Money")]
    [TestCase("Point, Point?, Pair, (int, string?), Sku[], Money?, int[][], List<Point>")]
    public Task Encodable_parameter_types_report_nothing(string types)
    {
        var parameters = string.Join(", ", types.Split(", ").Select((type, i) => type + " p" + i));
        return VerifyAsync($$"""
            public sealed record Sku(string Value) : ICacheKeyFormattable
            {
                public string FormatCacheKey() => Value;
            }

            public readonly record struct Money(decimal Amount) : ICacheKeyFormattable
            {
                public string FormatCacheKey() => Amount.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            public sealed record Point(int X, int Y);

            public struct Pair
            {
                public string? Name;
                public int Count { get; init; }
            }

            public partial class Holder
            {
                [Cached] public static partial int Get({{parameters}});
                private static int GetCore({{parameters}}) => 0;
            }
            """);
    }

    [Test]
    public Task A_type_parameter_is_checked_at_run_time_even_when_constrained_to_ICacheKeyFormattable() => VerifyAsync("""
        public partial class Holder<TKey> where TKey : ICacheKeyFormattable
        {
            [Cached] public static partial int Get(TKey {|CACHKA015:key|}, IReadOnlyList<TKey> {|CACHKA015:more|}, object {|CACHKA015:any|});
            private static int GetCore(TKey key, IReadOnlyList<TKey> more, object any) => 0;
        }
        """);

    [TestCase("Dictionary<string, int>", TestName = "Dictionary parameter is CACHKA007")]
    [TestCase("int[,]", TestName = "Two-dimensional array parameter is CACHKA007")]
    [TestCase("Uri", TestName = "Uri parameter is CACHKA007")]
    [TestCase("System.IO.Stream", TestName = "Stream parameter is CACHKA007")]
    [TestCase("Query", TestName = "Class with a private field is CACHKA007")]
    [TestCase("Open", TestName = "Record that is not sealed is CACHKA007")]
    [TestCase("Node", TestName = "Entity with a back-reference is CACHKA007")]
    [TestCase("List<Node>", TestName = "List of entities with back-references is CACHKA007")]
    [TestCase("Captured", TestName = "Class that captures a primary constructor parameter is CACHKA007")]
    [TestCase("Hidden", TestName = "Record with a computed property over a private field is CACHKA007")]
    [TestCase("IComparable", TestName = "Interface parameter is CACHKA007")]
    [TestCase("Func<int>", TestName = "Delegate parameter is CACHKA007")]
    public Task Parameter_type_without_a_key_form_is_CACHKA007(string type) => VerifyAsync($$"""
        public class Query(int id) { private readonly int _id = id; }
        public record Open(int Id);
        public sealed class Node { public int Id { get; set; } public Node? Parent { get; set; } }
        public sealed class Captured(int id) { public int Twice => id * 2; }
        public sealed record Hidden { private int _value; public int Value => _value; }

        public partial class Holder
        {
            [Cached] public static partial int Get(int id, {{type}} {|CACHKA007:value|});
            private static int GetCore(int id, {{type}} value) => 0;
        }
        """);

    [Test]
    public Task Parameters_left_out_of_the_key_report_nothing() => VerifyAsync("""
        public sealed record Point(int X, int Y);

        public partial class Holder
        {
            [Cached] public static partial Task<int> GetAsync(int id, [NotCacheKey] Point hint, [NotCacheKey] IServiceProvider services, CancellationToken ct);
            private static Task<int> GetAsyncCore(int id, Point hint, IServiceProvider services, CancellationToken ct) => Task.FromResult(id);
        }
        """);

    [TestCase("CancellationTokenSource", TestName = "CancellationTokenSource parameter is CACHKA011")]
    [TestCase("IProgress<int>", TestName = "IProgress parameter is CACHKA011")]
    [TestCase("IServiceProvider", TestName = "IServiceProvider parameter is CACHKA011")]
    [TestCase("RequestContext", TestName = "Context-named parameter is CACHKA011")]
    [TestCase("AccessToken", TestName = "Token-named parameter is CACHKA011")]
    [TestCase("CancellationToken?", TestName = "Nullable CancellationToken parameter is CACHKA011")]
    public Task Context_like_parameter_in_the_key_is_CACHKA011(string type) => VerifyAsync($$"""
        public sealed class RequestContext { private int _request; }
        public sealed class AccessToken { private string? _value; }

        public partial class Holder
        {
            [Cached] public static partial int Get(int id, {{type}} {|CACHKA011:context|});
            private static int GetCore(int id, {{type}} context) => 0;
        }
        """);

    [Test]
    public Task A_token_type_that_implements_ICacheKeyFormattable_is_data() => VerifyAsync("""
        public sealed record PageToken(string Value) : ICacheKeyFormattable
        {
            public string FormatCacheKey() => Value;
        }

        public partial class Holder
        {
            [Cached] public static partial int Get(PageToken page);
            private static int GetCore(PageToken page) => 0;
        }
        """);

    [Test]
    public Task Instance_method_without_CacheKey_members_is_CACHKA010() => VerifyAsync("""
        public partial class Holder
        {
            [Cached] public partial int {|CACHKA010:Get|}(int id);
            private int GetCore(int id) => id;
        }
        """);

    [Test]
    public Task Instance_method_with_CacheKey_members_or_simplified_serialization_reports_nothing() => VerifyAsync("""
        public abstract class TenantScoped
        {
            [CacheKey] protected string Tenant = "a";
        }

        public partial class WithInheritedKey : TenantScoped
        {
            [Cached] public partial int Get(int id);
            private int GetCore(int id) => id;
        }

        public partial class Shared
        {
            [Cached(SimplifiedSelfSerialization = true)] public partial int Get(int id);
            private int GetCore(int id) => id;
        }
        """);

    [Test]
    public Task CacheKey_member_of_an_encodable_type_reports_nothing() => VerifyMembersAsync("""
        public class Holder
        {
            [CacheKey] public string Tenant { get; set; } = "";
            [CacheKey] private readonly int _region = 1;
            [CacheKey] public Guid[] Scopes { get; } = [];
        }
        """);

    [Test]
    public Task CacheKey_member_of_a_type_without_a_key_form_is_CACHKA007() => VerifyMembersAsync("""
        public class Settings { public int Level { get; set; } }

        public class Holder
        {
            [CacheKey] public Settings {|CACHKA007:Options|} { get; set; } = new();
        }
        """);

    [Test]
    public Task A_private_CacheKey_member_of_a_base_type_does_not_count() => VerifyAsync("""
        public class TenantScoped
        {
            [CacheKey] private string _tenant = "a";
        }

        public partial class Holder : TenantScoped
        {
            [Cached] public partial int {|CACHKA010:Get|}(int id);
            private int GetCore(int id) => id;
        }
        """);

    [Test]
    public Task CacheSource_members_of_type_ICache_report_nothing() => VerifyMembersAsync("""
        public partial class Holder(ICache cache)
        {
            [CacheSource] private readonly ICache _cache = cache;
            [CacheSource] public static ICache? Shared { get; set; }
        }
        """);

    [Test]
    public Task CacheSource_member_that_is_not_an_ICache_is_CACHKA014() => VerifyMembersAsync("""
        public class Holder
        {
            [CacheSource] private readonly object {|CACHKA014:_cache|} = new();
            [CacheSource] public ICache {|CACHKA014:Sink|} { set { } }
        }
        """);

    [Test]
    public Task Static_method_with_only_an_instance_CacheSource_is_CACHKA014() => VerifyAsync("""
        public partial class Holder(ICache cache)
        {
            [CacheSource] private ICache Cache { get; } = cache;

            [Cached] public static partial int {|CACHKA014:Get|}(int id);
            private static int GetCore(int id) => id;
        }

        public partial class WithStaticSource
        {
            [CacheSource] private static ICache? Cache { get; set; }

            [Cached] public static partial int Get(int id);
            private static int GetCore(int id) => id;
        }
        """);

    [Test]
    public Task CacheKey_on_a_static_member_an_indexer_or_a_write_only_property_is_CACHKA013() => VerifyMembersAsync("""
        public class Holder
        {
            [CacheKey] public static string {|CACHKA013:Region|} = "eu";
            [CacheKey] public int {|CACHKA013:this|}[int i] => i;
            [CacheKey] public string {|CACHKA013:Secret|} { set { } }
        }
        """);
}

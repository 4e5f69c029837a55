namespace Cachka.Tests.Generators;

/// <summary>
/// The generated code of every interesting input, pinned as a snapshot; each output must also compile
/// without a warning against net10 and the runtime.
/// </summary>
public sealed class GeneratorSnapshotTests
{
    private static void Verify(string name, params string[] sources)
    {
        var result = GeneratorHarness.Run(sources);
        Assert.That(result.Files, Is.Not.Empty, "nothing was generated");
        Assert.That(result.Diagnostics, Is.Empty, result.DiagnosticsText + "\n\n" + result.AllText);
        Snapshot.Match(result.AllText, name);
    }

    [Test]
    public void Sync_instance_method_with_CacheKey_members() => Verify(nameof(Sync_instance_method_with_CacheKey_members), """
        using Cachka;
        namespace Shop.Services;

        public sealed record Product(int Id, string Name);

        public partial class CatalogService(string region)
        {
            [CacheKey] public string Region { get; } = region;
            [CacheKey] private readonly int _tenant = 7;

            [Cached(Ttl = 120)]
            public partial Product? GetProduct(int id);

            private Product? GetProductCore(int id) => new(id, Region + _tenant);
        }
        """);

    [Test]
    public void Stubs_for_methods_the_generator_cannot_implement() => Verify(nameof(Stubs_for_methods_the_generator_cannot_implement), """
        using System;
        using System.Threading.Tasks;
        using Cachka;
        namespace Shop.Services;

        public partial class Outer<TOuter>
        {
            public partial record class Catalog
            {
                // No GetCore: a stub lets the build reach CACHKA002.
                [Cached(Ttl = 60)]
                public partial (int Id, string? Name) Get(int @class, string? name = null);

                // Ref kinds and a generic method: CACHKA005, CACHKA006.
                [Cached]
                internal partial ref readonly TOuter Find<T>(ref int a, out long b, in Guid c, ref readonly DateTime d, scoped ReadOnlySpan<char> e, params T[] rest);

                // Non-generic Task: CACHKA004.
                [Cached]
                protected virtual partial Task Refresh(int id);
            }
        }

        public static partial class Extensions
        {
            [Cached(Ttl = 0)]
            public static partial int Length(this string? text);

            private static int LengthCore(string? text) => text?.Length ?? 0;
        }
        """);

    [Test]
    public void Task_and_ValueTask_with_cancellation_token() => Verify(nameof(Task_and_ValueTask_with_cancellation_token), """
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;
        namespace Shop;

        public partial class Users
        {
            [Cached(SimplifiedSelfSerialization = true)]
            public partial Task<string?> FindAsync(int id, CancellationToken ct = default);
            private Task<string?> FindAsyncCore(int id, CancellationToken ct) => Task.FromResult<string?>("u" + id);

            [Cached(Ttl = 30, SimplifiedSelfSerialization = true)]
            internal partial ValueTask<int> CountAsync(string group, CancellationToken cancellationToken);
            private ValueTask<int> CountAsyncCore(string group, CancellationToken cancellationToken) => new(group.Length);

            [Cached(SimplifiedSelfSerialization = true)]
            public partial ValueTask<long> TotalAsync();
            private static ValueTask<long> TotalAsyncCore() => new(42L);
        }
        """);

    [Test]
    public void Static_methods_in_a_static_class() => Verify(nameof(Static_methods_in_a_static_class), """
        using Cachka;
        namespace Maths;

        internal static partial class Primes
        {
            [Cached(Ttl = 3600)]
            public static partial bool IsPrime(long n);
            private static bool IsPrimeCore(long n) => n > 1;

            [Cached]
            internal static partial int[] Below(int limit, [NotCacheKey] bool trace = false);
            private static int[] BelowCore(int limit, bool trace) => [];
        }
        """);

    [Test]
    public void Nested_and_generic_containing_types() => Verify(nameof(Nested_and_generic_containing_types), """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using Cachka;
        namespace Data;

        public partial class Outer<TOuter>
        {
            public partial class Repository<TItem> where TItem : class, new()
            {
                [Cached(SimplifiedSelfSerialization = true)]
                public partial Task<TItem?> GetAsync(int id, TOuter scope);
                private Task<TItem?> GetAsyncCore(int id, TOuter scope) => Task.FromResult<TItem?>(new TItem());

                [Cached(SimplifiedSelfSerialization = true)]
                public partial List<TItem> All(IReadOnlyList<TItem> seed);
                private List<TItem> AllCore(IReadOnlyList<TItem> seed) => new(seed);
            }

            private partial struct Hidden
            {
                [Cached] public static partial int Twice(int x);
                private static int TwiceCore(int x) => 2 * x;
            }
        }
        """);

    [Test]
    public void Overloads_get_distinct_keys_and_members() => Verify(nameof(Overloads_get_distinct_keys_and_members), """
        using Cachka;
        namespace Shop;

        public partial class Prices
        {
            [Cached(SimplifiedSelfSerialization = true)] public partial decimal Price(int id);
            private decimal PriceCore(int id) => id;

            [Cached(SimplifiedSelfSerialization = true)] public partial decimal Price(string sku);
            private decimal PriceCore(string sku) => sku.Length;

            [Cached(SimplifiedSelfSerialization = true)] public partial decimal Price(int id, [NotCacheKey] string? reason);
            private decimal PriceCore(int id, string? reason) => id;
        }
        """);

    [Test]
    public void Every_supported_key_type() => Verify(nameof(Every_supported_key_type), """
        using System;
        using System.Collections.Generic;
        using Cachka;
        namespace Keys;

        public enum Color : byte { Red, Green }

        public sealed class Money(decimal amount) : ICacheKeyFormattable
        {
            public string FormatCacheKey() => amount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public sealed record Filter(string Text, int Page);

        public static partial class AllKeys
        {
            [Cached]
            public static partial string Scalars(bool b, char c, sbyte sb, byte by, short s, ushort us, int i, uint ui, long l, ulong ul,
                float f, double d, decimal m, string? text, nint ni, nuint nu);
            private static string ScalarsCore(bool b, char c, sbyte sb, byte by, short s, ushort us, int i, uint ui, long l, ulong ul,
                float f, double d, decimal m, string? text, nint ni, nuint nu) => "";

            [Cached]
            public static partial string Structs(Guid g, DateTime dt, DateTimeOffset dto, DateOnly day, TimeOnly time, TimeSpan span, Color color);
            private static string StructsCore(Guid g, DateTime dt, DateTimeOffset dto, DateOnly day, TimeOnly time, TimeSpan span, Color color) => "";

            [Cached]
            public static partial string Nullables(int? i, double? d, DateTime? dt, Color? color, Guid? g);
            private static string NullablesCore(int? i, double? d, DateTime? dt, Color? color, Guid? g) => "";

            [Cached]
            public static partial string Sequences(int[] ids, List<string> names, IReadOnlyList<Color> colors, IList<Guid> guids, IEnumerable<double?> values);
            private static string SequencesCore(int[] ids, List<string> names, IReadOnlyList<Color> colors, IList<Guid> guids, IEnumerable<double?> values) => "";

            [Cached]
            public static partial string Others(Money? money, Filter filter, object? anything);
            private static string OthersCore(Money? money, Filter filter, object? anything) => "";
        }
        """);

    [Test]
    public void Records_structs_and_tuples_keyed_member_by_member() => Verify(nameof(Records_structs_and_tuples_keyed_member_by_member), """
        using System;
        using System.Collections.Generic;
        using Cachka;
        namespace Keys;

        public enum Kind { A, B }
        public sealed record Criteria(string? Text, int Page, Kind? Kind);
        public readonly record struct Point(double X, double Y);
        public struct Window { public DateTime From; public TimeSpan Length { get; init; } }
        public sealed class Order { public int Id { get; init; } public List<Point> Path { get; init; } = new(); public Criteria? Filter; }

        public static partial class Composites
        {
            [Cached] public static partial int Count(Criteria criteria, Point? at, Window window);
            private static int CountCore(Criteria criteria, Point? at, Window window) => 0;

            [Cached] public static partial int Total(Order order, (int Id, string? Name) pair, IReadOnlyList<Criteria?> many);
            private static int TotalCore(Order order, (int Id, string? Name) pair, IReadOnlyList<Criteria?> many) => 0;
        }
        """);

    [Test]
    public void Methods_that_cannot_be_keyed_call_their_body() => Verify(nameof(Methods_that_cannot_be_keyed_call_their_body), """
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;
        namespace Shop;

        public class Query(int id) { private readonly int _id = id; public int Id => _id; }

        public partial class PriceList(string currency)
        {
            public string Currency { get; } = currency;

            // CACHKA010: neither [CacheKey] members nor SimplifiedSelfSerialization.
            [Cached] public partial decimal Get(string sku);
            private decimal GetCore(string sku) => 0m;

            // CACHKA007: Query keeps its state private.
            [Cached(SimplifiedSelfSerialization = true)] public partial Task<int> CountAsync(Query query, CancellationToken ct);
            private Task<int> CountAsyncCore(Query query, CancellationToken ct) => Task.FromResult(query.Id);

            // CACHKA007: a stream has no value a key could hold.
            [Cached] public static partial long Length(Stream content);
            private static long LengthCore(Stream content) => content.Length;
        }
        """);

    [Test]
    public void Implementation_NotCacheKey_and_defaults() => Verify(nameof(Implementation_NotCacheKey_and_defaults), """
        using Cachka;
        namespace Shop;

        public enum Sort { Name = 1, Price = 2 }

        public partial class Search
        {
            [Cached(Implementation = nameof(RunSearch), SimplifiedSelfSerialization = true)]
            public partial string[] Find(string query = "all", int page = 1, Sort sort = Sort.Price, double boost = 0.5,
                [NotCacheKey] bool verbose = false, params string[] tags);

            private string[] RunSearch(string query, int page, Sort sort, double boost, bool verbose, string[] tags) => tags;
        }
        """);

    [Test]
    public void Global_namespace_records_and_structs() => Verify(nameof(Global_namespace_records_and_structs), """
        using Cachka;

        public partial record Settings(string Name)
        {
            [Cached(SimplifiedSelfSerialization = true)] public partial string Get(string key);
            private string GetCore(string key) => Name + key;
        }

        public readonly partial record struct Point(int X, int Y)
        {
            [Cached] public partial double Distance(int x, int y);
            private double DistanceCore(int x, int y) => System.Math.Sqrt((X - x) * (X - x) + (Y - y) * (Y - y));
            [CacheKey] public int Key => X * 31 + Y;
        }

        internal partial struct Counter
        {
            [Cached(SimplifiedSelfSerialization = true)] internal partial int Next(int step);
            private int NextCore(int step) => step + 1;
        }
        """);

    [Test]
    public void Cache_source_routes_to_a_member() => Verify(nameof(Cache_source_routes_to_a_member), """
        using System.Threading.Tasks;
        using Cachka;
        namespace Routing;

        public partial class Routed(ICache cache)
        {
            [CacheSource] private readonly ICache _cache = cache;
            [CacheSource] private static ICache? Shared { get; set; }

            [Cached(SimplifiedSelfSerialization = true)] public partial Task<int> Instance(int x);
            private Task<int> InstanceCore(int x) => Task.FromResult(x);

            [Cached] public static partial int Static(int x);
            private static int StaticCore(int x) => x;
        }
        """);

    [Test]
    public void Methods_spread_over_several_partial_files() => Verify(
        nameof(Methods_spread_over_several_partial_files),
        """
        using Cachka;
        namespace Split;

        public partial class Service
        {
            [Cached(SimplifiedSelfSerialization = true)] public partial int A(int x);
        }
        """,
        """
        using Cachka;
        namespace Split;

        public partial class Service
        {
            [Cached(SimplifiedSelfSerialization = true)] public partial string B(string y);
            private int ACore(int x) => x;
        }
        """,
        """
        namespace Split;

        public partial class Service
        {
            private string BCore(string y) => y;
        }
        """);

    [Test]
    public void Nullable_oblivious_code_block_namespace_and_virtual_members() => Verify(nameof(Nullable_oblivious_code_block_namespace_and_virtual_members), """
        #nullable disable
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using Cachka;

        namespace Legacy.Code
        {
            public partial class Repository
            {
                [Cached(SimplifiedSelfSerialization = true)]
                public virtual partial Task<List<string>> Names(string prefix, string[] filters);
                private Task<List<string>> NamesCore(string prefix, string[] filters) => Task.FromResult(new List<string>());

                [Cached(SimplifiedSelfSerialization = true)]
                protected internal partial string Describe(object item);
                private string DescribeCore(object item) => "";
            }
        }
        """);

    [Test]
    public void Tags_with_templates_and_resilience_options() => Verify(nameof(Tags_with_templates_and_resilience_options), """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;
        namespace Shop;

        public enum Region { Eu = 1, Us = 2 }

        public partial class Users
        {
            [CacheKey] public string Tenant { get; init; } = "";

            // A constant tag lives in the static options; templates are written from the key, on a miss.
            [Cached(Ttl = 120, Tags = ["users", "user:{userId}", "{{tenant}}:{Tenant}|{region}"], Jitter = 10, FailSafeMaxDuration = 7200,
                FailSafeThrottleDuration = 30, FactorySoftTimeoutMs = 100, FactoryHardTimeoutMs = 2000, EagerRefreshThreshold = 0.8)]
            public partial Task<string> GetAsync(int userId, Region region, Guid? session, CancellationToken ct = default);
            private Task<string> GetAsyncCore(int userId, Region region, Guid? session, CancellationToken ct) => Task.FromResult("");

            // Only constant tags and options: the ordinary (non-adaptive) call.
            [Cached(SimplifiedSelfSerialization = true, Tags = ["names"], Jitter = 5)]
            public static partial string Name(int id);
            private static string NameCore(int id) => "";
        }
        """);

    [Test]
    public void Adaptive_bodies_take_a_CacheFactoryContext() => Verify(nameof(Adaptive_bodies_take_a_CacheFactoryContext), """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;
        namespace Auth;

        public sealed record Token(string Value, DateTimeOffset Expires);

        public static partial class Tokens
        {
            // Sync: the context is the last parameter.
            [Cached(Ttl = 3600)]
            public static partial Token? Get(string user);
            private static Token? GetCore(string user, CacheFactoryContext context)
            {
                context.DoNotCache();
                return null;
            }

            // ValueTask: the context comes just before the trailing CancellationToken; with a tag template too.
            [Cached(Tags = ["user:{user}"])]
            public static partial ValueTask<Token> FetchAsync(string user, CancellationToken ct = default);
            private static ValueTask<Token> FetchAsyncCore(string user, CacheFactoryContext context, CancellationToken ct) => default;

            // Task: the context last, after the token.
            [Cached]
            public static partial Task<Token> LoadAsync(string user, CancellationToken ct);
            private static Task<Token> LoadAsyncCore(string user, CancellationToken ct, CacheFactoryContext context) => null!;

            // Not cached (no key form for object values that are not keyable at run time): the body still gets a context.
            [Cached]
            public static partial int Count(IEnumerable<object> items);
            private static int CountCore(IEnumerable<object> items, CacheFactoryContext context) => 0;
        }
        """);

    [Test]
    public void InvalidatesCached_sync_and_async() => Verify(nameof(InvalidatesCached_sync_and_async), """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;
        namespace Shop;

        public sealed record User(int Id, string Name);

        public partial class Users(ICache cache)
        {
            [CacheSource] private readonly ICache _cache = cache;
            [CacheKey] public string Tenant { get; init; } = "";

            [Cached(Ttl = 60)]
            public partial User? Get(int id);
            private User? GetCore(int id) => null;

            [Cached(Ttl = 60)]
            public partial Task<User?> FindAsync(int id, string region, CancellationToken ct = default);
            private Task<User?> FindAsyncCore(int id, string region, CancellationToken ct) => Task.FromResult<User?>(null);

            [Cached]
            public static partial int Count(IEnumerable<int> ids);
            private static int CountCore(IEnumerable<int> ids) => 0;

            // void, sync: the entry goes after the body returns.
            [InvalidatesCached(nameof(Get))]
            public partial void Rename(int id, string name);
            private void RenameCore(int id, string name) { }

            // A value, and two targets: both run; the extra parameters are the body's only.
            [InvalidatesCached(nameof(Get))]
            [InvalidatesCached(nameof(FindAsync))]
            public partial bool Move(int id, string region, string to);
            private bool MoveCore(int id, string region, string to) => true;

            // Task: after the task completed; a named body.
            [InvalidatesCached(nameof(FindAsync), Implementation = nameof(SaveToDatabase))]
            public partial Task SaveAsync(int id, string region, CancellationToken ct);
            private Task SaveToDatabase(int id, string region, CancellationToken ct) => Task.CompletedTask;

            // Task<T>, ValueTask and ValueTask<T>.
            [InvalidatesCached(nameof(Get))]
            public partial Task<int> DeleteAsync(int id);
            private Task<int> DeleteAsyncCore(int id) => Task.FromResult(1);

            [InvalidatesCached(nameof(Get))]
            internal partial ValueTask TouchAsync(int id);
            private ValueTask TouchAsyncCore(int id) => default;

            [InvalidatesCached(nameof(Get))]
            internal partial ValueTask<string> LabelAsync(int id);
            private ValueTask<string> LabelAsyncCore(int id) => new("");

            // A static target from a static method; a sequence read once for the body and the key.
            [InvalidatesCached(nameof(Count))]
            public static partial void Recount(IEnumerable<int> ids);
            private static void RecountCore(IEnumerable<int> ids) { }

            // A key checked at run time: removed only when the value has a key form.
            [Cached]
            public static partial int Describe(object item);
            private static int DescribeCore(object item) => 0;

            [InvalidatesCached(nameof(Describe))]
            public static partial void Forget(object item);
            private static void ForgetCore(object item) { }

            // A target that is not cached (no key form: CACHKA007): nothing to remove.
            [Cached]
            public static partial long Size(System.IO.Stream body);
            private static long SizeCore(System.IO.Stream body) => 0;

            [InvalidatesCached(nameof(Size))]
            public static partial void Truncate(System.IO.Stream body);
            private static void TruncateCore(System.IO.Stream body) { }
        }
        """);

    [Test]
    public void InvalidatesTag_sync_and_async() => Verify(nameof(InvalidatesTag_sync_and_async), """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;
        namespace Shop;

        public enum Region { Eu = 1, Us = 2 }
        public sealed record Period(DateOnly From, DateOnly To);

        public partial class Orders
        {
            [CacheKey] public string Tenant { get; init; } = "";

            [Cached(Tags = ["orders:{Tenant}:{customerId}"])]
            public partial Task<int> CountAsync(long customerId, CancellationToken ct = default);
            private Task<int> CountAsyncCore(long customerId, CancellationToken ct) => Task.FromResult(0);

            // A template naming a parameter and a [CacheKey] member, and a constant tag; sync.
            [InvalidatesTag("orders:{Tenant}:{customerId}")]
            [InvalidatesTag("orders")]
            public partial void Place(long customerId, decimal amount);
            private void PlaceCore(long customerId, decimal amount) { }

            // Async, with nullable, enum, record and object values, and both kinds of attribute.
            [InvalidatesTag("report:{region}:{day}:{period}")]
            [InvalidatesTag("any:{item}")]
            [InvalidatesCached(nameof(CountAsync))]
            public partial Task<bool> CloseAsync(long customerId, Region region, DateOnly? day, Period period, object item, CancellationToken ct);
            private Task<bool> CloseAsyncCore(long customerId, Region region, DateOnly? day, Period period, object item, CancellationToken ct) => Task.FromResult(true);

            // Escaped braces; a static method.
            [InvalidatesTag("{{all}}:{id}")]
            public static partial ValueTask PurgeAsync(Guid id);
            private static ValueTask PurgeAsyncCore(Guid id) => default;
        }
        """);

    [Test]
    public void Invalidation_in_a_nested_generic_type() => Verify(nameof(Invalidation_in_a_nested_generic_type), """
        using System.Threading.Tasks;
        using Cachka;
        namespace Data;

        public static partial class Stores
        {
            public partial class Repository<TKey> where TKey : notnull
            {
                [Cached(SimplifiedSelfSerialization = true, Tags = ["repo:{id}"])]
                public partial string Get(TKey id);
                private string GetCore(TKey id) => "";

                [InvalidatesCached(nameof(Get))]
                [InvalidatesTag("repo:{id}")]
                public partial ValueTask<bool> SaveAsync(TKey id, string value);
                private ValueTask<bool> SaveAsyncCore(TKey id, string value) => new(true);

                // Two invalidating overloads: distinct file names.
                [InvalidatesTag("all")]
                public partial void Clear();
                private void ClearCore() { }

                [InvalidatesTag("repo:{id}")]
                public partial void Clear(TKey id);
                private void ClearCore(TKey id) { }
            }
        }
        """);
}

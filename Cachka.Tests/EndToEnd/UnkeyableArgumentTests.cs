using Cachka.Tests.Analyzers;
using Cachka.Tests.Runtime;

namespace Cachka.Tests.EndToEnd;

/// <summary>
/// Issue 7, keys and instance identity, tried as a user would: a scratch project built with the generator
/// and the analyzers. An argument or instance Cachka cannot key is reported, and every call still gets
/// its own result (the body runs, uncached) instead of another call's, and never an exception.
/// </summary>
public sealed class UnkeyableArgumentTests
{
    private const string NotCached = "calls its body every time without caching";

    [Test]
    public async Task A_class_with_private_state_is_reported_and_each_argument_gets_its_own_result()
    {
        const string Source = """
            public class Query(int id) { private readonly int _id = id; public override string ToString() => "q" + _id; }

            public static partial class Counts
            {
                [CacheSource] public static ICache? Cache { get; set; }
                public static int Calls;

                [Cached] public static partial string Count(Query query);
                private static string CountCore(Query query) { Calls++; return query.ToString(); }
            }

            public static class Scenario
            {
                public static string Run(ICache cache)
                {
                    Counts.Cache = cache;
                    var results = new[] { Counts.Count(new Query(1)), Counts.Count(new Query(2)), Counts.Count(new Query(1)) };
                    return string.Join(",", results) + " calls=" + Counts.Calls;
                }
            }
            """;

        var messages = await ScratchProject.MessagesAsync(Source);
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0], Does.StartWith("CACHKA007: Parameter 'query' of type 'Query' cannot be part of a cache key: 'Query' is not sealed"));
        Assert.That(messages[0], Does.Contain("'Count' " + NotCached));

        using var cache = TestCaches.Memory();
        Assert.That(ScratchProject.Run(ScratchProject.Build(Source), "Scenario", "Run", cache), Is.EqualTo("q1,q2,q1 calls=3"));
    }

    [Test]
    public async Task A_sealed_class_with_a_private_field_is_reported_and_each_argument_gets_its_own_result()
    {
        const string Source = """
            public sealed class Query(int id) { private readonly int _id = id; public int Peek() => _id; }

            public static partial class Counts
            {
                [CacheSource] public static ICache? Cache { get; set; }
                public static int Calls;

                [Cached] public static partial int Count(Query query);
                private static int CountCore(Query query) { Calls++; return query.Peek() * 10; }
            }

            public static class Scenario
            {
                public static string Run(ICache cache)
                {
                    Counts.Cache = cache;
                    return Counts.Count(new Query(1)) + "," + Counts.Count(new Query(2)) + " calls=" + Counts.Calls;
                }
            }
            """;

        var messages = await ScratchProject.MessagesAsync(Source);
        Assert.That(messages, Is.EqualTo(new[]
        {
            "CACHKA007: Parameter 'query' of type 'Query' cannot be part of a cache key: its field '_id' is not public, so the key cannot hold it. "
                + "Different values could share a key and get each other's results, so 'Count' " + NotCached
                + "; to cache it, implement Cachka.ICacheKeyFormattable on 'Query', use a keyable type, or mark the parameter [NotCacheKey]",
        }));

        using var cache = TestCaches.Memory();
        Assert.That(ScratchProject.Run(ScratchProject.Build(Source), "Scenario", "Run", cache), Is.EqualTo("10,20 calls=2"));
    }

    [Test]
    public async Task A_class_with_public_fields_that_is_not_sealed_is_reported_and_each_argument_gets_its_own_result()
    {
        const string Source = """
            public class Range { public int From; public int To; }

            public static partial class Sums
            {
                [CacheSource] public static ICache? Cache { get; set; }
                public static int Calls;

                [Cached] public static partial int Sum(Range range);
                private static int SumCore(Range range) { Calls++; return range.From + range.To; }
            }

            public static class Scenario
            {
                public static string Run(ICache cache)
                {
                    Sums.Cache = cache;
                    return Sums.Sum(new Range { From = 1, To = 2 }) + "," + Sums.Sum(new Range { From = 10, To = 20 }) + " calls=" + Sums.Calls;
                }
            }
            """;

        var messages = await ScratchProject.MessagesAsync(Source);
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0], Does.StartWith("CACHKA007: Parameter 'range' of type 'Range' cannot be part of a cache key: 'Range' is not sealed, so a value may be of a derived class"));

        using var cache = TestCaches.Memory();
        Assert.That(ScratchProject.Run(ScratchProject.Build(Source), "Scenario", "Run", cache), Is.EqualTo("3,30 calls=2"));
    }

    [Test]
    public async Task A_sealed_class_with_public_fields_is_keyed_member_by_member()
    {
        const string Source = """
            public sealed class Range { public int From; public int To; public string? Label; }

            public static partial class Sums
            {
                [CacheSource] public static ICache? Cache { get; set; }
                public static int Calls;

                [Cached] public static partial int Sum(Range range);
                private static int SumCore(Range range) { Calls++; return range.From + range.To; }
            }

            public static class Scenario
            {
                public static string Run(ICache cache)
                {
                    Sums.Cache = cache;
                    var results = new[]
                    {
                        Sums.Sum(new Range { From = 1, To = 2 }), Sums.Sum(new Range { From = 10, To = 20 }),
                        Sums.Sum(new Range { From = 1, To = 2 }), Sums.Sum(new Range { From = 1, To = 2, Label = "" }),
                    };
                    return string.Join(",", results) + " calls=" + Sums.Calls + " key=" + SumsCacheKeys.Sum(new Range { From = 1, To = 2, Label = "a|b" });
                }
            }
            """;

        Assert.That(await ScratchProject.MessagesAsync(Source), Is.Empty);

        using var cache = TestCaches.Memory();
        Assert.That(ScratchProject.Run(ScratchProject.Build(Source), "Scenario", "Run", cache),
            Is.EqualTo(@"3,30,3,3 calls=3 key=Sums.Sum(Range)|[1,2,a\|b]"));
    }

    [Test]
    public async Task Instances_of_a_type_without_CacheKey_members_are_reported_and_never_share_results()
    {
        const string Source = """
            public sealed partial class PriceList(string currency)
            {
                [CacheSource] public static ICache? Cache { get; set; }
                public static int Calls;

                public string Currency { get; } = currency;

                [Cached] public partial decimal Get(string sku);
                private decimal GetCore(string sku) { Calls++; return Currency == "USD" ? 1.10m : 1.00m; }
            }

            public static class Scenario
            {
                public static string Run(ICache cache)
                {
                    PriceList.Cache = cache;
                    var usd = new PriceList("USD").Get("sku1");
                    var eur = new PriceList("EUR").Get("sku1");
                    var again = new PriceList("USD").Get("sku1");
                    return usd + "," + eur + "," + again + " calls=" + PriceList.Calls;
                }
            }
            """;

        var messages = await ScratchProject.MessagesAsync(Source);
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0], Does.StartWith("CACHKA010: 'Get' is an instance method, but 'PriceList' has no [CacheKey] members"));
        Assert.That(messages[0], Does.Contain("'Get' " + NotCached));

        using var cache = TestCaches.Memory();
        Assert.That(ScratchProject.Run(ScratchProject.Build(Source), "Scenario", "Run", cache), Is.EqualTo("1.10,1.00,1.10 calls=3"));
    }

    [Test]
    public async Task A_Stream_argument_is_reported_and_the_call_runs_without_an_exception()
    {
        const string Source = """
            public static partial class Files
            {
                [CacheSource] public static ICache? Cache { get; set; }
                public static int Calls;

                [Cached] public static partial Task<long> LengthAsync(Stream content, CancellationToken ct = default);
                private static Task<long> LengthAsyncCore(Stream content, CancellationToken ct) { Calls++; return Task.FromResult(content.Length); }

                [Cached] public static partial long Length(Stream content);
                private static long LengthCore(Stream content) { Calls++; return content.Length; }
            }

            public static class Scenario
            {
                public static string Run(ICache cache)
                {
                    Files.Cache = cache;
                    var first = Files.LengthAsync(new MemoryStream(new byte[3])).Result;
                    var second = Files.LengthAsync(new MemoryStream(new byte[5])).Result;
                    var sync = Files.Length(new MemoryStream(new byte[7]));
                    return first + "," + second + "," + sync + " calls=" + Files.Calls;
                }
            }
            """;

        var messages = await ScratchProject.MessagesAsync(Source);
        Assert.That(messages, Has.Count.EqualTo(2));
        Assert.That(messages, Has.All.StartWith("CACHKA007: Parameter 'content' of type 'Stream' cannot be part of a cache key: 'Stream' is abstract"));

        using var cache = TestCaches.Memory();
        Assert.That(ScratchProject.Run(ScratchProject.Build(Source), "Scenario", "Run", cache), Is.EqualTo("3,5,7 calls=3"));
    }

    [Test]
    public async Task An_entity_with_a_back_reference_is_reported_and_the_call_runs_without_an_exception()
    {
        const string Source = """
            public sealed class Order
            {
                public int Id { get; set; }
                public Customer? Customer { get; set; }
            }

            public sealed class Customer
            {
                public string Name { get; set; } = "";
                public List<Order> Orders { get; } = new();
            }

            public static partial class Orders
            {
                [CacheSource] public static ICache? Cache { get; set; }
                public static int Calls;

                [Cached] public static partial string Describe(Order order);
                private static string DescribeCore(Order order) { Calls++; return order.Customer!.Name + "#" + order.Id; }
            }

            public static class Scenario
            {
                public static string Run(ICache cache)
                {
                    Orders.Cache = cache;
                    var ada = new Customer { Name = "ada" };
                    var bob = new Customer { Name = "bob" };
                    var first = new Order { Id = 1, Customer = ada };
                    var second = new Order { Id = 1, Customer = bob };
                    ada.Orders.Add(first);
                    bob.Orders.Add(second);
                    return Orders.Describe(first) + "," + Orders.Describe(second) + " calls=" + Orders.Calls;
                }
            }
            """;

        var messages = await ScratchProject.MessagesAsync(Source);
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0], Does.StartWith(
            "CACHKA007: Parameter 'order' of type 'Order' cannot be part of a cache key: its member 'Customer' of type 'Customer?' cannot be keyed: its member 'Orders' leads back to 'Order', a cycle"));

        using var cache = TestCaches.Memory();
        Assert.That(ScratchProject.Run(ScratchProject.Build(Source), "Scenario", "Run", cache), Is.EqualTo("ada#1,bob#1 calls=2"));
    }

    [Test]
    public async Task An_object_argument_without_a_key_form_runs_uncached_and_one_with_a_key_form_is_cached()
    {
        const string Source = """
            public static partial class Anything
            {
                [CacheSource] public static ICache? Cache { get; set; }
                public static int Calls;

                [Cached] public static partial string Describe(object? value);
                private static string DescribeCore(object? value) { Calls++; return value is Stream s ? "stream" + s.Length : value + ""; }
            }

            public static class Scenario
            {
                public static string Run(ICache cache)
                {
                    Anything.Cache = cache;
                    var results = new[]
                    {
                        Anything.Describe(new MemoryStream(new byte[2])), Anything.Describe(new MemoryStream(new byte[4])),
                        Anything.Describe(1), Anything.Describe(1), Anything.Describe("1"),
                    };
                    return string.Join(",", results) + " calls=" + Anything.Calls + " invalidated=" + Anything.InvalidateDescribe(new MemoryStream());
                }
            }
            """;

        var messages = await ScratchProject.MessagesAsync(Source);
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0], Does.StartWith("CACHKA015: Parameter 'value' of type 'object?' is keyed only when a call's value has a run-time type with a key form"));

        using var cache = TestCaches.Memory();
        Assert.That(ScratchProject.Run(ScratchProject.Build(Source), "Scenario", "Run", cache), Is.EqualTo("stream2,stream4,1,1,1 calls=4 invalidated=False"));
    }
}

using Cachka.Tests.Runtime;

namespace Cachka.Tests.EndToEnd;

/// <summary>Records, structs and tuples are keyed member by member: every member counts, delimiters and nulls included.</summary>
public sealed class KeyableArgumentTests
{
    private LayeredCache _cache = null!;

    [SetUp]
    public void SetUp() => _cache = TestCaches.Memory();

    [TearDown]
    public void TearDown() => _cache.Dispose();

    [Test]
    public void Records_that_differ_in_any_member_get_different_keys_even_with_delimiters_and_nulls()
    {
        var values = new Criteria?[]
        {
            new("a|b", "c"), new("a", "b|c"), new("a,b", "c"), new("a", "b,c"), new("a]", "b"), new("a", "]b"),
            new(null, ""), new("", null), new("", ""), new(null, null), new(@"\0", null), new("null", null), null,
        };

        var keys = values.Select(CompositeKeysCacheKeys.Join).ToList();

        Assert.That(keys.Distinct(StringComparer.Ordinal).Count(), Is.EqualTo(values.Length), string.Join("\n", keys));
        Assert.That(CompositeKeysCacheKeys.Join(new("a|b", "c")), Is.EqualTo(@"Cachka.Tests.EndToEnd.CompositeKeys.Join(Cachka.Tests.EndToEnd.Criteria)|[a\|b,c]"));
        Assert.That(CompositeKeysCacheKeys.Join(new(null, "")), Is.EqualTo(@"Cachka.Tests.EndToEnd.CompositeKeys.Join(Cachka.Tests.EndToEnd.Criteria)|[\0,]"));
    }

    [Test]
    public void Each_record_value_gets_its_own_result_and_an_equal_value_is_a_hit()
    {
        var service = new CompositeKeys(_cache);

        var results = new[]
        {
            service.Join(new("a|b", "c")), service.Join(new("a", "b|c")), service.Join(new(null, "")), service.Join(new("", null)),
            service.Join(null), service.Join(new("a|b", "c")),
        };

        Assert.That(results, Is.EqualTo(new[] { "a|b+c", "a+b|c", "null+", "+null", "none", "a|b+c" }));
        Assert.That(service.Calls, Is.EqualTo(5));
    }

    [Test]
    public void Structs_nullables_of_structs_and_tuples_are_keyed_by_every_member()
    {
        var service = new CompositeKeys(_cache);

        Assert.That(service.Width(new(1, 3), null), Is.EqualTo(2));
        Assert.That(service.Width(new(1, 4), null), Is.EqualTo(3));
        Assert.That(service.Width(new(1, 3), new(0, 10)), Is.EqualTo(12));
        Assert.That(service.Width(new(1, 3), null), Is.EqualTo(2));
        Assert.That(service.Calls, Is.EqualTo(3));

        var at = new Coordinates { Latitude = 1.5, Longitude = -2 };
        Assert.That(service.Locate(at, ("x", 1), [new("a", null)]), Is.EqualTo("1.5;-2;x;1;1"));
        Assert.That(service.Locate(at, ("x", 2), [new("a", null)]), Is.EqualTo("1.5;-2;x;2;1"));
        Assert.That(service.Locate(at, (null, 1), [new("a", null)]), Is.EqualTo("1.5;-2;;1;1"));
        Assert.That(service.Locate(new Coordinates { Latitude = 1.5, Longitude = 2 }, ("x", 1), [new("a", null)]), Is.EqualTo("1.5;2;x;1;1"));
        Assert.That(service.Locate(at, ("x", 1), [new("a", null), new("a", null)]), Is.EqualTo("1.5;-2;x;1;2"));
        Assert.That(service.Locate(at, ("x", 1), [new("a", null)]), Is.EqualTo("1.5;-2;x;1;1"));
        Assert.That(service.Calls, Is.EqualTo(8));
        Assert.That(CompositeKeysCacheKeys.Locate(at, ("x|y", 1), [new("a", null)]), Does.EndWith(@"|[1.5,-2]|[x\|y,1]|[1:[a,\0]]"));
    }

    [Test]
    public void Instances_that_do_not_say_how_they_differ_never_share_results()
    {
        var usd = new PriceList(_cache, "USD");
        var eur = new PriceList(_cache, "EUR");

        Assert.That(usd.Get("sku1"), Is.EqualTo(1.10m));
        Assert.That(eur.Get("sku1"), Is.EqualTo(1.00m));
        Assert.That(usd.Get("sku1"), Is.EqualTo(1.10m));
        Assert.That(usd.Calls + eur.Calls, Is.EqualTo(3));
        Assert.That(usd.InvalidateGet("sku1"), Is.False);
        Assert.That(() => PriceListCacheKeys.Get("sku1"), Throws.InvalidOperationException.With.Message.Contains("CACHKA010"));
    }

    [Test]
    public void Arguments_without_a_key_form_never_share_results()
    {
        QueryCounts.Cache = _cache;
        try
        {
            Assert.That(QueryCounts.Count(new Query(1)), Is.EqualTo(100));
            Assert.That(QueryCounts.Count(new Query(2)), Is.EqualTo(200));
            Assert.That(() => QueryCountsCacheKeys.Count(new Query(1)), Throws.InvalidOperationException.With.Message.Contains("CACHKA007"));
        }
        finally
        {
            QueryCounts.Cache = null;
        }
    }

    [Test]
    public void A_getter_that_computes_from_its_field_makes_the_type_unkeyable()
    {
        Assert.That(() => TagsCacheKeys.Describe(new Tag()), Throws.InvalidOperationException.With.Message.Contains("CACHKA007"));
        Assert.That(Tags.Describe(new Tag { Name = "x" }), Is.EqualTo("tag:x"));
    }
}

namespace Cachka.Tests.EndToEnd;

public sealed record Criteria(string? First, string? Second);

public readonly record struct Interval(int From, int To);

public sealed class Coordinates
{
    public double Latitude;
    public double Longitude;
}

/// <summary>Records, structs, sealed classes with public fields and tuples: keyed member by member.</summary>
public sealed partial class CompositeKeys(ICache cache)
{
    [CacheSource]
    private readonly ICache _cache = cache;

    public int Calls { get; private set; }

    [Cached(SimplifiedSelfSerialization = true)]
    public partial string Join(Criteria? criteria);

    private string JoinCore(Criteria? criteria)
    {
        Calls++;
        return criteria is null ? "none" : (criteria.First ?? "null") + "+" + (criteria.Second ?? "null");
    }

    [Cached(SimplifiedSelfSerialization = true)]
    public partial int Width(Interval interval, Interval? next);

    private int WidthCore(Interval interval, Interval? next)
    {
        Calls++;
        return interval.To - interval.From + (next is { } n ? n.To - n.From : 0);
    }

    [Cached(SimplifiedSelfSerialization = true)]
    public partial string Locate(Coordinates at, (string? Label, int Zoom) view, List<Criteria> history);

    private string LocateCore(Coordinates at, (string? Label, int Zoom) view, List<Criteria> history)
    {
        Calls++;
        return at.Latitude + ";" + at.Longitude + ";" + view.Label + ";" + view.Zoom + ";" + history.Count;
    }
}

/// <summary>The price list, in this assembly: no [CacheKey] members and no SimplifiedSelfSerialization.</summary>
public sealed partial class PriceList(ICache cache, string currency)
{
    [CacheSource]
    private readonly ICache _cache = cache;

    public string Currency { get; } = currency;

    public int Calls { get; private set; }

#pragma warning disable CACHKA010 // an instance method whose type does not say how instances differ is what this type tests
    [Cached]
    public partial decimal Get(string sku);
#pragma warning restore CACHKA010

    private decimal GetCore(string sku)
    {
        Calls++;
        return Currency == "USD" ? 1.10m : 1.00m;
    }
}

/// <summary>The query, in this assembly: its state is private, so it has no key form.</summary>
public class Query(int id)
{
    private readonly int _id = id;

    public int Peek() => _id;
}

public static partial class QueryCounts
{
    [CacheSource]
    public static ICache? Cache { get; set; }

#pragma warning disable CACHKA007 // an argument without a key form is what this method tests
    [Cached]
    public static partial int Count(Query query);
#pragma warning restore CACHKA007

    private static int CountCore(Query query) => query.Peek() * 100;
}

/// <summary>A getter over C# 14's <c>field</c> that maps two stored values to one: null and "" both read "".</summary>
public sealed class Tag
{
    public string Name { get => field ?? ""; set; }
}

public static partial class Tags
{
    [CacheSource]
    public static ICache? Cache { get; set; }

#pragma warning disable CACHKA007 // a property that computes its value from its field is what this method tests
    [Cached]
    public static partial string Describe(Tag tag);
#pragma warning restore CACHKA007

    private static string DescribeCore(Tag tag) => "tag:" + tag.Name;
}

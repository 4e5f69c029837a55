namespace Cachka.Tests.EndToEnd;

public sealed record User(int Id, string Name);

public enum Tier : short
{
    Free = 1,
    Pro = 2,
}

/// <summary>A service as users write it: [Cached] partial methods over uncached bodies, routed to a test's cache.</summary>
public sealed partial class UserService(ICache cache)
{
    private int _calls;

    [CacheSource]
    private ICache Cache { get; } = cache;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Set by a test to hold bodies until released (stampede tests).</summary>
    public ManualResetEventSlim? Gate { get; set; }

    public CancellationToken LastToken { get; private set; }

    [Cached(Ttl = 60, SimplifiedSelfSerialization = true)]
    public partial User GetUser(int id);

    [Cached(Ttl = 60, SimplifiedSelfSerialization = true)]
    public partial Task<User> LoadUserAsync(int id, CancellationToken cancellationToken = default);

    [Cached(Ttl = 60, SimplifiedSelfSerialization = true)]
    public partial ValueTask<User> FindUserAsync(int id, [NotCacheKey] string? traceId = null, CancellationToken cancellationToken = default);

    [Cached(Ttl = 30, SimplifiedSelfSerialization = true, Implementation = nameof(Search))]
    public partial string[] FindNames(string prefix, Tier tier, params int[] ids);

    [Cached(Ttl = 60, SimplifiedSelfSerialization = true)]
    public partial int Total(IEnumerable<int> values);

    private int TotalCore(IEnumerable<int> values)
    {
        Interlocked.Increment(ref _calls);
        return values.Sum();
    }

    // User is a sealed record with public state: keyed member by member; the key enumerates the argument too.
    [Cached(Ttl = 60, SimplifiedSelfSerialization = true)]
    public partial string Names(IEnumerable<User> users);

    private string NamesCore(IEnumerable<User> users)
    {
        Interlocked.Increment(ref _calls);
        return string.Join(",", users.Select(u => u.Name));
    }

    private User GetUserCore(int id)
    {
        Gate?.Wait(TimeSpan.FromSeconds(10));
        Interlocked.Increment(ref _calls);
        return new User(id, "user-" + id);
    }

    private async Task<User> LoadUserAsyncCore(int id, CancellationToken cancellationToken)
    {
        LastToken = cancellationToken;
        await Task.Yield();
        Gate?.Wait(TimeSpan.FromSeconds(10), cancellationToken);
        Interlocked.Increment(ref _calls);
        return new User(id, "user-" + id);
    }

    private ValueTask<User> FindUserAsyncCore(int id, string? traceId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return new ValueTask<User>(new User(id, "user-" + id + (traceId is null ? "" : "@" + traceId)));
    }

    private string[] Search(string prefix, Tier tier, int[] ids)
    {
        Interlocked.Increment(ref _calls);
        return [.. ids.Select(id => prefix + id + ":" + tier)];
    }
}

/// <summary>Key members: two tenants' instances never share entries.</summary>
public sealed partial class TenantCatalog(ICache cache, string tenant)
{
    [CacheSource]
    private readonly ICache _cache = cache;

    [CacheKey]
    public string Tenant { get; } = tenant;

    public int Calls { get; private set; }

    [Cached(Ttl = 120)]
    public partial string Describe(int productId);

    private string DescribeCore(int productId)
    {
        Calls++;
        return Tenant + "/" + productId;
    }
}

/// <summary>Static methods with every key type, to pin the key format.</summary>
public static partial class KeyFormats
{
    [CacheSource]
    public static ICache? Cache { get; set; }

    [Cached] public static partial string Texts(string? a, string? b);
    private static string TextsCore(string? a, string? b) => a + "|" + b;

    [Cached] public static partial string Numbers(int i, long l, double d, float f, decimal m, bool b, char c);
    private static string NumbersCore(int i, long l, double d, float f, decimal m, bool b, char c) => "";

    [Cached] public static partial string Times(DateTime at, DateTimeOffset offset, DateOnly day, TimeOnly time, TimeSpan span, Guid id);
    private static string TimesCore(DateTime at, DateTimeOffset offset, DateOnly day, TimeOnly time, TimeSpan span, Guid id) => "";

    [Cached] public static partial string Optional(int? count, Tier? tier, Tier plain);
    private static string OptionalCore(int? count, Tier? tier, Tier plain) => "";

    [Cached] public static partial string Lists(int[]? ids, List<string?> names, IReadOnlyList<Tier> tiers, IEnumerable<double> values);
    private static string ListsCore(int[]? ids, List<string?> names, IReadOnlyList<Tier> tiers, IEnumerable<double> values) => "";

#pragma warning disable CACHKA015 // an object key part, keyed by its run-time type, is what this method pins
    [Cached] public static partial string Others(Money money, Filter filter, object? anything);
#pragma warning restore CACHKA015
    private static string OthersCore(Money money, Filter filter, object? anything) => "";

    [Cached] public static partial string Overloaded(int x);
    private static string OverloadedCore(int x) => "int";

    [Cached] public static partial string Overloaded(long x);
    private static string OverloadedCore(long x) => "long";
}

public sealed class Money(decimal amount, string currency) : ICacheKeyFormattable
{
    public string FormatCacheKey() => amount.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + currency;
}

public sealed record Filter(string Text, int Page);

/// <summary>A generic containing type: each type argument gets its own entries.</summary>
public sealed partial class Box<T>(ICache cache)
{
    [CacheSource]
    private readonly ICache _cache = cache;

    public int Calls { get; private set; }

#pragma warning disable CACHKA015 // a type argument's key part is checked at run time, which this type exercises
    [Cached(SimplifiedSelfSerialization = true)]
    public partial string Describe(T value);
#pragma warning restore CACHKA015

    private string DescribeCore(T value)
    {
        Calls++;
        return typeof(T).Name + ":" + value;
    }
}

/// <summary>No [CacheSource]: resolves CacheRegistry.Get() at call time.</summary>
public static partial class RegistryRouted
{
    public static int Calls { get; set; }

    [Cached(Ttl = 10)]
    public static partial int Square(int x);

    private static int SquareCore(int x)
    {
        Calls++;
        return x * x;
    }
}

using System.Globalization;
using Cachka.Tests.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.EndToEnd;

/// <summary>Generated [Cached] methods compiled into this assembly (the generator runs on it), against a real LayeredCache.</summary>
public sealed class GeneratedWrapperTests
{
    private FakeTimeProvider _clock = null!;
    private LayeredCache _cache = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = TestCaches.Clock();
        _cache = TestCaches.Memory(_clock);
    }

    [TearDown]
    public void TearDown() => _cache.Dispose();

    [Test]
    public void The_generator_ran_on_this_assembly()
    {
        Assert.That(typeof(IUserServiceCached).IsAssignableFrom(typeof(UserService)));
        var generated = typeof(UserService).GetMethod(nameof(UserService.GetUser))!
            .GetCustomAttributes(typeof(System.CodeDom.Compiler.GeneratedCodeAttribute), inherit: false);
        Assert.That(generated, Has.Length.EqualTo(1));
    }

    [Test]
    public void A_sync_method_runs_its_body_once_per_key()
    {
        var service = new UserService(_cache);

        var first = service.GetUser(1);
        var second = service.GetUser(1);
        service.GetUser(2);

        Assert.That(second, Is.SameAs(first));
        Assert.That(service.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task A_Task_method_runs_its_body_once_per_key()
    {
        var service = new UserService(_cache);

        var first = await service.LoadUserAsync(1);
        var second = await service.LoadUserAsync(1);

        Assert.That(second, Is.SameAs(first));
        Assert.That(service.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task A_ValueTask_method_ignores_NotCacheKey_parameters_in_the_key()
    {
        var service = new UserService(_cache);

        var first = await service.FindUserAsync(1, "trace-a");
        var second = await service.FindUserAsync(1, "trace-b");

        Assert.That(second, Is.SameAs(first));
        Assert.That(second.Name, Is.EqualTo("user-1@trace-a"));
        Assert.That(service.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task The_body_gets_a_cancellation_token_that_is_not_part_of_the_key()
    {
        var service = new UserService(_cache);
        using var source = new CancellationTokenSource();

        await service.LoadUserAsync(5, source.Token);
        await service.LoadUserAsync(5, CancellationToken.None);

        Assert.That(service.Calls, Is.EqualTo(1));
        Assert.That(service.LastToken.CanBeCanceled, Is.True);
    }

    [Test]
    public void A_cached_result_expires_after_its_ttl()
    {
        var service = new UserService(_cache);
        service.GetUser(1);

        _clock.Advance(TimeSpan.FromSeconds(59));
        service.GetUser(1);
        Assert.That(service.Calls, Is.EqualTo(1));

        _clock.Advance(TimeSpan.FromSeconds(2));
        service.GetUser(1);
        Assert.That(service.Calls, Is.EqualTo(2));
    }

    [Test]
    public void Invalidation_through_the_generated_interface_removes_one_key()
    {
        IUserServiceCached service = new UserService(_cache);
        service.GetUser(1);
        service.GetUser(2);

        var removed = service.InvalidateGetUser(1);
        service.GetUser(1);
        service.GetUser(2);

        Assert.That(removed, Is.True);
        Assert.That(((UserService)service).Calls, Is.EqualTo(3));
    }

    [Test]
    public async Task Async_invalidation_strips_the_Async_suffix_and_removes_the_key()
    {
        IUserServiceCached service = new UserService(_cache);
        await service.LoadUserAsync(7);

        var removed = await service.InvalidateLoadUserAsync(7);
        var again = await service.InvalidateLoadUserAsync(7);
        await service.LoadUserAsync(7);

        Assert.That(removed, Is.True);
        Assert.That(again, Is.False);
        Assert.That(((UserService)service).Calls, Is.EqualTo(2));
    }

    [Test]
    public void The_key_builder_returns_the_key_the_wrapper_stores()
    {
        var service = new UserService(_cache);
        service.GetUser(42);

        Assert.That(_cache.TryGet<User>(UserServiceCacheKeys.GetUser(42)).HasValue, Is.True);
        Assert.That(UserServiceCacheKeys.GetUser(42), Is.EqualTo("Cachka.Tests.EndToEnd.UserService.GetUser(int)|42"));
    }

    [Test]
    public void Params_arrays_are_part_of_the_key_by_content()
    {
        var service = new UserService(_cache);

        var first = service.FindNames("p", Tier.Pro, 1, 2);
        var same = service.FindNames("p", Tier.Pro, [1, 2]);
        service.FindNames("p", Tier.Pro, 2, 1);

        Assert.That(same, Is.SameAs(first));
        Assert.That(service.Calls, Is.EqualTo(2));
        Assert.That(UserServiceCacheKeys.FindNames("p", Tier.Pro, 1, 2),
            Is.EqualTo("Cachka.Tests.EndToEnd.UserService.FindNames(string,Cachka.Tests.EndToEnd.Tier,int[])|p|2|[2:1,2]"));
    }

    [Test]
    public void A_lazy_or_one_shot_sequence_is_read_once_for_the_key_and_the_body()
    {
        var service = new UserService(_cache);
        var reads = 0;
        var lazy = Enumerable.Range(1, 4).Select(i => { reads++; return i; });

        Assert.That(service.Total(new OneShot([1, 2, 3])), Is.EqualTo(6), "the body sees the elements the key was built from");
        Assert.That(service.Total(lazy), Is.EqualTo(10));
        Assert.That(reads, Is.EqualTo(4), "each element of a lazy sequence is produced once");
        Assert.That(service.Total(new OneShot([1, 2, 3])), Is.EqualTo(6));
        Assert.That(service.Calls, Is.EqualTo(2), "an equal sequence is a hit");

        var list = new List<int> { 5 };
        Assert.That(service.Total(list), Is.EqualTo(5), "a collection is passed through as it is");

        var produced = 0;
        var users = Enumerable.Range(1, 2).Select(i => { produced++; return new User(i, "u" + i); });
        Assert.That(service.Names(users), Is.EqualTo("u1,u2"), "a sequence keyed by its JSON text reaches the body whole");
        Assert.That(produced, Is.EqualTo(2));
    }

    /// <summary>A sequence that can be enumerated once only (a network stream, a consuming enumerable).</summary>
    private sealed class OneShot(int[] items) : IEnumerable<int>
    {
        private int _enumerations;

        public IEnumerator<int> GetEnumerator() =>
            Interlocked.Increment(ref _enumerations) == 1
                ? ((IEnumerable<int>)items).GetEnumerator()
                : throw new InvalidOperationException("this sequence can be enumerated once only");

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Test]
    public void CacheKey_members_separate_instances()
    {
        var acme = new TenantCatalog(_cache, "acme");
        var globex = new TenantCatalog(_cache, "globex");
        var acmeAgain = new TenantCatalog(_cache, "acme");

        Assert.That(acme.Describe(1), Is.EqualTo("acme/1"));
        Assert.That(globex.Describe(1), Is.EqualTo("globex/1"));
        Assert.That(acmeAgain.Describe(1), Is.EqualTo("acme/1"));
        Assert.That(acmeAgain.Calls, Is.Zero);
        Assert.That(TenantCatalogCacheKeys.Describe(acme, 1), Is.EqualTo("Cachka.Tests.EndToEnd.TenantCatalog[Tenant].Describe(int)|acme|1"));
    }

    [Test]
    public void Each_type_argument_of_a_generic_type_gets_its_own_entries()
    {
        var ints = new Box<int>(_cache);
        var longs = new Box<long>(_cache);

        ints.Describe(1);
        longs.Describe(1);
        ints.Describe(1);

        Assert.That((ints.Calls, longs.Calls), Is.EqualTo((1, 1)));
        Assert.That(BoxCacheKeys<long>.Describe(1), Is.EqualTo("Cachka.Tests.EndToEnd.Box<long>.Describe(T)|1"));
    }

    [Test]
    public void Many_concurrent_sync_callers_run_the_body_once()
    {
        var service = new UserService(_cache);
        using var gate = new ManualResetEventSlim(false);
        service.Gate = gate;

        var callers = Enumerable.Range(0, 16).Select(_ => Task.Factory.StartNew(() => service.GetUser(9), TaskCreationOptions.LongRunning)).ToArray();
        SpinWait.SpinUntil(() => _cache.FlightsInProgress > 0, TimeSpan.FromSeconds(10));
        Thread.Sleep(50); // let the other callers join the flight (no TTL depends on it)
        gate.Set();
        Task.WaitAll(callers, TimeSpan.FromSeconds(20));

        Assert.That(service.Calls, Is.EqualTo(1));
        Assert.That(callers.Select(c => c.Result).Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task Many_concurrent_async_callers_run_the_body_once()
    {
        var service = new UserService(_cache);
        using var gate = new ManualResetEventSlim(false);
        service.Gate = gate;

        var callers = Enumerable.Range(0, 32).Select(_ => service.LoadUserAsync(9)).ToArray();
        gate.Set();
        var users = await Task.WhenAll(callers);

        Assert.That(service.Calls, Is.EqualTo(1));
        Assert.That(users.Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public void An_L1_hit_of_a_sync_wrapper_allocates_nothing()
    {
        var service = new UserService(_cache);

        Assert.That(Allocations.ByHits(i => service.GetUser(i)), Is.Zero);
    }

    [Test]
    public void An_L1_hit_of_a_Task_wrapper_allocates_nothing()
    {
        var service = new UserService(_cache);

        Assert.That(Allocations.ByHits(i => service.LoadUserAsync(i).Result), Is.Zero);
    }

    [Test]
    public void An_L1_hit_of_a_ValueTask_wrapper_allocates_nothing()
    {
        var service = new UserService(_cache);

        Assert.That(Allocations.ByHits(i => service.FindUserAsync(i).Result), Is.Zero);
    }

    [Test]
    public void Keys_are_pinned_for_a_fixed_set_of_calls()
    {
        var at = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        var expected = new Dictionary<string, string>
        {
            [KeyFormatsCacheKeys.Texts("a:b", "c")] = @"Cachka.Tests.EndToEnd.KeyFormats.Texts(string,string)|a:b|c",
            [KeyFormatsCacheKeys.Texts("a|b", "c")] = @"Cachka.Tests.EndToEnd.KeyFormats.Texts(string,string)|a\|b|c",
            [KeyFormatsCacheKeys.Texts(null, "")] = @"Cachka.Tests.EndToEnd.KeyFormats.Texts(string,string)|\0|",
            [KeyFormatsCacheKeys.Texts("null", @"\0")] = @"Cachka.Tests.EndToEnd.KeyFormats.Texts(string,string)|null|\\0",
            [KeyFormatsCacheKeys.Numbers(1, -2, 1.0, 0.1f, 1.50m, true, ',')] = @"Cachka.Tests.EndToEnd.KeyFormats.Numbers(int,long,double,float,decimal,bool,char)|1|-2|1|0.1|1.5|true|\,",
            [KeyFormatsCacheKeys.Numbers(0, 0, -0.0, float.NaN, -0m, false, 'x')] = @"Cachka.Tests.EndToEnd.KeyFormats.Numbers(int,long,double,float,decimal,bool,char)|0|0|-0|NaN|0|false|x",
            [KeyFormatsCacheKeys.Times(at, new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)), new DateOnly(2026, 3, 4), new TimeOnly(5, 6, 7), TimeSpan.FromMinutes(90), Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"))]
                = @"Cachka.Tests.EndToEnd.KeyFormats.Times(System.DateTime,System.DateTimeOffset,System.DateOnly,System.TimeOnly,System.TimeSpan,System.Guid)|639081975670000000:U|639081975670000000:120|2026-03-04|05:06:07.0000000|01:30:00|0f8fad5b-d9cb-469f-a165-70867728950e",
            [KeyFormatsCacheKeys.Optional(null, Tier.Pro, Tier.Free)] = @"Cachka.Tests.EndToEnd.KeyFormats.Optional(int?,Cachka.Tests.EndToEnd.Tier?,Cachka.Tests.EndToEnd.Tier)|\0|2|1",
            [KeyFormatsCacheKeys.Lists(null, ["a,b", null, ""], [], [0.5])] = @"Cachka.Tests.EndToEnd.KeyFormats.Lists(int[],System.Collections.Generic.List<string>,System.Collections.Generic.IReadOnlyList<Cachka.Tests.EndToEnd.Tier>,System.Collections.Generic.IEnumerable<double>)|\0|[3:a\,b,\0,]|[0:]|[1:0.5]",
            [KeyFormatsCacheKeys.Others(new Money(9.90m, "EUR"), new Filter("x|y", 2), 1)] = @"Cachka.Tests.EndToEnd.KeyFormats.Others(Cachka.Tests.EndToEnd.Money,Cachka.Tests.EndToEnd.Filter,object)|9.90 EUR|[x\|y,2]|int:1",
            [KeyFormatsCacheKeys.Others(new Money(1m, "EUR"), new Filter("", 0), 1.0)] = @"Cachka.Tests.EndToEnd.KeyFormats.Others(Cachka.Tests.EndToEnd.Money,Cachka.Tests.EndToEnd.Filter,object)|1 EUR|[,0]|double:1",
            [KeyFormatsCacheKeys.Overloaded(1)] = @"Cachka.Tests.EndToEnd.KeyFormats.Overloaded(int)|1",
            [KeyFormatsCacheKeys.Overloaded(1L)] = @"Cachka.Tests.EndToEnd.KeyFormats.Overloaded(long)|1",
        };

        foreach (var (actual, pinned) in expected)
            Assert.That(actual, Is.EqualTo(pinned));
    }

    [Test]
    public void Keys_do_not_depend_on_the_current_culture()
    {
        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("fi-FI");
            Assert.That(KeyFormatsCacheKeys.Numbers(-1, -2, -1.5, 2.5f, -3.25m, true, 'a'),
                Is.EqualTo("Cachka.Tests.EndToEnd.KeyFormats.Numbers(int,long,double,float,decimal,bool,char)|-1|-2|-1.5|2.5|-3.25|true|a"));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Test]
    public void Values_that_differ_give_different_keys_and_entries()
    {
        KeyFormats.Cache = _cache;
        try
        {
            var keys = new[]
            {
                KeyFormatsCacheKeys.Texts("a:b", "c"), KeyFormatsCacheKeys.Texts("a", "b:c"),
                KeyFormatsCacheKeys.Texts(null, null), KeyFormatsCacheKeys.Texts("", null), KeyFormatsCacheKeys.Texts("null", null),
                KeyFormatsCacheKeys.Others(new Money(1m, "X"), new Filter("", 0), 1),
                KeyFormatsCacheKeys.Others(new Money(1m, "X"), new Filter("", 0), 1.0),
                KeyFormatsCacheKeys.Others(new Money(1m, "X"), new Filter("", 0), true),
                KeyFormatsCacheKeys.Others(new Money(1m, "X"), new Filter("", 0), "1"),
                KeyFormatsCacheKeys.Lists([], [""], [], []), KeyFormatsCacheKeys.Lists([], [], [], []),
            };
            Assert.That(keys.Distinct(StringComparer.Ordinal).Count(), Is.EqualTo(keys.Length));

            Assert.That(KeyFormats.Overloaded(1), Is.EqualTo("int"));
            Assert.That(KeyFormats.Overloaded(1L), Is.EqualTo("long"));
        }
        finally
        {
            KeyFormats.Cache = null;
        }
    }
}

/// <summary>Without a [CacheSource], the wrapper resolves the registry's cache at call time.</summary>
[NonParallelizable]
public sealed class RegistryRoutedWrapperTests
{
    [TearDown]
    public void TearDown() => CacheRegistry.Reset();

    [Test]
    public void A_type_without_a_cache_source_uses_the_registry_cache()
    {
        CacheRegistry.Reset();
        using var cache = TestCaches.Memory();
        CacheRegistry.Initialize(cache);
        RegistryRouted.Calls = 0;

        RegistryRouted.Square(3);
        RegistryRouted.Square(3);

        Assert.That(RegistryRouted.Calls, Is.EqualTo(1));
        Assert.That(cache.TryGet<int>(RegistryRoutedCacheKeys.Square(3)).Value, Is.EqualTo(9));
    }

    [Test]
    public void Calling_before_the_registry_is_initialized_says_what_to_do()
    {
        CacheRegistry.Reset();

        var error = Assert.Throws<InvalidOperationException>(() => RegistryRouted.Square(4));

        Assert.That(error!.Message, Does.Contain("CacheRegistry.Initialize"));
    }
}

using Cachka.Tests.EndToEnd;
using Cachka.Tests.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Resilience;

/// <summary>
/// Generated code on a real cache (memory, and memory + a SQLite file): [InvalidatesCached] and [InvalidatesTag]
/// methods, [Cached] tag templates and options, and adaptive bodies (the generator runs on this assembly).
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
internal sealed class GeneratedInvalidationTests(bool withSqlite) : GeneratedCodeFixture(withSqlite)
{
    private Profiles _profiles = null!;

    [SetUp]
    public void SetUp()
    {
        _profiles = new Profiles(Cache);
        foreach (var id in new[] { 1, 2, 12 })
            _profiles.Store[id] = "user-" + id;
    }

    private bool Holds(string key) => Cache.TryGet<string>(key).HasValue;

    [Test]
    public void A_sync_mutation_removes_the_entry_of_the_same_arguments_after_its_body_returns()
    {
        Assert.That(_profiles.GetName(1), Is.EqualTo("user-1"));
        _profiles.GetName(2);
        var calls = _profiles.Calls;

        _profiles.Rename(1, "ada");

        Assert.That(Holds(ProfilesCacheKeys.GetName(1)), Is.False, "removed from every layer");
        Assert.That(Holds(ProfilesCacheKeys.GetName(2)), Is.True, "another argument's entry stays");
        Assert.That(_profiles.GetName(1), Is.EqualTo("ada"));
        Assert.That(_profiles.Calls, Is.EqualTo(calls + 1));
    }

    [Test]
    public void A_sync_mutation_whose_body_throws_leaves_the_entry()
    {
        _profiles.GetName(1);

        Assert.That(() => _profiles.Rename(1, ""), Throws.ArgumentException);

        Assert.That(Holds(ProfilesCacheKeys.GetName(1)), Is.True);
    }

    [Test]
    public async Task An_async_mutation_removes_the_entry_after_its_task_completes()
    {
        Assert.That(await _profiles.GetNameAsync(1), Is.EqualTo("user-1"));
        var gate = new TaskCompletionSource();
        _profiles.Gate = gate.Task;

        var rename = _profiles.RenameAsync(1, "ada");
        Assert.That(Holds(ProfilesCacheKeys.GetNameAsync(1)), Is.True, "not before the body has completed");
        gate.SetResult();
        await rename;

        Assert.That(Holds(ProfilesCacheKeys.GetNameAsync(1)), Is.False);
        Assert.That(await _profiles.GetNameAsync(1), Is.EqualTo("ada"));
    }

    [Test]
    public async Task An_async_mutation_whose_task_faults_leaves_the_entry()
    {
        await _profiles.GetNameAsync(1);

        Assert.That(async () => await _profiles.RenameAsync(1, ""), Throws.ArgumentException);

        Assert.That(Holds(ProfilesCacheKeys.GetNameAsync(1)), Is.True);
    }

    [Test]
    public void Several_attributes_on_one_method_all_run()
    {
        _profiles.GetName(1);
        await_(_profiles.GetNameAsync(1));

        _profiles.RenameEverywhere(1, "ada");

        Assert.That(Holds(ProfilesCacheKeys.GetName(1)), Is.False);
        Assert.That(Holds(ProfilesCacheKeys.GetNameAsync(1)), Is.False);

        static void await_(Task<string> task) => task.GetAwaiter().GetResult();
    }

    [Test]
    public async Task A_tag_template_invalidates_exactly_that_users_entries_sync_and_async()
    {
        foreach (var id in new[] { 1, 12 })
        {
            _profiles.GetName(id);
            await _profiles.GetNameAsync(id);
        }

        _profiles.Touch(1);

        Assert.That(Holds(ProfilesCacheKeys.GetName(1)), Is.False);
        Assert.That(Holds(ProfilesCacheKeys.GetNameAsync(1)), Is.False, "both methods tag user:1");
        Assert.That(Holds(ProfilesCacheKeys.GetName(12)), Is.True, "user:12 is not user:1");
        Assert.That(Holds(ProfilesCacheKeys.GetNameAsync(12)), Is.True);

        await _profiles.TouchAsync(12);
        Assert.That(Holds(ProfilesCacheKeys.GetName(12)), Is.False);
        Assert.That(Holds(ProfilesCacheKeys.GetNameAsync(12)), Is.False);
    }

    [Test]
    public void The_tags_reach_the_cache_and_a_constant_tag_covers_every_entry()
    {
        _profiles.GetName(1);
        _profiles.GetName(2);

        Cache.InvalidateTag("user:2");
        Assert.That(Holds(ProfilesCacheKeys.GetName(1)), Is.True);
        Assert.That(Holds(ProfilesCacheKeys.GetName(2)), Is.False);

        Cache.InvalidateTag("profiles");
        Assert.That(Holds(ProfilesCacheKeys.GetName(1)), Is.False);
    }

    [TestCase("a:b")]
    [TestCase("{a}")]
    [TestCase("x|y,z]")]
    public void A_text_tag_part_with_delimiters_or_braces_invalidates_only_its_own_value(string handle)
    {
        _profiles.Describe(handle);
        _profiles.Describe("a");
        _profiles.Describe(handle + "b");

        _profiles.Forget(handle);

        Assert.That(Holds(ProfilesCacheKeys.Describe(handle)), Is.False);
        Assert.That(Holds(ProfilesCacheKeys.Describe("a")), Is.True);
        Assert.That(Holds(ProfilesCacheKeys.Describe(handle + "b")), Is.True);
    }

    [Test]
    public void A_tag_part_is_the_key_text_of_the_value()
    {
        _profiles.Describe("x|y");

        Cache.InvalidateTag("handle:x|y");
        Assert.That(Holds(ProfilesCacheKeys.Describe("x|y")), Is.True, "the key encoding escapes '|' in text, and so does the tag");
        Cache.InvalidateTag("handle:x\\|y");
        Assert.That(Holds(ProfilesCacheKeys.Describe("x|y")), Is.False);
    }

    [Test]
    public void A_hit_keeps_the_tags_the_miss_stored()
    {
        _profiles.GetName(1);
        _profiles.GetName(1);
        Cache.InvalidateTag("user:1");

        Assert.That(Holds(ProfilesCacheKeys.GetName(1)), Is.False);
        Assert.That(_profiles.GetName(1), Is.EqualTo("user-1"));
        Assert.That(_profiles.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task The_instance_CacheKey_members_select_the_entry_and_the_tag_of_that_instance()
    {
        var acme = new TenantDirectory(Cache) { Tenant = "acme" };
        var globex = new TenantDirectory(Cache) { Tenant = "globex" };
        acme.Name(1);
        globex.Name(1);
        acme.Name(2);

        acme.Rename(1);
        Assert.That(Holds(TenantDirectoryCacheKeys.Name(acme, 1)), Is.False);
        Assert.That(Holds(TenantDirectoryCacheKeys.Name(globex, 1)), Is.True, "another tenant's entry of the same id");
        Assert.That(Holds(TenantDirectoryCacheKeys.Name(acme, 2)), Is.True);

        await globex.ForgetTenantAsync();
        Assert.That(Holds(TenantDirectoryCacheKeys.Name(globex, 1)), Is.False);
        Assert.That(Holds(TenantDirectoryCacheKeys.Name(acme, 2)), Is.True, "tenant:acme is not tenant:globex");
    }

    [Test]
    public void An_L1_hit_builds_no_tag_and_allocates_nothing()
    {
        for (var id = 0; id < 100; id++)
            _profiles.Store[id] = "user-" + id;

        Assert.That(Allocations.ByHits(i => _profiles.GetName(i)), Is.Zero, "sync, tag templates");
        Assert.That(Allocations.ByHits(i => _profiles.GetNameAsync(i).Result), Is.Zero, "Task, tag templates");
        var users = Enumerable.Range(0, 100).Select(i => "u" + i).ToArray();
        Assert.That(Allocations.ByHits(i => _profiles.TokenAsync(users[i]).Result!), Is.Zero, "ValueTask, adaptive body");
    }

    [Test]
    public async Task An_adaptive_body_sets_the_ttl_sync_and_async()
    {
        Assert.That(_profiles.Token("ada"), Is.EqualTo("t-ada"));
        Assert.That(await _profiles.TokenAsync("bob"), Is.EqualTo("t-bob"));
        Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.That(Holds(ProfilesCacheKeys.Token("ada")), Is.True);
        Assert.That(Holds(ProfilesCacheKeys.TokenAsync("bob")), Is.True);

        Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.That(Holds(ProfilesCacheKeys.Token("ada")), Is.False, "the body's 30 s, not the attribute's hour");
        Assert.That(Holds(ProfilesCacheKeys.TokenAsync("bob")), Is.False);
    }

    [Test]
    public async Task An_adaptive_body_that_declines_is_not_cached_sync_and_async()
    {
        Assert.That(_profiles.Token("anonymous"), Is.Null);
        Assert.That(_profiles.Token("anonymous"), Is.Null);
        Assert.That(await _profiles.TokenAsync("anonymous"), Is.Null);
        Assert.That(await _profiles.TokenAsync("anonymous"), Is.Null);

        Assert.That(_profiles.Calls, Is.EqualTo(4));
        Assert.That(Holds(ProfilesCacheKeys.Token("anonymous")), Is.False);
    }

    [Test]
    public void The_jitter_of_the_attribute_reaches_the_cache()
    {
        for (var i = 0; i < 200; i++)
            _profiles.Jittered(i);

        Clock.Advance(TimeSpan.FromSeconds(599));
        Assert.That(Enumerable.Range(0, 200).Count(i => Cache.TryGet<int>(ProfilesCacheKeys.Jittered(i)).HasValue), Is.EqualTo(200), "none before the TTL");
        Clock.Advance(TimeSpan.FromSeconds(150));
        Assert.That(Enumerable.Range(0, 200).Count(i => Cache.TryGet<int>(ProfilesCacheKeys.Jittered(i)).HasValue), Is.InRange(40, 160), "about half within the 300 s of jitter");
        Clock.Advance(TimeSpan.FromSeconds(200));
        Assert.That(Enumerable.Range(0, 200).Count(i => Cache.TryGet<int>(ProfilesCacheKeys.Jittered(i)).HasValue), Is.Zero);
    }
}

/// <summary>A service with cached reads, tagged entries, adaptive bodies and mutations that invalidate them.</summary>
public sealed partial class Profiles(ICache cache)
{
    private int _calls;

    [CacheSource] private ICache Cache { get; } = cache;

    public Dictionary<int, string> Store { get; } = [];

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Holds async bodies until completed (to see that nothing is removed before).</summary>
    public Task? Gate { get; set; }

    [Cached(Ttl = 600, SimplifiedSelfSerialization = true, Tags = ["user:{userId}", "profiles"])]
    public partial string GetName(int userId);

    private string GetNameCore(int userId)
    {
        Interlocked.Increment(ref _calls);
        return Store[userId];
    }

    [Cached(Ttl = 600, SimplifiedSelfSerialization = true, Tags = ["user:{userId}"])]
    public partial Task<string> GetNameAsync(int userId, CancellationToken cancellationToken = default);

    private Task<string> GetNameAsyncCore(int userId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(Store[userId]);
    }

    [Cached(Ttl = 600, SimplifiedSelfSerialization = true, Tags = ["handle:{handle}"])]
    public partial string Describe(string handle);

    private string DescribeCore(string handle)
    {
        Interlocked.Increment(ref _calls);
        return "@" + handle;
    }

    [InvalidatesCached(nameof(GetName))]
    public partial void Rename(int userId, string name);

    private void RenameCore(int userId, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Store[userId] = name;
    }

    [InvalidatesCached(nameof(GetNameAsync))]
    public partial Task RenameAsync(int userId, string name, CancellationToken cancellationToken = default);

    private async Task RenameAsyncCore(int userId, string name, CancellationToken cancellationToken)
    {
        if (Gate is { } gate)
            await gate;
        await Task.Yield();
        ArgumentException.ThrowIfNullOrEmpty(name);
        Store[userId] = name;
    }

    [InvalidatesCached(nameof(GetName))]
    [InvalidatesCached(nameof(GetNameAsync))]
    public partial bool RenameEverywhere(int userId, string name);

    private bool RenameEverywhereCore(int userId, string name)
    {
        Store[userId] = name;
        return true;
    }

    [InvalidatesTag("user:{userId}")]
    public partial void Touch(int userId);

    private void TouchCore(int userId)
    {
    }

    [InvalidatesTag("user:{userId}")]
    public partial ValueTask TouchAsync(int userId);

    private ValueTask TouchAsyncCore(int userId) => ValueTask.CompletedTask;

    [InvalidatesTag("handle:{handle}")]
    public partial void Forget(string handle);

    private void ForgetCore(string handle)
    {
    }

    [Cached(Ttl = 3600, SimplifiedSelfSerialization = true)]
    public partial string? Token(string user);

    private string? TokenCore(string user, CacheFactoryContext context)
    {
        Interlocked.Increment(ref _calls);
        if (user == "anonymous")
        {
            context.DoNotCache();
            return null;
        }

        context.Ttl = TimeSpan.FromSeconds(30);
        return "t-" + user;
    }

    [Cached(Ttl = 3600, SimplifiedSelfSerialization = true)]
    public partial ValueTask<string?> TokenAsync(string user, CancellationToken cancellationToken = default);

    private ValueTask<string?> TokenAsyncCore(string user, CacheFactoryContext context, CancellationToken cancellationToken) =>
        new(TokenCore(user, context));

    [Cached(Ttl = 600, Jitter = 300, SimplifiedSelfSerialization = true)]
    public partial int Jittered(int i);

    private int JitteredCore(int i) => i;
}

/// <summary>Entries keyed and tagged by the instance's tenant.</summary>
public sealed partial class TenantDirectory(ICache cache)
{
    [CacheSource] private readonly ICache Cache = cache;

    [CacheKey] public string Tenant { get; init; } = "";

    [Cached(Ttl = 600, Tags = ["tenant:{Tenant}"])]
    public partial string Name(int id);

    private string NameCore(int id) => Tenant + "/" + id;

    [InvalidatesCached(nameof(Name))]
    public partial void Rename(int id);

    private void RenameCore(int id)
    {
    }

    [InvalidatesTag("tenant:{Tenant}")]
    public partial Task ForgetTenantAsync();

    private Task ForgetTenantAsyncCore() => Task.CompletedTask;
}

using System.Text;
using Cachka.Redis;
using StackExchange.Redis;

namespace Cachka.Tests.Redis;

/// <summary>The Redis layer's behaviour against a real redis-server, on the sync and the async path.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisLayerTests : RedisServerFixture
{
    private ICache RedisOnly(RedisCacheConfig? layer = null) => new CacheConfig
    {
        Layers = [layer ?? Server.Layer(backplane: false)],
        VacuumInterval = null,
        CleanupOnStart = false,
    }.CreateCache();

    [Test]
    public async Task A_value_written_by_one_cache_is_read_by_another_with_its_ttl_as_the_Redis_expiry([Values] bool async)
    {
        await using var writer = RedisOnly();
        await using var reader = RedisOnly();
        var value = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 };
        if (async)
            await writer.SetAsync("user:1", value, TimeSpan.FromMinutes(10));
        else
            writer.Set("user:1", value, TimeSpan.FromMinutes(10));

        var read = async ? await reader.TryGetAsync<Dictionary<string, int>>("user:1") : reader.TryGet<Dictionary<string, int>>("user:1");
        Assert.That(read.HasValue, Is.True);
        Assert.That(read.Value, Is.EqualTo(value));
        var ttl = await Db.KeyTimeToLiveAsync("test:user:1");
        Assert.That(ttl, Is.Not.Null.And.GreaterThan(TimeSpan.FromMinutes(9)).And.LessThanOrEqualTo(TimeSpan.FromMinutes(10)));
    }

    [Test]
    public async Task A_hit_carries_the_writers_expiry_so_a_promoted_copy_keeps_the_remaining_ttl([Values] bool async)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cache = new CacheConfig { Layers = [Server.Layer(backplane: false)], VacuumInterval = null, CleanupOnStart = false }.CreateCache(time);
        var layer = ((LayeredCache)cache).Layers[0];
        var expiresAt = time.GetUtcNow().AddMinutes(7);
        layer.Set("k", "v", expiresAt);

        var hit = async ? await layer.GetAsync<string>("k", CancellationToken.None) : layer.Get<string>("k");
        Assert.That(hit.Found, Is.True);
        Assert.That(hit.ExpiresAt.ToUnixTimeMilliseconds(), Is.EqualTo(expiresAt.ToUnixTimeMilliseconds()));

        // The expiry in the envelope counts on the cache's clock even where Redis's own has not reached it.
        time.Advance(TimeSpan.FromMinutes(8));
        Assert.That(layer.Get<string>("k").Found, Is.False);
    }

    [Test]
    public async Task A_fail_safe_entry_is_kept_in_Redis_past_its_ttl_and_served_only_when_the_factory_fails([Values] bool async)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CacheEntryOptions(TimeSpan.FromMinutes(1)) { FailSafeMaxDuration = TimeSpan.FromHours(1) };
        ICache Open() => new CacheConfig { Layers = [Server.Layer(backplane: false)], VacuumInterval = null, CleanupOnStart = false }.CreateCache(time);
        await using (var writer = Open())
        {
            if (async)
                await writer.GetOrCreateAsync("price", 0, static (_, _) => ValueTask.FromResult(42), options);
            else
                writer.GetOrCreate("price", 0, static _ => 42, options);
        }

        var ttl = await Db.KeyTimeToLiveAsync("test:price");
        Assert.That(ttl, Is.GreaterThan(TimeSpan.FromMinutes(60)), "Redis keeps the key for the TTL and the fail-safe duration");

        time.Advance(TimeSpan.FromMinutes(2));
        await using var reader = Open();
        Assert.That(reader.TryGet<int>("price").HasValue, Is.False, "past its TTL the entry is not a hit");
        var served = async
            ? await reader.GetOrCreateAsync<int, int>("price", 0, static (_, _) => throw new InvalidOperationException("origin down"), options)
            : reader.GetOrCreate<int, int>("price", 0, static _ => throw new InvalidOperationException("origin down"), options);
        Assert.That(served, Is.EqualTo(42), "Redis's kept copy is served when the factory fails");
    }

    [Test]
    public async Task Delete_removes_the_key_from_Redis([Values] bool async)
    {
        await using var cache = RedisOnly();
        cache.Set("gone", 42, TimeSpan.FromMinutes(1));
        var removed = async ? await cache.DeleteAsync("gone") : cache.Delete("gone");
        Assert.That(removed, Is.True);
        Assert.That(await Db.KeyExistsAsync("test:gone"), Is.False);
        Assert.That(cache.TryGet<int>("gone").HasValue, Is.False);
    }

    [Test]
    public async Task A_tag_invalidated_by_one_cache_removes_entries_another_cache_wrote([Values] bool async)
    {
        await using var writer = RedisOnly();
        await using var other = RedisOnly();
        var options = new CacheEntryOptions(TimeSpan.FromMinutes(5), ["team:7"]);
        if (async)
        {
            await writer.SetAsync("member:1", "ann", options);
            await writer.SetAsync("member:2", "bob", options);
        }
        else
        {
            writer.Set("member:1", "ann", options);
            writer.Set("member:2", "bob", options);
        }

        writer.Set("member:3", "cy", TimeSpan.FromMinutes(5));
        Assert.That(await Db.KeyExistsAsync("test:member:3"), Is.True, "written");

        if (async)
            await other.InvalidateTagAsync("team:7");
        else
            other.InvalidateTag("team:7");

        Assert.That(await Db.KeyExistsAsync("test:member:1"), Is.False);
        Assert.That(await Db.KeyExistsAsync("test:member:2"), Is.False);
        Assert.That(await Db.KeyExistsAsync("test:member:3"), Is.True, "not tagged");
        Assert.That(writer.TryGet<string>("member:3").Value, Is.EqualTo("cy"));
        // The tag's set went with the invalidation; it expires with its longest-lived entry otherwise.
        Assert.That(await Db.KeyExistsAsync("test#tag:team:7"), Is.False);
    }

    [Test]
    public async Task A_tag_set_expires_with_its_longest_lived_entry()
    {
        await using var cache = RedisOnly();
        cache.Set("short", 1, new CacheEntryOptions(TimeSpan.FromMinutes(1), ["t"]));
        cache.Set("long", 2, new CacheEntryOptions(TimeSpan.FromMinutes(30), ["t"]));
        cache.Set("middle", 3, new CacheEntryOptions(TimeSpan.FromMinutes(10), ["t"]));
        var ttl = await Db.KeyTimeToLiveAsync("test#tag:t");
        Assert.That(ttl, Is.GreaterThan(TimeSpan.FromMinutes(29)));
    }

    [Test]
    public async Task A_cache_key_that_spells_a_tag_set_or_the_channel_cannot_collide_with_them()
    {
        await using var cache = RedisOnly();
        cache.Set("#tag:t", "a value, not a set", TimeSpan.FromMinutes(1));
        cache.Set("x", 1, new CacheEntryOptions(TimeSpan.FromMinutes(1), ["t"]));
        Assert.That(cache.TryGet<string>("#tag:t").Value, Is.EqualTo("a value, not a set"));
        Assert.That(await Db.KeyTypeAsync("test#tag:t"), Is.EqualTo(RedisType.Set));
        Assert.That(await Db.KeyTypeAsync("test:#tag:t"), Is.EqualTo(RedisType.String));
    }

    [Test]
    public async Task An_unreadable_value_under_a_key_is_a_miss_that_is_counted_and_removed([Values] bool async)
    {
        await using var cache = RedisOnly();
        await Db.StringSetAsync("test:foreign", Encoding.UTF8.GetBytes("not an envelope"));
        var read = async ? await cache.TryGetAsync<string>("foreign") : cache.TryGet<string>("foreign");
        Assert.That(read.HasValue, Is.False);
        Assert.That(cache.GetMetricsText(), Does.Contain("error_type=\"envelope_invalid\""));
        await WaitUntil(async () => !await Db.KeyExistsAsync("test:foreign"));
    }

    [Test]
    public async Task An_encrypted_entry_copied_under_another_key_is_not_served_for_it()
    {
        await using var cache = RedisOnly(Server.Layer(backplane: false) with { EnableEncryption = true, EncryptionKey = CacheEncryptionKey.Generate() });
        cache.Set("alice", "alice's secret", TimeSpan.FromMinutes(1));
        var stolen = (byte[])(await Db.StringGetAsync("test:alice"))!;
        await Db.StringSetAsync("test:bob", stolen);
        Assert.That(cache.TryGet<string>("bob").HasValue, Is.False);
    }

    [Test]
    public async Task Long_keys_are_shortened_with_a_digest_and_two_long_keys_with_one_prefix_stay_apart()
    {
        await using var cache = RedisOnly();
        var common = new string('k', 3000);
        cache.Set(common + "1", "one", TimeSpan.FromMinutes(1));
        cache.Set(common + "2", "two", TimeSpan.FromMinutes(1));
        Assert.That(cache.TryGet<string>(common + "1").Value, Is.EqualTo("one"));
        Assert.That(cache.TryGet<string>(common + "2").Value, Is.EqualTo("two"));
        var keys = Raw.GetServer(Server.Endpoint).Keys(pattern: "test:*").Select(k => k.ToString()).ToList();
        Assert.That(keys, Has.Count.EqualTo(2));
        Assert.That(keys, Has.All.Length.LessThanOrEqualTo("test:".Length + 512));
    }

    [Test]
    public async Task Encrypted_values_are_unreadable_in_Redis_and_read_back_after_a_key_rotation()
    {
        var oldKey = CacheEncryptionKey.Generate();
        var newKey = CacheEncryptionKey.Generate();
        await using (var writer = RedisOnly(Server.Layer(backplane: false) with { EnableEncryption = true, EncryptionKey = oldKey }))
            writer.Set("card", "4111-1111-1111-1111", TimeSpan.FromMinutes(1));
        var stored = Encoding.UTF8.GetString((byte[])(await Db.StringGetAsync("test:card"))!);
        Assert.That(stored, Does.Not.Contain("4111"));

        await using (var stranger = RedisOnly(Server.Layer(backplane: false) with { EnableEncryption = true, EncryptionKey = newKey }))
        {
            Assert.That(stranger.TryGet<string>("card").HasValue, Is.False);
            Assert.That(stranger.GetMetricsText(), Does.Contain("error_type=\"decrypt_failed\""));
        }

        await using (var writer = RedisOnly(Server.Layer(backplane: false) with { EnableEncryption = true, EncryptionKey = oldKey }))
            writer.Set("card", "4111-1111-1111-1111", TimeSpan.FromMinutes(1));
        await using var rotated = RedisOnly(Server.Layer(backplane: false) with { EnableEncryption = true, EncryptionKey = newKey, PreviousEncryptionKeys = [oldKey] });
        Assert.That(rotated.TryGet<string>("card").Value, Is.EqualTo("4111-1111-1111-1111"));
    }

    [Test]
    public async Task A_value_too_large_is_not_stored_and_the_older_entry_is_removed([Values] bool async)
    {
        await using var cache = RedisOnly(Server.Layer(backplane: false) with { MaxPayloadBytes = 100 });
        cache.Set("doc", "small", TimeSpan.FromMinutes(1));
        var large = new string('x', 1000);
        if (async)
            await cache.SetAsync("doc", large, TimeSpan.FromMinutes(1));
        else
            cache.Set("doc", large, TimeSpan.FromMinutes(1));
        Assert.That(await Db.KeyExistsAsync("test:doc"), Is.False);
        Assert.That(cache.GetMetricsText(), Does.Contain("error_type=\"payload_too_large\""));
    }

    [Test]
    public async Task A_value_the_serializer_would_not_read_back_exactly_is_refused()
    {
        await using var cache = RedisOnly();
        cache.Set<Animal>("pet", new Animal { Name = "plain" }, TimeSpan.FromMinutes(1));
        cache.Set<Animal>("pet", new Dog { Name = "Rex", Breed = "collie" }, TimeSpan.FromMinutes(1));
        Assert.That(await Db.KeyExistsAsync("test:pet"), Is.False, "the refused value is not stored and the older one is removed");
        Assert.That(cache.GetMetricsText(), Does.Contain("error_type=\"polymorphic_value\""));
    }

    public class Animal
    {
        public string Name { get; set; } = "";
    }

    public sealed class Dog : Animal
    {
        public string Breed { get; set; } = "";
    }

    [Test]
    public async Task A_write_cancelled_before_it_reaches_Redis_leaves_the_key_missed_so_the_older_value_there_is_never_served()
    {
        await using var cache = (LayeredCache)RedisOnly();
        var slot = cache.Slots.Single(s => s.Layer is RedisCacheLayer);
        await cache.SetAsync("k", "old", TimeSpan.FromMinutes(5));
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.CatchAsync<OperationCanceledException>(async () => await cache.SetAsync("k", "new", TimeSpan.FromMinutes(5), cancel.Token));

        Assert.That(slot.MissedCount, Is.EqualTo(1), "the write did not reach Redis: the key is missed there");
        Assert.That((await cache.TryGetAsync<string>("k")).Value, Is.Not.EqualTo("old"), "Redis's older value is not served");
        await WaitUntil(async () => !await Db.KeyExistsAsync("test:k"), seconds: 10); // the repair removes it
        Assert.That(slot.MissedCount, Is.Zero);
        await cache.SetAsync("k", "newer", TimeSpan.FromMinutes(5));
        Assert.That(await Db.KeyExistsAsync("test:k"), Is.True, "later writes reach Redis again");
    }

    [Test]
    public async Task A_write_while_Redis_refuses_commands_is_missed_and_never_fails_the_caller()
    {
        await using var cache = (LayeredCache)RedisOnly();
        var slot = cache.Slots.Single(s => s.Layer is RedisCacheLayer);
        await cache.SetAsync("k", "old", TimeSpan.FromMinutes(5));
        await Db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
        await Db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        try
        {
            await cache.SetAsync("k", new string('x', 4096), TimeSpan.FromMinutes(5)); // OOM: refused by Redis
            Assert.That(slot.MissedCount, Is.EqualTo(1), "the refused write is remembered");
            Assert.That(cache.GetMetricsText(), Does.Contain("RedisServerException"));
        }
        finally
        {
            await Db.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        }

        Assert.That((await cache.TryGetAsync<string>("k")).Value, Is.Not.EqualTo("old"));
        await WaitUntil(() => slot.MissedCount == 0, seconds: 10);
        Assert.That(await Db.KeyExistsAsync("test:k"), Is.False, "the repair removed the older value");
    }

    [Test]
    public async Task Cleanup_and_maintenance_never_touch_live_keys()
    {
        await using var cache = RedisOnly();
        cache.Set("live", 1, TimeSpan.FromMinutes(1));
        Assert.That(cache.CleanupExpired(), Is.Zero);
        Assert.That(await cache.CleanupExpiredAsync(), Is.Zero);
        Assert.That(await Db.KeyExistsAsync("test:live"), Is.True);
    }

    [Test]
    public async Task Max_connections_bounds_the_commands_in_flight_async_callers_beyond_it_wait_and_sync_ones_miss()
    {
        await using var cache = RedisOnly(Server.Layer(backplane: false) with { MaxConnections = 2 });
        cache.Set("shared", "v", TimeSpan.FromMinutes(1));
        var layer = (RedisCacheLayer)((LayeredCache)cache).Layers[0];
        var most = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            while (!watching.IsCancellationRequested)
                most = Math.Max(most, layer.InFlight);
        });
        var asyncReads = Enumerable.Range(0, 48).Select(_ => Task.Run(async () => (await cache.TryGetAsync<string>("shared")).Value)).ToList();
        var syncReads = Enumerable.Range(0, 16).Select(_ => Task.Run(() => cache.TryGet<string>("shared").Value)).ToList();
        var asyncValues = await Task.WhenAll(asyncReads);
        var syncValues = await Task.WhenAll(syncReads);
        await watching.CancelAsync();
        await watcher;
        Assert.That(asyncValues, Has.All.EqualTo("v"), "async callers beyond the bound wait for a slot");
        Assert.That(syncValues, Has.All.EqualTo("v").Or.Null, "a sync caller beyond it misses, never fails or gets another value");
        Assert.That(most, Is.LessThanOrEqualTo(2));
        Assert.That(layer.InFlight, Is.Zero, "every slot is given back");
    }

    internal static async Task WaitUntil(Func<Task<bool>> condition, int seconds = 5)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"condition not met within {seconds} s");
            await Task.Delay(10);
        }
    }

    internal static Task WaitUntil(Func<bool> condition, int seconds = 5) => WaitUntil(() => Task.FromResult(condition()), seconds);
}

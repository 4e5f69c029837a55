using Cachka.Redis;
using StackExchange.Redis;

namespace Cachka.Tests.Redis;

/// <summary>
/// Two caches with memory over one Redis (two "processes" in one test; <see cref="RedisTwoProcessTests"/> uses two
/// OS processes): what one changes, the other's memory layer stops serving.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisBackplaneTests : RedisServerFixture
{
    private LayeredCache Node(string name) => (LayeredCache)new CacheConfig
    {
        Name = name,
        Layers = [new MemoryCacheConfig(), Server.Layer()],
        VacuumInterval = null,
        CleanupOnStart = false,
    }.CreateCache();

    private static RedisBackplane Backplane(LayeredCache cache) => ((RedisCacheLayer)cache.Layers[1]).Backplane!;

    private static MemoryCacheLayer Memory(LayeredCache cache) => (MemoryCacheLayer)cache.Layers[0];

    [Test]
    public async Task A_write_on_one_node_drops_the_other_nodes_memory_copy([Values] bool async)
    {
        await using var a = Node("a");
        await using var b = Node("b");
        a.Set("price", 10, TimeSpan.FromMinutes(5));
        // (a copy read while a's message about that write is under way is not kept: wait for it first)
        await RedisLayerTests.WaitUntil(() => Backplane(b).Received == 1);
        Assert.That(b.Get<int>("price"), Is.EqualTo(10));
        Assert.That(Memory(b).Get<int>("price").Found, Is.True, "b holds a copy in memory");

        if (async)
            await a.SetAsync("price", 12, TimeSpan.FromMinutes(5));
        else
            a.Set("price", 12, TimeSpan.FromMinutes(5));

        await RedisLayerTests.WaitUntil(() => !Memory(b).Get<int>("price").Found);
        Assert.That(b.Get<int>("price"), Is.EqualTo(12));
    }

    [Test]
    public async Task A_burst_of_writes_sent_in_batches_drops_each_of_the_other_nodes_memory_copies()
    {
        await using var a = Node("a");
        await using var b = Node("b");
        const int Keys = 120;
        for (var i = 0; i < Keys; i++)
            a.Set("item" + i, i, TimeSpan.FromMinutes(5));
        await RedisLayerTests.WaitUntil(() => Backplane(b).Received == Keys);
        for (var i = 0; i < Keys; i++)
            Assert.That(b.Get<int>("item" + i), Is.EqualTo(i));
        Assert.That(Memory(b).Get<int>("item7").Found, Is.True, "b holds copies in memory");

        var layer = (RedisCacheLayer)a.Layers[1];
        var held = RedisBatchTests.HoldUntilReadsBatch(layer);
        var published = Backplane(a).Published;
        await Task.WhenAll(Enumerable.Range(0, Keys).Select(i => a.SetAsync("item" + i, 1000 + i, TimeSpan.FromMinutes(5)).AsTask()));
        held.ForEach(slot => slot.Dispose());

        Assert.That(layer.BatchedWrites.Writes, Is.EqualTo(Keys), "the writes went in batches");
        Assert.That(Backplane(a).Published, Is.EqualTo(published + Keys), "one publish per write");
        await RedisLayerTests.WaitUntil(() => Enumerable.Range(0, Keys).All(i => !Memory(b).Get<int>("item" + i).Found));
        for (var i = 0; i < Keys; i++)
            Assert.That(b.Get<int>("item" + i), Is.EqualTo(1000 + i), "item" + i);
    }

    [Test]
    public async Task A_write_delete_or_tag_invalidation_costs_one_publish_of_keys_never_of_values([Values] bool async)
    {
        await using var a = Node("a");
        using var watcher = Server.Connect();
        var messages = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        await watcher.GetSubscriber().SubscribeAsync(RedisChannel.Literal("test#backplane"), (_, message) => messages.Enqueue((byte[])message!));
        var secret = "value-" + Guid.NewGuid().ToString("N");
        var steps = new (string Name, Func<Task> Step)[]
        {
            ("set", async () => { if (async) await a.SetAsync("k1", secret, TimeSpan.FromMinutes(5)); else a.Set("k1", secret, TimeSpan.FromMinutes(5)); }),
            ("set with tags", async () =>
            {
                var options = new CacheEntryOptions(TimeSpan.FromMinutes(5)) { Tags = ["t"] };
                if (async) await a.SetAsync("k2", secret, options); else a.Set("k2", secret, options);
            }),
            ("delete", async () => { if (async) await a.DeleteAsync("k1"); else a.Delete("k1"); }),
            ("tag invalidation", async () => { if (async) await a.InvalidateTagAsync("t"); else a.InvalidateTag("t"); }),
        };
        var published = Backplane(a).Published;
        foreach (var (name, step) in steps)
        {
            var seen = messages.Count;
            await step();
            Assert.That(Backplane(a).Published, Is.EqualTo(++published), name + ": one publish");
            await RedisLayerTests.WaitUntil(() => messages.Count == seen + 1);
        }

        await Task.Delay(200); // nothing more arrives
        Assert.That(messages.Select(m => System.Text.Encoding.UTF8.GetString(m)).ToList(), Has.Count.EqualTo(steps.Length));
        Assert.That(messages.Select(m => System.Text.Encoding.UTF8.GetString(m)), Has.None.Contains(secret), "keys only, never values");
    }

    [Test]
    public async Task Invalidating_a_tag_of_fifty_keys_is_one_publish_and_removes_them_from_every_layer_and_node([Values] bool async)
    {
        await using var a = Node("a");
        await using var b = Node("b");
        var options = new CacheEntryOptions(TimeSpan.FromMinutes(5)) { Tags = ["bulk"] };
        var keys = Enumerable.Range(0, 50).Select(i => "bulk:" + i).ToArray();
        foreach (var key in keys)
            a.Set(key, key, options);
        await RedisLayerTests.WaitUntil(() => Backplane(b).Received == keys.Length);
        Assert.That(keys.Select(k => b.Get<string>(k)), Is.EqualTo(keys), "b reads them (and keeps copies in memory)");
        var published = Backplane(a).Published;

        if (async)
            await a.InvalidateTagAsync("bulk");
        else
            a.InvalidateTag("bulk");

        Assert.That(Backplane(a).Published, Is.EqualTo(published + 1), "one message names every key (was one more per key)");
        Assert.That(keys.Select(k => a.TryGet<string>(k).HasValue), Has.All.False);
        await RedisLayerTests.WaitUntil(() => keys.All(k => !Memory(b).Get<string>(k).Found));
        Assert.That(keys.Select(k => b.TryGet<string>(k).HasValue), Has.All.False, "gone from Redis too");
    }

    [Test]
    public async Task A_delete_on_one_node_is_not_served_by_the_other([Values] bool async)
    {
        await using var a = Node("a");
        await using var b = Node("b");
        a.Set("session", "s1", TimeSpan.FromMinutes(5));
        Assert.That(b.Get<string>("session"), Is.EqualTo("s1"));

        if (async)
            await a.DeleteAsync("session");
        else
            a.Delete("session");

        await RedisLayerTests.WaitUntil(() => !b.TryGet<string>("session").HasValue);
    }

    [Test]
    public async Task A_tag_invalidated_on_one_node_drops_the_tagged_copies_on_the_other([Values] bool async)
    {
        await using var a = Node("a");
        await using var b = Node("b");
        a.Set("user:1", "ann", new CacheEntryOptions(TimeSpan.FromMinutes(5), ["users"]));
        a.Set("user:2", "bob", new CacheEntryOptions(TimeSpan.FromMinutes(5), ["users"]));
        a.Set("config", "c", TimeSpan.FromMinutes(5));
        Assert.That((b.Get<string>("user:1"), b.Get<string>("user:2"), b.Get<string>("config")), Is.EqualTo(("ann", "bob", "c")));

        // b invalidates entries a wrote (b's own tag index knows nothing of them): a's memory copies go too.
        if (async)
            await b.InvalidateTagAsync("users");
        else
            b.InvalidateTag("users");

        await RedisLayerTests.WaitUntil(() => !a.TryGet<string>("user:1").HasValue && !a.TryGet<string>("user:2").HasValue);
        Assert.That(b.TryGet<string>("user:1").HasValue, Is.False);
        Assert.That(a.Get<string>("config"), Is.EqualTo("c"), "untagged entries stay");
    }

    [Test]
    public async Task A_node_ignores_its_own_messages_and_messages_carry_no_values()
    {
        await using var a = Node("a");
        await using var b = Node("b");
        var seen = new List<string>();
        var probe = await Raw.GetSubscriber().SubscribeAsync(RedisChannel.Literal("test#backplane"));
        probe.OnMessage(message => { lock (seen) seen.Add(message.Message!); });

        a.Set("k", "a secret value", TimeSpan.FromMinutes(5));
        await RedisLayerTests.WaitUntil(() => Backplane(b).Received == 1);
        await Task.Delay(100);
        Assert.That(Backplane(a).Received, Is.Zero, "a's own message is not applied to a");
        Assert.That(Memory(a).Get<string>("k").Found, Is.True, "a keeps its fresh copy");
        lock (seen)
        {
            Assert.That(seen, Has.Count.EqualTo(1));
            Assert.That(seen[0], Does.Contain("k").And.Not.Contain("secret"));
        }

        await probe.UnsubscribeAsync();
    }

    [Test]
    public async Task A_node_whose_subscription_was_cut_does_not_serve_what_was_deleted_while_it_was_deaf()
    {
        await using var a = Node("a");
        await using var b = Node("b");
        a.Set("order:9", "open", TimeSpan.FromMinutes(5));
        Assert.That(b.Get<string>("order:9"), Is.EqualTo("open"));
        var resets = Backplane(b).Resets;

        // Cut every subscriber connection (b's among them), then delete while b cannot hear it.
        await Raw.GetServer(Server.Endpoint).ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        a.Delete("order:9");

        await RedisLayerTests.WaitUntil(() => Backplane(b).Resets > resets);
        Assert.That(b.TryGet<string>("order:9").HasValue, Is.False);

        // And once subscribed again, b hears changes as before.
        await RedisLayerTests.WaitUntil(() => Raw.GetServer(Server.Endpoint).SubscriptionSubscriberCount(RedisChannel.Literal("test#backplane")) >= 2);
        a.Set("order:10", "open", TimeSpan.FromMinutes(5));
        Assert.That(b.Get<string>("order:10"), Is.EqualTo("open"));
        a.Delete("order:10");
        await RedisLayerTests.WaitUntil(() => !b.TryGet<string>("order:10").HasValue);
    }

    [Test]
    public async Task Propagation_of_many_changes_is_bounded()
    {
        await using var a = Node("a");
        await using var b = Node("b");
        for (var i = 0; i < 200; i++)
        {
            a.Set("k" + i, i, TimeSpan.FromMinutes(5));
            Assert.That(b.Get<int>("k" + i), Is.EqualTo(i));
        }

        for (var i = 0; i < 200; i++)
            await a.SetAsync("k" + i, -i, TimeSpan.FromMinutes(5));

        await RedisLayerTests.WaitUntil(() => Enumerable.Range(0, 200).All(i => b.Get<int>("k" + i) == -i));
    }
}

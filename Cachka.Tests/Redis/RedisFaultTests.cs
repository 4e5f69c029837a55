using System.Collections.Concurrent;
using System.Diagnostics;
using Cachka.Redis;

namespace Cachka.Tests.Redis;

/// <summary>A killed, restarted and frozen redis-server under load: callers never see an exception, never wait past the timeout, never get a deleted value back.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisFaultTests
{
    private static CacheConfig Config(RedisServer server, string name) => new()
    {
        Name = name,
        Layers = [new MemoryCacheConfig { MaxSize = 10_000 }, server.Layer()],
        VacuumInterval = null,
        CleanupOnStart = false,
        CircuitBreakerThreshold = 5,
        CircuitBreakerWindow = TimeSpan.FromMilliseconds(500),
    };

    [Test]
    public async Task Killing_Redis_under_200_callers_fails_no_caller_and_nothing_deleted_during_the_outage_comes_back()
    {
        await using var server = await RedisServer.StartAsync(durable: true);
        await using var cache = (LayeredCache)Config(server, "node").CreateCache();
        for (var i = 0; i < 20; i++)
            cache.Set("victim:" + i, "old " + i, TimeSpan.FromMinutes(10));

        var errors = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 200).Select(id => Task.Run(async () =>
        {
            var random = new Random(id);
            while (!stop.IsCancellationRequested)
            {
                var key = "load:" + random.Next(50);
                try
                {
                    switch (random.Next(6))
                    {
                        case 0: cache.TryGet<int>(key); break;
                        case 1: await cache.TryGetAsync<int>(key); break;
                        case 2: cache.Set(key, id, TimeSpan.FromMinutes(1)); break;
                        case 3: await cache.SetAsync(key, id, TimeSpan.FromMinutes(1)); break;
                        case 4: await cache.DeleteAsync(key); break;
                        default: await cache.GetOrCreateAsync(key, _ => new ValueTask<int>(id), TimeSpan.FromMinutes(1)); break;
                    }
                }
                catch (Exception error)
                {
                    errors.Enqueue(error);
                }

                await Task.Yield();
            }
        })).ToArray();

        try
        {
            await KillRestartAndCheck(server, cache);
        }
        finally
        {
            await stop.CancelAsync(); // a failed check must not leave 200 callers running
            await Task.WhenAll(callers);
        }

        Assert.That(errors, Is.Empty, () => string.Join("\n", errors.Take(3)));
        await using var other = (LayeredCache)Config(server, "other").CreateCache();
        for (var i = 0; i < 20; i++)
            Assert.That(other.TryGet<string>("victim:" + i).HasValue, Is.False, "victim:" + i);
        other.Set("after", 1, TimeSpan.FromMinutes(1));
        Assert.That(cache.Get<int>("after"), Is.EqualTo(1), "values flow again");
    }

    private static async Task KillRestartAndCheck(RedisServer server, LayeredCache cache)
    {
        await Task.Delay(300);
        server.Kill();
        await RedisLayerTests.WaitUntil(() => cache.Slots[1].BreakerState == "OPEN", seconds: 10);
        var health = await cache.HealthCheckAsync();
        Assert.That(health.Status, Is.Not.EqualTo("healthy"));
        Assert.That(health.Layers[1].CircuitBreaker, Is.EqualTo("OPEN"));

        // Deleted while Redis is away: these must never be served again, by this node or any other.
        for (var i = 0; i < 20; i++)
            await cache.DeleteAsync("victim:" + i);

        await server.StartProcessAsync(); // same port, same data (the append-only file kept the victims)
        // Recovered: the breaker closed and no victim is still awaiting its repair (load keys may be, as the
        // callers keep writing: a sync write declined at MaxConnections is repaired like a failed one).
        await RedisLayerTests.WaitUntil(
            () => cache.TryGet<int>("probe").HasValue is false && cache.Slots[1].BreakerState == "CLOSED"
                && Enumerable.Range(0, 20).All(i => !cache.Slots[1].MayBeStale("victim:" + i)),
            seconds: 20);
    }

    [Test]
    public async Task A_frozen_Redis_costs_each_call_at_most_the_operation_timeout_and_recovery_follows_the_thaw()
    {
        await using var server = await RedisServer.StartAsync();
        await using var cache = (LayeredCache)(Config(server, "node") with { CircuitBreakerThreshold = 1000 }).CreateCache();
        cache.Set("warm", 1, TimeSpan.FromMinutes(1));
        var limit = server.Layer().OperationTimeout + TimeSpan.FromSeconds(1);

        server.Freeze();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var watch = Stopwatch.StartNew();
                Assert.That(cache.TryGet<int>("cold:" + i).HasValue, Is.False);
                Assert.That(watch.Elapsed, Is.LessThan(limit), "sync read");
                watch.Restart();
                Assert.That((await cache.TryGetAsync<int>("cold:a" + i)).HasValue, Is.False);
                Assert.That(watch.Elapsed, Is.LessThan(limit), "async read");
                watch.Restart();
                await cache.SetAsync("cold:s" + i, i, TimeSpan.FromMinutes(1));
                cache.Set("cold:t" + i, i, TimeSpan.FromMinutes(1));
                Assert.That(watch.Elapsed, Is.LessThan(limit * 2), "a sync and an async write");
            }
        }
        finally
        {
            server.Thaw();
        }

        // The first call that reaches Redis again starts the repair of the writes it missed.
        await RedisLayerTests.WaitUntil(() => cache.TryGet<int>("probe").HasValue is false && cache.Slots[1].MissedCount == 0, seconds: 10);
        await using var other = (LayeredCache)Config(server, "other").CreateCache();
        cache.Set("thawed", 2, TimeSpan.FromMinutes(1));
        Assert.That(other.Get<int>("thawed"), Is.EqualTo(2));
    }

    [Test]
    public async Task A_batch_sent_to_a_frozen_Redis_misses_for_each_of_its_callers_within_the_timeout_and_reads_flow_after_the_thaw()
    {
        await using var server = await RedisServer.StartAsync();
        var timeout = TimeSpan.FromSeconds(1);
        await using var cache = RedisOnlyWithSlots(server, maxConnections: 50, timeout);
        var layer = (RedisCacheLayer)cache.Layers[0];
        for (var i = 0; i < 40; i++)
            cache.Set("k" + i, i, TimeSpan.FromMinutes(1));

        server.Freeze();
        try
        {
            var held = RedisBatchTests.HoldUntilReadsBatch(layer);
            var watch = Stopwatch.StartNew();
            var reads = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => cache.TryGetAsync<int>("k" + i).AsTask()));
            Assert.That(reads.Select(r => r.HasValue), Has.All.False, "each caller of a failed batch misses; none throws");
            Assert.That(watch.Elapsed, Is.LessThan(timeout + TimeSpan.FromSeconds(1)));
            Assert.That(layer.BatchedReads.Reads, Is.EqualTo(40));
            held.ForEach(slot => slot.Dispose());
        }
        finally
        {
            server.Thaw();
        }

        await RedisLayerTests.WaitUntil(() => layer.InFlight == 0, seconds: 10);
        Assert.That(cache.GetMetricsText(), Does.Contain("error_type=\"RedisTimeoutException\""), "each caller's failure is counted as its own GET's would be");
        var after = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => cache.GetAsync<int>("k" + i).AsTask()));
        Assert.That(after, Is.EqualTo(Enumerable.Range(0, 40)));
    }

    // Redis alone, a bound of a few slots, a breaker that stays closed: the slots are what the test is about.
    private static LayeredCache RedisOnlyWithSlots(RedisServer server, int maxConnections, TimeSpan timeout) => (LayeredCache)new CacheConfig
    {
        Layers = [server.Layer(backplane: false) with { MaxConnections = maxConnections, OperationTimeout = timeout }],
        VacuumInterval = null,
        CleanupOnStart = false,
        CircuitBreakerThreshold = 1000,
    }.CreateCache();

    [Test]
    public async Task Callers_beyond_max_connections_wait_in_line_get_slots_as_commands_end_and_leave_at_their_timeout_or_cancellation()
    {
        await using var server = await RedisServer.StartAsync();
        // Long enough that a loaded machine thaws the server well within it.
        var timeout = TimeSpan.FromSeconds(2);
        await using var cache = RedisOnlyWithSlots(server, maxConnections: 2, timeout);
        var layer = (RedisCacheLayer)cache.Layers[0];
        cache.Set("shared", "v", TimeSpan.FromMinutes(1));

        // Frozen briefly: two reads hold the slots, four wait in line; the thaw comes before any wait runs out, and
        // every slot passes down the line: all six read the value.
        server.Freeze();
        var reads = Enumerable.Range(0, 6).Select(_ => cache.TryGetAsync<string>("shared").AsTask()).ToList();
        await RedisLayerTests.WaitUntil(() => layer.SlotWaiters == 4);
        Assert.That(layer.InFlight, Is.EqualTo(2));
        await Task.Delay(timeout / 5);
        server.Thaw();
        var values = await Task.WhenAll(reads);
        Assert.That(values.Select(v => v.Value), Has.All.EqualTo("v"), "the waiters got slots as the held commands ended");

        // Frozen until the waits run out: the waiters miss within the timeout, a cancelled one leaves at once.
        server.Freeze();
        try
        {
            var holders = Enumerable.Range(0, 2).Select(_ => cache.TryGetAsync<string>("shared").AsTask()).ToList();
            await RedisLayerTests.WaitUntil(() => layer.InFlight == 2);
            var watch = Stopwatch.StartNew();
            using var leaving = new CancellationTokenSource();
            var cancelled = cache.TryGetAsync<string>("shared", leaving.Token).AsTask();
            var waiters = Enumerable.Range(0, 3).Select(_ => cache.TryGetAsync<string>("shared").AsTask()).ToList();
            await RedisLayerTests.WaitUntil(() => layer.SlotWaiters == 4);
            var leaveWatch = Stopwatch.StartNew();
            await leaving.CancelAsync();
            Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(leaveWatch.Elapsed, Is.LessThan(timeout), "a cancelled waiter leaves the line at once");
            // A waiter's slot wait ends at the timeout; one that got a slot then waits for its own command's timeout.
            var missed = await Task.WhenAll(waiters);
            Assert.That(missed.Select(v => v.HasValue), Has.All.False, "a waiter that ran out misses the layer");
            Assert.That(watch.Elapsed, Is.LessThan(2 * timeout + TimeSpan.FromSeconds(1)));
            Assert.That((await Task.WhenAll(holders)).Select(v => v.HasValue), Has.All.False);
        }
        finally
        {
            server.Thaw();
        }

        await RedisLayerTests.WaitUntil(() => layer.InFlight == 0 && layer.SlotWaiters == 0);
        Assert.That((await cache.TryGetAsync<string>("shared")).Value, Is.EqualTo("v"), "slots flow again after the thaw");
        Assert.That(cache.GetMetricsText(), Does.Contain("error_type=\"busy\""), "a wait that ran out is counted as busy");
    }

    [Test]
    public async Task A_caller_that_waited_for_a_slot_still_ends_within_the_operation_timeout_reads_writes_and_deletes_alike()
    {
        await using var server = await RedisServer.StartAsync();
        var timeout = TimeSpan.FromSeconds(1);
        await using var cache = RedisOnlyWithSlots(server, maxConnections: 1, timeout);
        var layer = (RedisCacheLayer)cache.Layers[0];
        var calls = new (string Name, Func<Task> Call)[]
        {
            ("read", async () => Assert.That((await cache.TryGetAsync<string>("r")).HasValue, Is.False)),
            ("write", async () => await cache.SetAsync("w", "v", TimeSpan.FromMinutes(1))),
            ("delete", async () => await cache.DeleteAsync("d")),
        };
        foreach (var (name, call) in calls)
        {
            server.Freeze();
            try
            {
                // The only slot is held; the caller waits in line, gets the slot when most of its timeout is gone,
                // and sends its command to a frozen Redis: it must not wait a whole timeout more.
                var held = layer.HoldSlot();
                var watch = Stopwatch.StartNew();
                var waiting = call();
                await RedisLayerTests.WaitUntil(() => layer.SlotWaiters == 1);
                await Task.Delay(timeout * 0.6);
                held.Dispose();
                await waiting;
                Assert.That(watch.Elapsed, Is.LessThan(timeout + TimeSpan.FromMilliseconds(400)), name);
            }
            finally
            {
                server.Thaw();
            }

            // The command it left behind keeps its slot until it ends; then the slot comes back.
            await RedisLayerTests.WaitUntil(() => layer.InFlight == 0, seconds: 10);
        }

        Assert.That(cache.Slots.Single(s => s.Layer == layer).MissedCount, Is.GreaterThan(0), "the write and delete left behind are repaired");
        await RedisLayerTests.WaitUntil(() => cache.TryGet<string>("probe").HasValue is false && cache.Slots.Single(s => s.Layer == layer).MissedCount == 0, seconds: 10);
    }
}

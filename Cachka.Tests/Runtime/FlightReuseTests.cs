namespace Cachka.Tests.Runtime;

/// <summary>
/// A cold miss reuses its flight when nobody but its own runner and caller held it (FlightTable.Release). The
/// adversarial side: a flight a waiter, a change or another thread found is never reused under them, and no caller
/// ever gets another key's value.
/// </summary>
public class FlightReuseTests
{
    private const int MaxSize = 1024;

    [Test]
    public void A_sync_cold_miss_allocates_no_flight()
    {
        using var cache = TestCaches.Memory(maxSize: MaxSize);
        var value = new object();
        var keys = Keys(4 * MaxSize);

        // Past capacity first, so the measured misses evict as many entries as they store (no table growth).
        for (var i = 0; i < 2 * MaxSize; i++)
            cache.GetOrCreate(keys[i], value, static v => v);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 2 * MaxSize; i < 4 * MaxSize; i++)
            cache.GetOrCreate(keys[i], value, static v => v);
        var perMiss = (GC.GetAllocatedBytesForCurrentThread() - before) / (2 * MaxSize);

        // The entry (88 B: it is its own index node); a new flight would add 128 B, an index node 48 B. (The async form is
        // measured by ColdMissBenchmarks: a Debug build's async state machines are classes, so a test cannot count it.)
        Assert.That(perMiss, Is.LessThanOrEqualTo(100), "bytes per cold miss");
    }

    [Test]
    public void A_sync_waiter_gets_its_keys_value_while_the_leader_goes_on_to_other_misses()
    {
        using var cache = TestCaches.Memory(maxSize: MaxSize);
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        string? waited = null;

        var leader = new Thread(() =>
        {
            cache.GetOrCreate("a", () =>
            {
                started.Set();
                release.Wait();
                return "A";
            });

            // The same thread's next misses take a reused flight if the landed one was handed back.
            for (var i = 0; i < 10_000; i++)
                cache.GetOrCreate("other:" + i, () => "wrong");
        });
        var waiter = new Thread(() => waited = cache.GetOrCreate("a", () => "the waiter ran the factory"));

        leader.Start();
        started.Wait();
        waiter.Start();
        SpinWait.SpinUntil(() => waiter.ThreadState == ThreadState.WaitSleepJoin, TimeSpan.FromSeconds(5));
        release.Set();

        Assert.Multiple(() =>
        {
            Assert.That(waiter.Join(TimeSpan.FromSeconds(20)), Is.True, "the waiter woke");
            Assert.That(leader.Join(TimeSpan.FromSeconds(20)), Is.True, "the leader finished");
            Assert.That(waited, Is.EqualTo("A"));
        });
    }

    [Test]
    public async Task A_delete_during_a_fill_does_not_follow_the_thread_to_its_next_miss()
    {
        using var cache = TestCaches.Memory(maxSize: MaxSize);
        var first = cache.GetOrCreate("a", () =>
        {
            cache.Delete("a"); // the fill's key changes: its value is returned but not stored
            return "A";
        });
        var runs = 0;
        var second = cache.GetOrCreate("b", () => { runs++; return "B"; });
        var again = cache.GetOrCreate("b", () => { runs++; return "B again"; });
        var asyncAgain = await cache.GetOrCreateAsync("b", _ => new ValueTask<string>("B async"));

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo("A"));
            Assert.That(cache.TryGet<string>("a").HasValue, Is.False, "the changed fill stored nothing");
            Assert.That((second, again, asyncAgain, runs), Is.EqualTo(("B", "B", "B", 1)), "the next fill on the thread stores");
        });
    }

    [Test]
    public async Task Mixed_sync_and_async_misses_deletes_and_waits_never_return_another_keys_value()
    {
        using var cache = TestCaches.Memory(maxSize: 64);
        var wrong = 0;
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 5_000; i++)
            {
                var key = "k" + random.Next(100);
                var expected = key + "|v";
                string got;
                switch (random.Next(5))
                {
                    case 0:
                        got = cache.GetOrCreate(key, key, static k => k + "|v");
                        break;
                    case 1:
                        got = await cache.GetOrCreateAsync(key, key, static (k, _) => new ValueTask<string>(k + "|v"));
                        break;
                    case 2:
                        got = await cache.GetOrCreateAsync(key, key, static async (k, _) =>
                        {
                            await Task.Yield();
                            return k + "|v";
                        });
                        break;
                    case 3:
                        got = cache.GetOrCreate(key, key, static k =>
                        {
                            Thread.SpinWait(200);
                            return k + "|v";
                        });
                        break;
                    default:
                        await cache.DeleteAsync(key);
                        got = expected;
                        break;
                }

                if (got != expected)
                    Interlocked.Increment(ref wrong);
            }
        })).ToArray();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Multiple(() =>
        {
            Assert.That(wrong, Is.Zero, "calls that got another key's value");
            Assert.That(cache.FlightsInProgress, Is.Zero);
        });
    }

    private static string[] Keys(int count) => Enumerable.Range(0, count).Select(i => "key:" + i).ToArray();
}

namespace Cachka.Tests.Runtime;

public class StampedeTests
{
    private const int Callers = 64;

    [Test]
    public void Concurrent_sync_misses_on_one_key_run_the_factory_once()
    {
        using var cache = TestCaches.Memory();
        var runs = 0;
        using var start = new Barrier(Callers);

        var results = new int[Callers];
        var threads = Enumerable.Range(0, Callers).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = cache.GetOrCreate("cold", () =>
            {
                Interlocked.Increment(ref runs);
                Thread.Sleep(50);
                return 42;
            });
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Multiple(() =>
        {
            Assert.That(runs, Is.EqualTo(1));
            Assert.That(results, Is.All.EqualTo(42));
            Assert.That(cache.FlightsInProgress, Is.Zero);
        });
    }

    [Test]
    public async Task Concurrent_async_misses_on_one_key_run_the_factory_once()
    {
        using var cache = TestCaches.Memory();
        var runs = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, Callers).Select(_ => cache.GetOrCreateAsync("cold", async ct =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            return 42;
        }).AsTask()).ToList();
        gate.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.Multiple(() =>
        {
            Assert.That(runs, Is.EqualTo(1));
            Assert.That(results, Is.All.EqualTo(42));
        });
    }

    [Test]
    public async Task Sync_and_async_callers_of_one_key_share_one_factory_run()
    {
        using var cache = TestCaches.Memory();
        var runs = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var asyncCaller = cache.GetOrCreateAsync("mixed", async _ =>
        {
            Interlocked.Increment(ref runs);
            await release.Task;
            return "value";
        }).AsTask();
        var syncResults = new string[8];
        var syncCallers = Enumerable.Range(0, syncResults.Length).Select(i => new Thread(() => syncResults[i] = cache.GetOrCreate("mixed", () =>
        {
            Interlocked.Increment(ref runs);
            return "other";
        }))).ToList();
        syncCallers.ForEach(t => t.Start());
        await Task.Delay(100);
        release.SetResult();
        syncCallers.ForEach(t => t.Join());

        Assert.Multiple(async () =>
        {
            Assert.That(runs, Is.EqualTo(1));
            Assert.That(await asyncCaller, Is.EqualTo("value"));
            Assert.That(syncResults, Is.All.EqualTo("value"));
        });
    }

    [Test]
    public async Task A_factory_exception_reaches_every_waiter_and_caches_nothing()
    {
        using var cache = TestCaches.Memory();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;

        var callers = Enumerable.Range(0, 16).Select(_ => cache.GetOrCreateAsync<int>("boom", async _ =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            throw new InvalidOperationException("origin down");
        }).AsTask()).ToList();
        gate.SetResult();

        foreach (var caller in callers)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await caller);
            Assert.That(error!.Message, Is.EqualTo("origin down"));
        }

        Assert.Multiple(() =>
        {
            Assert.That(runs, Is.EqualTo(1));
            Assert.That(cache.TryGet<int>("boom").HasValue, Is.False);
        });
        Assert.That(await cache.GetOrCreateAsync("boom", _ => ValueTask.FromResult(5)), Is.EqualTo(5), "the next call runs the factory again");
    }

    [Test]
    public void A_sync_factory_exception_reaches_every_waiter_and_caches_nothing()
    {
        using var cache = TestCaches.Memory();
        var runs = 0;
        var errors = 0;
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                cache.GetOrCreate<int>("boom", () =>
                {
                    Interlocked.Increment(ref runs);
                    Thread.Sleep(50);
                    throw new InvalidOperationException("origin down");
                });
            }
            catch (InvalidOperationException)
            {
                Interlocked.Increment(ref errors);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Multiple(() =>
        {
            Assert.That(runs, Is.EqualTo(1));
            Assert.That(errors, Is.EqualTo(8));
            Assert.That(cache.TryGet<int>("boom").HasValue, Is.False);
        });
    }

    [Test]
    public async Task One_waiters_cancellation_does_not_cancel_the_others()
    {
        using var cache = TestCaches.Memory();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factoryToken = CancellationToken.None;
        using var leaderCancel = new CancellationTokenSource();

        var leader = cache.GetOrCreateAsync("slow", async ct =>
        {
            factoryToken = ct;
            await gate.Task;
            return "done";
        }, cancellationToken: leaderCancel.Token).AsTask();
        var follower = cache.GetOrCreateAsync("slow", _ => ValueTask.FromResult("never runs")).AsTask();

        await leaderCancel.CancelAsync();
        await Assert.ThrowsAsync<TaskCanceledException>(async () => await leader);
        Assert.That(factoryToken.IsCancellationRequested, Is.False, "the follower still waits, so the factory goes on");

        gate.SetResult();
        Assert.That(await follower, Is.EqualTo("done"));
        Assert.That(await cache.GetAsync<string>("slow"), Is.EqualTo("done"));
    }

    [Test]
    public async Task When_every_waiter_cancels_the_factory_is_cancelled_and_nothing_is_cached()
    {
        using var cache = TestCaches.Memory();
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async ValueTask<string> Factory(CancellationToken ct)
        {
            ct.Register(() => cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        }

        var a = cache.GetOrCreateAsync("k", Factory, cancellationToken: first.Token).AsTask();
        var b = cache.GetOrCreateAsync("k", Factory, cancellationToken: second.Token).AsTask();
        await first.CancelAsync();
        await second.CancelAsync();

        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<TaskCanceledException>(async () => await a);
        await Assert.ThrowsAsync<TaskCanceledException>(async () => await b);
        Assert.That(cache.TryGet<string>("k").HasValue, Is.False);
        Assert.That(await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh")), Is.EqualTo("fresh"));
    }

    [Test]
    public async Task Different_keys_do_not_wait_for_each_other()
    {
        using var cache = TestCaches.Memory();
        var slowGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = cache.GetOrCreateAsync("slow", async _ =>
        {
            await slowGate.Task;
            return 1;
        }).AsTask();

        var fast = await cache.GetOrCreateAsync("fast", _ => ValueTask.FromResult(2)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(fast, Is.EqualTo(2));
        Assert.That(slow.IsCompleted, Is.False);
        slowGate.SetResult();
        Assert.That(await slow, Is.EqualTo(1));
    }

    [Test]
    public void Rounds_of_stampedes_run_the_factory_once_per_round()
    {
        var clock = TestCaches.Clock();
        using var cache = TestCaches.Memory(clock);
        var runs = 0;
        for (var round = 0; round < 5; round++)
        {
            Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, _ =>
                cache.GetOrCreate("round", () =>
                {
                    Interlocked.Increment(ref runs);
                    Thread.Sleep(20);
                    return round;
                }, TimeSpan.FromSeconds(1)));
            clock.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.That(runs, Is.EqualTo(5));
    }
}

namespace Cachka.Tests.Runtime;

/// <summary>
/// An async miss of a memory-only cache with a plain fill lands on the caller's stack when its factory completes at
/// once, and detached from its caller when the factory is still running: both ways every caller gets the factory's
/// one outcome, the value is stored, the flight leaves the table and the operation ends.
/// </summary>
public class LocalAsyncFlightTests
{
    [Test]
    public async Task A_factory_that_completes_at_once_is_stored_and_leaves_no_flight()
    {
        using var cache = TestCaches.Memory();
        var runs = 0;

        var first = await cache.GetOrCreateAsync("k", ct => { runs++; return new ValueTask<int>(7); });
        var second = await cache.GetOrCreateAsync("k", ct => { runs++; return new ValueTask<int>(8); });

        Assert.Multiple(() =>
        {
            Assert.That((first, second), Is.EqualTo((7, 7)));
            Assert.That(runs, Is.EqualTo(1));
            Assert.That(cache.FlightsInProgress, Is.Zero);
            Assert.That(cache.GetStatistics().Misses, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_factory_that_throws_before_it_returns_fails_its_caller_and_the_next_call_runs_afresh()
    {
        using var cache = TestCaches.Memory();

        Assert.That(async () => await cache.GetOrCreateAsync<int>("k", ct => throw new InvalidOperationException("at once")),
            Throws.InvalidOperationException.With.Message.EqualTo("at once"));
        Assert.That(async () => await cache.GetOrCreateAsync<int>("k", ct => ValueTask.FromException<int>(new TimeoutException("faulted"))),
            Throws.TypeOf<TimeoutException>());
        var value = await cache.GetOrCreateAsync("k", ct => new ValueTask<int>(3));

        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo(3));
            Assert.That(cache.FlightsInProgress, Is.Zero);
        });
    }

    [Test]
    public async Task A_running_factory_serves_every_waiter_once_and_a_failing_one_fails_them_all([Values] bool fails)
    {
        using var cache = TestCaches.Memory();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;

        var callers = Enumerable.Range(0, 16).Select(_ => cache.GetOrCreateAsync("k", async ct =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            return fails ? throw new InvalidOperationException("late") : 5;
        }).AsTask()).ToList();
        gate.SetResult();

        if (fails)
        {
            foreach (var caller in callers)
                Assert.That(async () => await caller, Throws.InvalidOperationException);
            Assert.That(cache.TryGet<int>("k").HasValue, Is.False, "a failed fill stores nothing");
        }
        else
        {
            Assert.That(await Task.WhenAll(callers), Is.All.EqualTo(5));
            Assert.That(cache.Get<int>("k"), Is.EqualTo(5));
        }

        Assert.Multiple(() =>
        {
            Assert.That(runs, Is.EqualTo(1));
            Assert.That(cache.FlightsInProgress, Is.Zero);
        });
    }

    [Test]
    public async Task The_leaders_caller_cancelling_stops_only_its_own_wait_and_the_value_is_still_stored()
    {
        using var cache = TestCaches.Memory();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var leaving = new CancellationTokenSource();

        var leader = cache.GetOrCreateAsync("k", async ct => { await gate.Task; return 9; }, cancellationToken: leaving.Token).AsTask();
        var waiter = cache.GetOrCreateAsync("k", async ct => { await gate.Task; return -1; }).AsTask();
        await leaving.CancelAsync();
        Assert.That(async () => await leader, Throws.InstanceOf<OperationCanceledException>());
        gate.SetResult();

        Assert.That(await waiter, Is.EqualTo(9));
        Assert.That(cache.Get<int>("k"), Is.EqualTo(9));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (cache.FlightsInProgress > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        Assert.That(cache.FlightsInProgress, Is.Zero);
    }

    [Test]
    public async Task Dispose_waits_for_a_running_factory_of_an_async_miss()
    {
        var cache = TestCaches.Memory();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var miss = cache.GetOrCreateAsync("k", async ct => { await gate.Task; return 1; }).AsTask();

        var disposing = Task.Run(cache.Dispose);
        await Task.Delay(100);
        Assert.That(disposing.IsCompleted, Is.False, "the miss is an operation in flight");
        gate.SetResult();

        await disposing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(await miss, Is.EqualTo(1));
    }
}

using System.Threading.Tasks.Sources;
using Cachka.Internal;

namespace Cachka.Tests.Runtime;

/// <summary>
/// The pooled step that replaces an async method on the remote read path (Continued): the adversarial side is a step
/// object reused while an earlier result is still read, a result read twice, a step that throws, and the caller's
/// execution context on the thread that completes the call.
/// </summary>
public class ContinuedTests
{
    private readonly struct Doubled : IContinuation<int, int>
    {
        public int Continue(ValueTask<int> completed) => completed.GetAwaiter().GetResult() * 2;
    }

    private readonly struct Throwing : IContinuation<int, int>
    {
        public int Continue(ValueTask<int> completed) => throw new InvalidDataException("step " + completed.GetAwaiter().GetResult());
    }

    private static readonly AsyncLocal<string?> Ambient = new();

    private readonly struct ReadsAmbient : IContinuation<int, string?>
    {
        public string? Continue(ValueTask<int> completed)
        {
            completed.GetAwaiter().GetResult();
            return Ambient.Value;
        }
    }

    [Test]
    public async Task A_completed_call_runs_the_step_at_once_and_a_pending_one_when_it_completes()
    {
        Assert.That(Continued<int, int, Doubled>.After(new ValueTask<int>(21), default).IsCompletedSuccessfully, Is.True);
        Assert.That(await Continued<int, int, Doubled>.After(new ValueTask<int>(21), default), Is.EqualTo(42));

        var pending = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var step = Continued<int, int, Doubled>.After(new ValueTask<int>(pending.Task), default);
        Assert.That(step.IsCompleted, Is.False);
        pending.SetResult(5);
        Assert.That(await step, Is.EqualTo(10));
    }

    [Test]
    public async Task A_failed_call_and_a_throwing_step_fault_the_result_and_are_never_thrown_by_the_call_itself()
    {
        var failedAtOnce = Continued<int, int, Doubled>.After(ValueTask.FromException<int>(new TimeoutException("layer")), default);
        Assert.That(failedAtOnce.IsFaulted, Is.True, "a completed failure is the result's, not the caller's exception");
        await Assert.ThrowsAsync<TimeoutException>(async () => await failedAtOnce);

        var throwsAtOnce = Continued<int, int, Throwing>.After(new ValueTask<int>(1), default);
        await Assert.ThrowsAsync<InvalidDataException>(async () => await throwsAtOnce);

        var pending = new TaskCompletionSource<int>();
        var later = Continued<int, int, Throwing>.After(new ValueTask<int>(pending.Task), default);
        pending.SetResult(2);
        Assert.That((await Assert.ThrowsAsync<InvalidDataException>(async () => await later))!.Message, Is.EqualTo("step 2"));

        var failing = new TaskCompletionSource<int>();
        var failedLater = Continued<int, int, Doubled>.After(new ValueTask<int>(failing.Task), default);
        failing.SetException(new TimeoutException("later"));
        Assert.That((await Assert.ThrowsAsync<TimeoutException>(async () => await failedLater))!.Message, Is.EqualTo("later"));
    }

    [Test]
    public async Task A_result_read_twice_throws_and_the_step_it_came_from_is_not_given_out_twice()
    {
        var pending = new TaskCompletionSource<int>();
        var first = Continued<int, int, Doubled>.After(new ValueTask<int>(pending.Task), default);
        pending.SetResult(1);
        var source = first.AsTask().Result; // reads the result once (and returns the step to the pool)
        Assert.That(source, Is.EqualTo(2));

        // Reading it again must fail, and must not put the same step into the pool a second time: two later
        // calls that got the same step would complete each other.
        Assert.Throws<InvalidOperationException>(() => ReadAgain(first));
        var a = new TaskCompletionSource<int>();
        var b = new TaskCompletionSource<int>();
        var stepA = Continued<int, int, Doubled>.After(new ValueTask<int>(a.Task), default);
        var stepB = Continued<int, int, Doubled>.After(new ValueTask<int>(b.Task), default);
        b.SetResult(100);
        a.SetResult(7);
        Assert.That(await stepA, Is.EqualTo(14));
        Assert.That(await stepB, Is.EqualTo(200));
    }

    // A ValueTask's second GetResult, as a caller that awaits it twice does.
    private static int ReadAgain(ValueTask<int> consumed) => consumed.GetAwaiter().GetResult();

    [Test]
    public void A_result_read_before_it_is_there_throws_and_the_step_still_completes_its_own_call()
    {
        var pending = new TaskCompletionSource<int>();
        var step = Continued<int, int, Doubled>.After(new ValueTask<int>(pending.Task), default);
        Assert.Throws<InvalidOperationException>(() => ReadAgain(step), "a pending pooled result cannot be read");
        var other = new TaskCompletionSource<int>();
        var next = Continued<int, int, Doubled>.After(new ValueTask<int>(other.Task), default);
        pending.SetResult(3);
        other.SetResult(4);
        Assert.That(next.AsTask().Result, Is.EqualTo(8), "the early read did not hand the pending step to another call");
    }

    [Test]
    public async Task The_step_runs_in_the_callers_execution_context_on_the_thread_that_completes_the_call()
    {
        var pending = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask<string?> step;
        Ambient.Value = "caller";
        try
        {
            step = Continued<int, string?, ReadsAmbient>.After(new ValueTask<int>(pending.Task), default);
        }
        finally
        {
            Ambient.Value = null;
        }

        // Completed from a thread whose context has no value.
        await Task.Run(() => { using (ExecutionContext.SuppressFlow()) pending.SetResult(1); });
        Assert.That(await step, Is.EqualTo("caller"));
    }

    [Test]
    public async Task Thousands_of_steps_in_flight_completed_in_any_order_each_get_their_own_result()
    {
        const int count = 5_000;
        var calls = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < count; i++)
                calls[i] = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var steps = calls.Select(call => Continued<int, int, Doubled>.After(new ValueTask<int>(call.Task), default).AsTask()).ToArray();
            var order = Enumerable.Range(0, count).OrderBy(_ => Random.Shared.Next()).ToArray();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(part => Task.Run(() =>
            {
                for (var j = part; j < count; j += 4)
                    calls[order[j]].SetResult(order[j]);
            })));
            var results = await Task.WhenAll(steps);
            for (var i = 0; i < count; i++)
                Assert.That(results[i], Is.EqualTo(2 * i), $"round {round}, call {i}");
        }
    }

    [Test]
    public void A_pooled_result_is_a_value_task_source_that_reports_its_status()
    {
        var pending = new TaskCompletionSource<int>();
        var step = Continued<int, int, Doubled>.After(new ValueTask<int>(pending.Task), default);
        Assert.That(step.IsCompleted, Is.False);
        pending.SetResult(1);
        SpinWait.SpinUntil(() => step.IsCompleted, TimeSpan.FromSeconds(10));
        Assert.That(step.IsCompletedSuccessfully, Is.True);
        Assert.That(step.Result, Is.EqualTo(2));
    }
}

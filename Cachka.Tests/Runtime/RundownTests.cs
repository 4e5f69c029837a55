using Cachka.Internal;

namespace Cachka.Tests.Runtime;

/// <summary>
/// The rundown counts operations with plain writes to per-thread cells and makes its close pay for the ordering
/// (a process-wide barrier): these tests race entries, exits and the close on many threads, the adversarial case.
/// </summary>
public class RundownTests
{
    [Test]
    public void A_close_with_nothing_in_flight_drains_at_once_and_refuses_later_entries()
    {
        var rundown = new Rundown();
        Assert.That(rundown.TryEnter(), Is.True);
        rundown.Exit();

        Assert.Multiple(() =>
        {
            Assert.That(rundown.Close(), Is.True);
            Assert.That(rundown.Close(), Is.False, "only the first close closes");
            Assert.That(rundown.IsClosed, Is.True);
            Assert.That(rundown.Drained.IsCompleted, Is.True);
            Assert.That(rundown.TryEnter(), Is.False);
        });
        rundown.WaitDrained();
    }

    [Test]
    public async Task A_close_waits_for_the_operation_in_flight_even_when_it_exits_on_another_thread()
    {
        var rundown = new Rundown();
        Assert.That(rundown.TryEnter(), Is.True);

        Assert.That(rundown.Close(), Is.True);
        Assert.That(rundown.Drained.IsCompleted, Is.False);
        await Task.Run(rundown.Exit);

        await rundown.Drained.WaitAsync(TimeSpan.FromSeconds(10));
        rundown.WaitDrained();
    }

    [Test]
    public void No_operation_let_in_is_still_running_when_the_drain_completes_and_the_drain_always_completes([Values(4, 40)] int threads)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var rundown = new Rundown();
            var inside = 0;
            var drained = 0;
            var violations = 0;
            using var go = new ManualResetEventSlim();
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                go.Wait();
                while (rundown.TryEnter())
                {
                    Interlocked.Increment(ref inside);
                    if (Volatile.Read(ref drained) != 0)
                        Interlocked.Increment(ref violations);
                    Thread.SpinWait(attempt % 7 * 10);
                    Interlocked.Decrement(ref inside);
                    rundown.Exit();
                }
            }) { IsBackground = true }).ToList();
            workers.ForEach(w => w.Start());
            go.Set();
            Thread.SpinWait(attempt * 200);

            rundown.Close();
            Assert.That(rundown.Drained.Wait(TimeSpan.FromSeconds(10)), Is.True, $"attempt {attempt}: the drain never completed");
            var stillInside = Volatile.Read(ref inside);
            Volatile.Write(ref drained, 1);
            workers.ForEach(w => w.Join());

            Assert.Multiple(() =>
            {
                Assert.That(stillInside, Is.Zero, $"attempt {attempt}: drained with an operation in flight");
                Assert.That(violations, Is.Zero, $"attempt {attempt}: an operation ran after the drain");
            });
        }
    }
}

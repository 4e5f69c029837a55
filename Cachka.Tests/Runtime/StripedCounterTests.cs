using Cachka.Internal;

namespace Cachka.Tests.Runtime;

public class StripedCounterTests
{
    [Test]
    public void Counts_every_increment_of_one_thread()
    {
        var counter = new StripedCounter();
        for (var i = 0; i < 1000; i++)
            counter.Increment();
        counter.Add(5);

        Assert.That(counter.Value, Is.EqualTo(1005));
    }

    [Test]
    public void Loses_no_increment_when_more_threads_than_cells_count_at_once()
    {
        var counter = new StripedCounter();
        const int threads = 300;
        const int perThread = 20_000;
        using var start = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.Wait();
            for (var i = 0; i < perThread; i++)
                counter.Increment();
        })).ToList();
        workers.ForEach(w => w.Start());

        start.Set();
        workers.ForEach(w => w.Join());

        Assert.That(counter.Value, Is.EqualTo((long)threads * perThread));
    }

    [Test]
    public void Keeps_the_count_of_a_thread_that_ended_when_its_cell_passes_to_a_new_thread()
    {
        var counter = new StripedCounter();
        RunOnNewThread(() => CountTimes(counter, 1000));
        GC.Collect();
        GC.WaitForPendingFinalizers();

        RunOnNewThread(() => CountTimes(counter, 500));

        Assert.That(counter.Value, Is.EqualTo(1500));
    }

    private static void CountTimes(StripedCounter counter, int times)
    {
        for (var i = 0; i < times; i++)
            counter.Increment();
    }

    private static void RunOnNewThread(Action action)
    {
        var thread = new Thread(() => action());
        thread.Start();
        thread.Join();
    }
}

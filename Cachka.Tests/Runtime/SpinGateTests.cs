using Cachka.Internal;

namespace Cachka.Tests.Runtime;

public class SpinGateTests
{
    // A plain read-modify-write under the gate: any two threads inside at once lose an increment.
    [Test]
    public void Lets_one_thread_in_at_a_time_when_more_threads_than_cores_contend()
    {
        var gates = new BucketGates(2);
        long[] counts = [0, 0];
        const int threads = 16;
        const int perThread = 50_000;
        using var start = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.Wait();
            for (var i = 0; i < perThread; i++)
            {
                var index = (t + i) & 1;
                using (gates.Enter(index))
                {
                    var before = counts[index];
                    Thread.SpinWait(i % 7 == 0 ? 20 : 0);
                    counts[index] = before + 1;
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());

        start.Set();
        workers.ForEach(w => w.Join());

        Assert.That(counts[0] + counts[1], Is.EqualTo((long)threads * perThread));
    }

    [Test]
    public void Releases_the_gate_when_the_section_throws()
    {
        var gate = 0;
        Assert.Throws<InvalidOperationException>(() =>
        {
            using (SpinGate.Enter(ref gate))
                throw new InvalidOperationException("inside the gate");
        });

        Assert.That(gate, Is.Zero);
        SpinGate.Take(ref gate);
        Assert.That(gate, Is.EqualTo(1));
        SpinGate.Exit(ref gate);
        Assert.That(gate, Is.Zero);
    }
}

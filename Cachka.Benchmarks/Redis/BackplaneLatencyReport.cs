using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cachka.Layers.Memory;
using Cachka.Pipeline;
using Cachka.Redis;

namespace Cachka.Benchmarks.Redis;

/// <summary>
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- backplane</c>: how long a change on one node takes to
/// drop the other node's memory copy, over a redis-server started on a free loopback port. Node A writes a key
/// node B holds in memory; the time is from the start of A's write until B's copy is gone (B's thread polls
/// its memory layer). 2,000 changes, after 200 warm-up ones; prints p50, p90, p99 and max.
/// </summary>
internal static class BackplaneLatencyReport
{
    public static async Task RunAsync(TextWriter output)
    {
        var port = FreePort();
        using var server = Process.Start(new ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no") { RedirectStandardOutput = true })!;
        try
        {
            await Task.Delay(300).ConfigureAwait(false);
            await using var a = Node(port, "a");
            await using var b = Node(port, "b");
            var memory = (MemoryCacheLayer)b.Layers[0];
            var samples = new List<double>();
            for (var i = 0; i < 2_200; i++)
            {
                var key = "k" + (i % 50).ToString(CultureInfo.InvariantCulture);
                a.Set(key, i, TimeSpan.FromMinutes(5));
                var received = ((RedisCacheLayer)b.Layers[1]).Backplane!.Received;
                while (((RedisCacheLayer)b.Layers[1]).Backplane!.Received == received && !memory.Get<int>(key).Found)
                    b.TryGet<int>(key);
                // Let a's own message reach b before the measured change, so b holds the copy when the change starts.
                while (!memory.Get<int>(key).Found)
                {
                    b.TryGet<int>(key);
                    await Task.Delay(1).ConfigureAwait(false);
                }

                var watch = Stopwatch.StartNew();
                a.Set(key, -i, TimeSpan.FromMinutes(5));
                while (memory.Get<int>(key).Found)
                    Thread.Yield();
                if (i >= 200)
                    samples.Add(watch.Elapsed.TotalMicroseconds);
            }

            samples.Sort();
            double At(double q) => samples[(int)Math.Min(samples.Count - 1, q * samples.Count)];
            output.WriteLine($"Backplane propagation, {samples.Count} changes (write on A until B's memory copy is gone), loopback Redis:");
            output.WriteLine("| p50 | p90 | p99 | max |");
            output.WriteLine("|---:|---:|---:|---:|");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {At(0.5):F0} µs | {At(0.9):F0} µs | {At(0.99):F0} µs | {samples[^1]:F0} µs |"));
        }
        finally
        {
            server.Kill();
        }
    }

    private static LayeredCache Node(int port, string name) => (LayeredCache)new CacheConfig
    {
        Name = name,
        Layers = [new MemoryCacheConfig(), new RedisCacheConfig { Host = "127.0.0.1", Port = port, KeyPrefix = "latency:" }],
        VacuumInterval = null,
        CleanupOnStart = false,
    }.CreateCache();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;
using Cachka.Redis;

namespace Cachka.Tests.Redis;

/// <summary>Two OS processes (this one and a Cachka.Tests.Worker node) sharing one redis-server: changes reach the other both ways.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisTwoProcessTests
{
    [Test]
    public async Task Sets_deletes_and_tag_invalidations_propagate_both_ways_between_two_processes()
    {
        await using var server = await RedisServer.StartAsync();
        await using var here = (LayeredCache)new CacheConfig
        {
            Layers = [new MemoryCacheConfig(), server.Layer("two:")],
            VacuumInterval = null,
            CleanupOnStart = false,
        }.CreateCache();
        using var worker = Worker.Start(server.Port, "two:");

        // This process writes; the worker reads (and keeps a memory copy); this process deletes: the worker stops serving it.
        here.Set("a", "1", TimeSpan.FromMinutes(5));
        await RedisLayerTests.WaitUntil(async () => await worker.AskAsync("get a") == "1");
        here.Delete("a");
        await RedisLayerTests.WaitUntil(async () => await worker.AskAsync("get a") == "<miss>");

        // The worker writes with a tag; this process copies it into memory; the worker invalidates the tag.
        Assert.That(await worker.AskAsync("tagset b 2 group"), Is.EqualTo("ok"));
        // (a copy read while the worker's message about its write is under way is not kept: read until one is)
        await RedisLayerTests.WaitUntil(() => here.TryGet<string>("b").Value == "2" && ((MemoryCacheLayer)here.Layers[0]).Get<string>("b").Found);
        Assert.That(await worker.AskAsync("invalidate group"), Is.EqualTo("ok"));
        await RedisLayerTests.WaitUntil(() => !here.TryGet<string>("b").HasValue);

        // A new value written by the worker replaces this process's memory copy.
        here.Set("c", "old", TimeSpan.FromMinutes(5));
        Assert.That(await worker.AskAsync("set c new"), Is.EqualTo("ok"));
        await RedisLayerTests.WaitUntil(() => here.Get<string>("c") == "new");
        Assert.That(int.Parse(await worker.AskAsync("received"), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(2));
        await worker.AskAsync("quit", expectAnswer: false);
    }

    private sealed class Worker : IDisposable
    {
        private readonly Process _process;

        private Worker(Process process) => _process = process;

        public static Worker Start(int port, string prefix)
        {
            var tfmDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var repository = tfmDirectory.Parent!.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(repository, "Cachka.Tests.Worker", "bin", tfmDirectory.Parent.Name, tfmDirectory.Name, "Cachka.Tests.Worker.dll");
            Assert.That(File.Exists(path), Is.True, path);
            var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { path, "redis", port.ToString(System.Globalization.CultureInfo.InvariantCulture), prefix })
                start.ArgumentList.Add(argument);
            var worker = new Worker(Process.Start(start)!);
            Assert.That(worker._process.StandardOutput.ReadLine(), Is.EqualTo("ready"));
            return worker;
        }

        public async Task<string> AskAsync(string command, bool expectAnswer = true)
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
            if (!expectAnswer)
                return "";
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await _process.StandardOutput.ReadLineAsync(timeout.Token) ?? "<exited>";
        }

        public void Dispose()
        {
            if (!_process.WaitForExit(5000))
                _process.Kill();
            _process.Dispose();
        }
    }
}

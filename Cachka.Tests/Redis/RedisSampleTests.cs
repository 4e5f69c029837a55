using System.Diagnostics;

namespace Cachka.Tests.Redis;

/// <summary>samples/Cachka.RedisSample as the README runs it, against a real redis-server: two processes, the change reaches the reader.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisSampleTests
{
    [Test]
    public async Task The_redis_sample_shows_a_change_on_one_process_reaching_the_other()
    {
        await using var server = await RedisServer.StartAsync();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Repository.Root };
        // The configuration this test assembly was built in (the solution build built the sample too: nothing to rebuild).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        foreach (var argument in new[] { "run", "-c", configuration, "--project", Repository.PathOf("samples", "Cachka.RedisSample", "Cachka.RedisSample.csproj"), "--", server.Endpoint })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.Zero, await output + await error);
        var text = await output;
        Assert.That(text, Does.Contain("reader: price 100 EUR (now in my memory layer)"));
        Assert.That(text, Does.Contain("reader: price gone (deleted by the writer)"));
        Assert.That(text, Does.Not.Contain("reader: price 100 EUR\n"), "the reader never served the old price after the change");
    }
}

using System.Diagnostics;
using System.Globalization;
using Cachka.Redis;

namespace Cachka.Tests.Redis;

/// <summary>The layer and the backplane through a Sentinel-managed primary: a real redis-server and a real sentinel.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RedisSentinelTests
{
    private RedisServer _primary = null!;
    private Process _sentinel = null!;
    private string _directory = null!;
    private int _sentinelPort;

    [OneTimeSetUp]
    public async Task StartPrimaryAndSentinel()
    {
        _primary = await RedisServer.StartAsync();
        _sentinelPort = RedisServer.FreePort();
        _directory = Directory.CreateTempSubdirectory("cachka-sentinel-").FullName;
        var config = Path.Combine(_directory, "sentinel.conf");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture,
            $"port {_sentinelPort}\nbind 127.0.0.1\ndir {_directory}\nsentinel monitor primary 127.0.0.1 {_primary.Port} 1\nsentinel down-after-milliseconds primary 2000\n"));
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(config);
        start.ArgumentList.Add("--sentinel");
        _sentinel = Process.Start(start)!;
        _sentinel.OutputDataReceived += (_, _) => { };
        _sentinel.BeginOutputReadLine();
        await RedisLayerTests.WaitUntil(async () => (await Cli(_sentinelPort, "sentinel", "get-master-addr-by-name", "primary")).Contains(_primary.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), seconds: 10);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (!_sentinel.HasExited)
            _sentinel.Kill();
        await _sentinel.WaitForExitAsync();
        _sentinel.Dispose();
        await _primary.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private LayeredCache Node(string name) => (LayeredCache)new CacheConfig
    {
        Name = name,
        Layers =
        [
            new MemoryCacheConfig(),
            new RedisCacheConfig
            {
                ConnectionString = $"127.0.0.1:{_sentinelPort},serviceName=primary",
                KeyPrefix = "sentinel:",
                OperationTimeout = TimeSpan.FromSeconds(1),
                SocketConnectTimeout = TimeSpan.FromSeconds(5),
            },
        ],
        VacuumInterval = null,
        CleanupOnStart = false,
    }.CreateCache();

    [Test]
    public async Task Values_and_invalidations_flow_through_the_primary_the_sentinel_names()
    {
        await using var a = Node("a");
        await using var b = Node("b");
        await a.SetAsync("k", "v1", TimeSpan.FromMinutes(5));
        Assert.That(await Cli(_primary.Port, "exists", "sentinel:k"), Does.StartWith("1"), "written to the primary");
        await RedisLayerTests.WaitUntil(() => ((RedisCacheLayer)b.Layers[1]).Backplane!.Received >= 1);
        Assert.That(b.Get<string>("k"), Is.EqualTo("v1"));
        a.Delete("k");
        await RedisLayerTests.WaitUntil(() => !b.TryGet<string>("k").HasValue);
        Assert.That((await a.HealthCheckAsync()).Status, Is.EqualTo("healthy"));
    }

    private static async Task<string> Cli(int port, params string[] arguments)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}

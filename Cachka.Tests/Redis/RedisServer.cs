using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cachka.Redis;
using StackExchange.Redis;

namespace Cachka.Tests.Redis;

/// <summary>
/// A real redis-server on a free loopback port, started for a test and killed after it: killed, frozen
/// (SIGSTOP) and restarted on the same port by fault tests. Without redis-server on PATH the test is
/// ignored, unless CACHKA_REQUIRE_REDIS=1 (CI), where that fails it.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private readonly string? _dataDirectory;
    private readonly bool _clusterNode;

    private RedisServer(int port, string? dataDirectory, bool clusterNode = false)
    {
        Port = port;
        _dataDirectory = dataDirectory;
        _clusterNode = clusterNode;
    }

    /// <summary>A node for a Redis Cluster (cluster mode on, its state in a directory of its own); <see cref="RedisCluster"/> joins them.</summary>
    public static async Task<RedisServer> StartClusterNodeAsync(int port)
    {
        var server = new RedisServer(port, Directory.CreateTempSubdirectory("cachka-redis-node-").FullName, clusterNode: true);
        await server.StartProcessAsync();
        return server;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts a server; a durable one writes every change to an append-only file, so a restart keeps its data.</summary>
    public static async Task<RedisServer> StartAsync(bool durable = false)
    {
        var server = new RedisServer(FreePort(), durable ? Directory.CreateTempSubdirectory("cachka-redis-").FullName : null);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>The config of a Redis layer on this server: short timeouts, a prefix of its own.</summary>
    public RedisCacheConfig Layer(string prefix = "test:", bool backplane = true) => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        KeyPrefix = prefix,
        EnableBackplane = backplane,
        OperationTimeout = TimeSpan.FromMilliseconds(500),
        SocketConnectTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>A separate client connection, for looking at what the layer stored.</summary>
    public ConnectionMultiplexer Connect() =>
        ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { Endpoint }, AllowAdmin = true, ConnectTimeout = 2000, SyncTimeout = 2000 });

    public async Task StartProcessAsync()
    {
        RequireRedis();
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--protected-mode", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_dataDirectory is null)
        {
            start.ArgumentList.Add("--appendonly");
            start.ArgumentList.Add("no");
        }
        else if (_clusterNode)
        {
            foreach (var argument in new[] { "--dir", _dataDirectory, "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000" })
                start.ArgumentList.Add(argument);
        }
        else
        {
            foreach (var argument in new[] { "--dir", _dataDirectory, "--appendonly", "yes", "--appendfsync", "always" })
                start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (await PingsAsync())
                return;
            if (_process.HasExited)
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} on port {Port}");
            await Task.Delay(20);
        }

        throw new TimeoutException($"redis-server did not answer on port {Port} within 10 s");
    }

    /// <summary>SIGKILL: the server vanishes, connections are reset.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    /// <summary>SIGSTOP: connections stay open, nothing answers.</summary>
    public void Freeze() => Signal("STOP");

    /// <summary>SIGCONT.</summary>
    public void Thaw() => Signal("CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private async Task<bool> PingsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return read > 0 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static void RequireRedis()
    {
        if (OnPath("redis-server"))
            return;
        if (Environment.GetEnvironmentVariable("CACHKA_REQUIRE_REDIS") == "1")
            Assert.Fail("redis-server is not on PATH, and CACHKA_REQUIRE_REDIS=1 says the Redis tests must run (apt-get install redis-server).");
        Assert.Ignore("redis-server is not on PATH: the Redis tests need a real server (apt-get install redis-server).");
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, program)));

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                Thaw();
            }
            catch (Exception)
            {
                // already gone
            }

            Kill();
            process.Dispose();
        }

        if (_dataDirectory is not null)
            Directory.Delete(_dataDirectory, recursive: true);

        return ValueTask.CompletedTask;
    }
}

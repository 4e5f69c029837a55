using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cachka.Redis;

namespace Cachka.Tests.Redis;

/// <summary>A local Redis Cluster of three masters (no replicas) on loopback ports, created with <c>redis-cli --cluster create</c>.</summary>
internal sealed class RedisCluster : IAsyncDisposable
{
    private readonly List<RedisServer> _nodes = [];

    public IReadOnlyList<RedisServer> Nodes => _nodes;

    public string ConnectionString => string.Join(",", _nodes.Select(n => n.Endpoint));

    public static async Task<RedisCluster> StartAsync()
    {
        RedisServer.RequireRedis();
        var cluster = new RedisCluster();
        try
        {
            foreach (var port in Ports(3))
                cluster._nodes.Add(await RedisServer.StartClusterNodeAsync(port));
            var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            create.ArgumentList.Add("--cluster");
            create.ArgumentList.Add("create");
            foreach (var node in cluster._nodes)
                create.ArgumentList.Add(node.Endpoint);
            foreach (var argument in new[] { "--cluster-replicas", "0", "--cluster-yes" })
                create.ArgumentList.Add(argument);
            using (var process = Process.Start(create)!)
            {
                var output = await process.StandardOutput.ReadToEndAsync();
                await process.WaitForExitAsync();
                Assert.That(process.ExitCode, Is.Zero, "redis-cli --cluster create: " + output + await process.StandardError.ReadToEndAsync());
            }

            // Every node, not only the first: until gossip has reached a node, it answers CLUSTERDOWN.
            foreach (var node in cluster._nodes)
                await RedisLayerTests.WaitUntil(async () => (await ClusterInfo(node)).Contains("cluster_state:ok", StringComparison.Ordinal), seconds: 20);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public RedisCacheConfig Layer(string prefix = "cl:") => new()
    {
        ConnectionString = ConnectionString,
        KeyPrefix = prefix,
        OperationTimeout = TimeSpan.FromSeconds(2),
        SocketConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private static async Task<string> ClusterInfo(RedisServer node)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-p", node.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "cluster", "info" })
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    // Each node also listens on its port + 10000 (the cluster bus): both must be free and below 65536.
    private static IEnumerable<int> Ports(int count)
    {
        var found = 0;
        for (var port = 20000 + Random.Shared.Next(20000); found < count && port < 45000; port++)
        {
            if (Free(port) && Free(port + 10000))
            {
                found++;
                yield return port;
            }
        }
    }

    private static bool Free(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
    }
}

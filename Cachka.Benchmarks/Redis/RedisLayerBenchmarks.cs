using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Cachka.Redis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace Cachka.Benchmarks.Redis;

/// <summary>
/// L3 get and set through Cachka with Redis as the only layer, against raw StackExchange.Redis StringGet/StringSet
/// on the same server (a redis-server the setup starts on a free loopback port), sync, async, and 64 concurrent
/// async callers. The value is a 100-character string; Cachka's bytes are its envelope around the JSON. FusionCache
/// and HybridCache run in the same table with Redis as their L2 (Microsoft's RedisCache) and their memory level
/// skipped per call, so every get and set reaches Redis as Cachka's does.
/// <c>dotnet run -c Release --project Cachka.Benchmarks -- --filter '*RedisLayerBenchmarks*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class RedisLayerBenchmarks
{
    private const int Concurrency = 64;
    private static readonly string Value = new('v', 100);
    private Process _server = null!;
    private ConnectionMultiplexer _raw = null!;
    private IDatabase _db = null!;
    private ICache _cache = null!;
    private RedisKey[] _rawKeys = null!;
    private string[] _keys = null!;
    private FusionCache _fusion = null!;
    private RedisCache _fusionL2 = null!;
    private ServiceProvider _hybridServices = null!;
    private HybridCache _hybrid = null!;
    private static readonly FusionCacheEntryOptions FusionRedisOnly = new()
    {
        Duration = TimeSpan.FromHours(1),
        SkipMemoryCacheRead = true,
        SkipMemoryCacheWrite = true,
        AllowBackgroundDistributedCacheOperations = false,
    };
    private static readonly HybridCacheEntryOptions HybridRedisOnly = new()
    {
        Expiration = TimeSpan.FromHours(1),
        Flags = HybridCacheEntryFlags.DisableLocalCache,
    };

    /// <summary>
    /// The layer's bound on commands in flight: the default 50, which 64 callers exceed (as a burst would: the 14
    /// beyond it wait for the first replies, a second round trip), and 100, which they do not reach.
    /// </summary>
    [Params(50, 100)]
    public int MaxConnections { get; set; } = 50;

    [GlobalSetup]
    public async Task Setup()
    {
        var port = FreePort();
        _server = Process.Start(new ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no") { RedirectStandardOutput = true })!;
        for (var i = 0; i < 200 && !Answers(port); i++)
            await Task.Delay(20);
        _raw = ConnectionMultiplexer.Connect($"127.0.0.1:{port}");
        _db = _raw.GetDatabase();
        _cache = new CacheConfig
        {
            Layers = [new RedisCacheConfig { Host = "127.0.0.1", Port = port, EnableBackplane = false, KeyPrefix = "bench:", MaxConnections = MaxConnections }],
            VacuumInterval = null,
            CleanupOnStart = false,
        }.CreateCache();
        _keys = Enumerable.Range(0, Concurrency).Select(i => "key" + i).ToArray();
        _rawKeys = _keys.Select(k => (RedisKey)("raw:" + k)).ToArray();
        _fusionL2 = new RedisCache(new RedisCacheOptions { Configuration = $"127.0.0.1:{port}", InstanceName = "fusion:" });
        _fusion = new FusionCache(new FusionCacheOptions { DefaultEntryOptions = FusionRedisOnly });
        _fusion.SetupDistributedCache(_fusionL2, new FusionCacheSystemTextJsonSerializer());
        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(o => { o.Configuration = $"127.0.0.1:{port}"; o.InstanceName = "hybrid:"; });
        services.AddHybridCache(o => o.DefaultEntryOptions = HybridRedisOnly);
        _hybridServices = services.BuildServiceProvider();
        _hybrid = _hybridServices.GetRequiredService<HybridCache>();
        foreach (var key in _keys)
        {
            _fusion.Set(key, Value, FusionRedisOnly);
            await _hybrid.SetAsync(key, Value, HybridRedisOnly);
            _cache.Set(key, Value, TimeSpan.FromHours(1));
            _db.StringSet("raw:" + key, Value, TimeSpan.FromHours(1));
        }
    }

    /// <summary>Reads and writes that went in batches, and the batches (for the loop's report).</summary>
    internal string Batches()
    {
        var layer = (RedisCacheLayer)((LayeredCache)_cache).Layers[0];
        var (reads, readBatches) = layer.BatchedReads;
        var (writes, writeBatches) = layer.BatchedWrites;
        return $"{reads} reads in {readBatches} MGETs, {writes} writes in {writeBatches} batches";
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        _fusion.Dispose();
        _fusionL2.Dispose();
        _hybridServices.Dispose();
        _raw.Dispose();
        _server.Kill();
    }

    [BenchmarkCategory("get"), Benchmark(Description = "raw StringGet (sync)")]
    public string? RawGet() => _db.StringGet(_rawKeys[0]);

    [BenchmarkCategory("get"), Benchmark(Description = "Cachka L3 get (sync)")]
    public string? CachkaGet() => _cache.Get<string>(_keys[0]);

    [BenchmarkCategory("get"), Benchmark(Description = "raw StringGetAsync")]
    public async Task<string?> RawGetAsync() => await _db.StringGetAsync(_rawKeys[0]);

    [BenchmarkCategory("get"), Benchmark(Description = "Cachka L3 get (async)")]
    public async Task<string?> CachkaGetAsync() => await _cache.GetAsync<string>(_keys[0]);

    // 64 callers, each awaiting its own result (as application code does): one continuation per call on both sides.
    [BenchmarkCategory("get"), Benchmark(Description = "raw StringGetAsync x64 concurrent callers", OperationsPerInvoke = Concurrency)]
    public Task RawGet64() => Task.WhenAll(_rawKeys.Select(async k => (string?)await _db.StringGetAsync(k)));

    // The transport's ceiling for a burst: one MGET for the 64 keys, each caller awaiting its own value.
    [BenchmarkCategory("get"), Benchmark(Description = "raw MGET of the 64 keys, 64 awaiting callers", OperationsPerInvoke = Concurrency)]
    public Task RawMGet64()
    {
        var sources = new TaskCompletionSource<RedisValue>[Concurrency];
        for (var i = 0; i < Concurrency; i++) sources[i] = new TaskCompletionSource<RedisValue>(TaskCreationOptions.RunContinuationsAsynchronously);
        var all = Task.WhenAll(sources.Select(async s => (string?)await s.Task));
        _db.StringGetAsync(_rawKeys).ContinueWith(t => { var r = t.Result; for (var i = 0; i < r.Length; i++) sources[i].SetResult(r[i]); }, TaskContinuationOptions.ExecuteSynchronously);
        return all;
    }

    [BenchmarkCategory("get"), Benchmark(Description = "Cachka L3 get (async) x64 concurrent callers", OperationsPerInvoke = Concurrency)]
    public Task CachkaGet64() => Task.WhenAll(_keys.Select(async k => await _cache.GetAsync<string>(k)));

    [BenchmarkCategory("set"), Benchmark(Description = "raw StringSetAsync x64 concurrent callers", OperationsPerInvoke = Concurrency)]
    public Task RawSet64() => Task.WhenAll(_rawKeys.Select(async k => await _db.StringSetAsync(k, Value, TimeSpan.FromHours(1))));

    // The same 64 SETs written to the socket together (one IBatch), each caller awaiting its own: what pipelining a
    // burst of writes could gain (each is still its own command).
    [BenchmarkCategory("set"), Benchmark(Description = "raw StringSetAsync x64 in one IBatch, 64 awaiting callers", OperationsPerInvoke = Concurrency)]
    public Task RawSetBatch64()
    {
        var batch = _db.CreateBatch();
        var sent = new Task<bool>[Concurrency];
        for (var i = 0; i < Concurrency; i++)
            sent[i] = batch.StringSetAsync(_rawKeys[i], Value, TimeSpan.FromHours(1));
        batch.Execute();
        return Task.WhenAll(sent.Select(async t => await t));
    }

    // The 64 SETs as one script call (each SET with its own expiry; Redis 7 has no multi-key SET with expiries), each
    // caller awaiting its own completion: what batching a burst of writes into one command could gain.
    private static readonly string SetEachScript = "for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'PX', ARGV[2 * i]) end return #KEYS";

    [BenchmarkCategory("set"), Benchmark(Description = "raw script of 64 SETs, 64 awaiting callers", OperationsPerInvoke = Concurrency)]
    public Task RawScriptSet64() => RawScriptSets(Concurrency);

    [BenchmarkCategory("set"), Benchmark(Description = "raw scripts of 16 SETs (4 of them), 64 awaiting callers", OperationsPerInvoke = Concurrency)]
    public Task RawScriptSet16() => RawScriptSets(16);

    [BenchmarkCategory("set"), Benchmark(Description = "raw scripts of 8 SETs (8 of them), 64 awaiting callers", OperationsPerInvoke = Concurrency)]
    public Task RawScriptSet8() => RawScriptSets(8);

    private Task RawScriptSets(int size)
    {
        var sources = new TaskCompletionSource[Concurrency];
        for (var i = 0; i < Concurrency; i++) sources[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var all = Task.WhenAll(sources.Select(async s => await s.Task));
        for (var start = 0; start < Concurrency; start += size)
        {
            var keys = new RedisKey[size];
            var args = new RedisValue[2 * size];
            for (var i = 0; i < size; i++)
            {
                keys[i] = _rawKeys[start + i];
                args[2 * i] = Value;
                args[2 * i + 1] = 3_600_000;
            }

            var first = start;
            _db.ScriptEvaluateAsync(SetEachScript, keys, args).ContinueWith(_ => { for (var i = first; i < first + size; i++) sources[i].SetResult(); }, TaskContinuationOptions.ExecuteSynchronously);
        }

        return all;
    }

    [BenchmarkCategory("set"), Benchmark(Description = "Cachka L3 set (async) x64 concurrent callers", OperationsPerInvoke = Concurrency)]
    public Task CachkaSet64() => Task.WhenAll(_keys.Select(async k => await _cache.SetAsync(k, Value, TimeSpan.FromHours(1))));

    [BenchmarkCategory("get"), Benchmark(Description = "FusionCache L2 get (sync)")]
    public string? FusionGet() => _fusion.GetOrDefault<string>(_keys[0], options: FusionRedisOnly);

    [BenchmarkCategory("get"), Benchmark(Description = "FusionCache L2 get (async)")]
    public async Task<string?> FusionGetAsync() => await _fusion.GetOrDefaultAsync<string>(_keys[0], options: FusionRedisOnly);

    [BenchmarkCategory("get"), Benchmark(Description = "HybridCache L2 get (async)")]
    public async Task<string?> HybridGetAsync() => await _hybrid.GetOrCreateAsync(_keys[0], static _ => ValueTask.FromResult<string?>(null), HybridRedisOnly);

    [BenchmarkCategory("get"), Benchmark(Description = "FusionCache L2 get (async) x64 concurrent callers", OperationsPerInvoke = Concurrency)]
    public Task FusionGet64() => Task.WhenAll(_keys.Select(async k => await _fusion.GetOrDefaultAsync<string>(k, options: FusionRedisOnly)));

    [BenchmarkCategory("get"), Benchmark(Description = "HybridCache L2 get (async) x64 concurrent callers", OperationsPerInvoke = Concurrency)]
    public Task HybridGet64() => Task.WhenAll(_keys.Select(async k => await _hybrid.GetOrCreateAsync(k, static _ => ValueTask.FromResult<string?>(null), HybridRedisOnly)));

    [BenchmarkCategory("set"), Benchmark(Description = "FusionCache L2 set (sync)")]
    public void FusionSet() => _fusion.Set(_keys[1], Value, FusionRedisOnly);

    [BenchmarkCategory("set"), Benchmark(Description = "FusionCache L2 set (async)")]
    public ValueTask FusionSetAsync() => _fusion.SetAsync(_keys[1], Value, FusionRedisOnly);

    [BenchmarkCategory("set"), Benchmark(Description = "HybridCache L2 set (async)")]
    public ValueTask HybridSetAsync() => _hybrid.SetAsync(_keys[1], Value, HybridRedisOnly);

    [BenchmarkCategory("set"), Benchmark(Description = "raw StringSet (sync)")]
    public bool RawSet() => _db.StringSet(_rawKeys[1], Value, TimeSpan.FromHours(1));

    [BenchmarkCategory("set"), Benchmark(Description = "Cachka L3 set (sync)")]
    public void CachkaSet() => _cache.Set(_keys[1], Value, TimeSpan.FromHours(1));

    [BenchmarkCategory("set"), Benchmark(Description = "raw StringSetAsync")]
    public Task<bool> RawSetAsync() => _db.StringSetAsync(_rawKeys[1], Value, TimeSpan.FromHours(1));

    [BenchmarkCategory("set"), Benchmark(Description = "Cachka L3 set (async)")]
    public ValueTask CachkaSetAsync() => _cache.SetAsync(_keys[1], Value, TimeSpan.FromHours(1));

    private static bool Answers(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

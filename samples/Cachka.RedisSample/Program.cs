using System.Diagnostics;
using System.Globalization;
using Cachka;
using Cachka.Redis;

// Two processes, one Redis: this process (the "writer") starts a second one (the "reader"), which copies a price
// into its memory layer and then watches it. The writer changes and deletes the price; the backplane tells the
// reader, whose memory copy goes at once, so it never serves the old price.
//
//   dotnet run --project samples/Cachka.RedisSample                     (Redis at localhost:6379)
//   dotnet run --project samples/Cachka.RedisSample -- 127.0.0.1:6380
var endpoint = args.FirstOrDefault(a => a.Contains(':', StringComparison.Ordinal)) ?? "localhost:6379";
var host = endpoint[..endpoint.LastIndexOf(':')];
var port = int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

await using var cache = new CacheConfig
{
    Name = args.Contains("--reader") ? "reader" : "writer",
    Layers = [new MemoryCacheConfig(), new RedisCacheConfig { Host = host, Port = port, KeyPrefix = "cachka-sample:" }],
}.CreateCache();

var health = await cache.HealthCheckAsync();
if (health.Layers[1].Status != "healthy")
{
    Console.WriteLine($"Redis at {endpoint} is not reachable ({health.Layers[1].Error}). Start one (redis-server --port {port}) or pass host:port.");
    return 1;
}

if (args.Contains("--reader"))
{
    // Copy the price into memory, say so, then report every change seen until the price is gone.
    var last = cache.Get<string>("price:bicycle");
    Console.WriteLine($"reader: price {last} (now in my memory layer)");
    while (true)
    {
        var now = cache.TryGet<string>("price:bicycle");
        if (!now.HasValue)
        {
            Console.WriteLine("reader: price gone (deleted by the writer)");
            return 0;
        }

        if (now.Value != last)
            Console.WriteLine($"reader: price {now.Value}");
        last = now.Value;
        await Task.Delay(5);
    }
}

cache.Set("price:bicycle", "100 EUR", TimeSpan.FromMinutes(10));
Console.WriteLine("writer: price 100 EUR");
var self = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
if (!Environment.ProcessPath!.EndsWith("Cachka.RedisSample", StringComparison.Ordinal) && !Environment.ProcessPath.EndsWith("Cachka.RedisSample.exe", StringComparison.Ordinal))
    self.ArgumentList.Add(typeof(Program).Assembly.Location); // run through the dotnet host
self.ArgumentList.Add(endpoint);
self.ArgumentList.Add("--reader");
using var reader = Process.Start(self)!;
Console.WriteLine(await reader.StandardOutput.ReadLineAsync());

await Task.Delay(200);
cache.Set("price:bicycle", "80 EUR", TimeSpan.FromMinutes(10));
Console.WriteLine("writer: price 80 EUR");
await Task.Delay(200);
cache.Delete("price:bicycle");
Console.WriteLine("writer: price deleted");
Console.Write(await reader.StandardOutput.ReadToEndAsync());
await reader.WaitForExitAsync();
return reader.ExitCode;

using System.Diagnostics;
using Cachka;
using Cachka.Sample;

// The embedded default configuration (CacheConfig.Default).
var cache = CacheRegistry.Initialize();

// [Cached] methods: the generated code builds a typed key and calls the body once per key.
var forecasts = new ForecastService();
Console.WriteLine("== [Cached] sync: ForecastService.GetForecast ==");
for (var i = 1; i <= 3; i++)
{
    var watch = Stopwatch.StartNew();
    var forecast = forecasts.GetForecast("Lisbon", 3);
    Console.WriteLine($"call {i}: {forecast} in {watch.Elapsed.TotalMilliseconds:F3} ms");
}

Console.WriteLine("== [Cached] async: ForecastService.GetForecastAsync ==");
for (var i = 1; i <= 3; i++)
{
    var watch = Stopwatch.StartNew();
    var forecast = await forecasts.GetForecastAsync("Bergen");
    Console.WriteLine($"call {i}: {forecast} in {watch.Elapsed.TotalMilliseconds:F3} ms");
}

Console.WriteLine($"key: {ForecastServiceCacheKeys.GetForecast("Lisbon", 3)}");
IForecastServiceCached cached = forecasts;
Console.WriteLine($"invalidated: {cached.InvalidateGetForecast("Lisbon", 3)}; body calls so far: {forecasts.Calls}");

var weather = new WeatherService();

Console.WriteLine("== sync: GetOrCreate ==");
for (var i = 1; i <= 3; i++)
{
    var watch = Stopwatch.StartNew();
    var forecast = cache.GetOrCreate("weather:sync:Paris", () => weather.SlowForecast("Paris"), TimeSpan.FromMinutes(5));
    Console.WriteLine($"call {i}: {forecast} in {watch.Elapsed.TotalMilliseconds:F3} ms");
}

Console.WriteLine("== async: GetOrCreateAsync ==");
for (var i = 1; i <= 3; i++)
{
    var watch = Stopwatch.StartNew();
    var forecast = await cache.GetOrCreateAsync("weather:async:Oslo", ct => weather.SlowForecastAsync("Oslo", ct), TimeSpan.FromMinutes(5));
    Console.WriteLine($"call {i}: {forecast} in {watch.Elapsed.TotalMilliseconds:F3} ms");
}

Console.WriteLine($"origin calls: {weather.Calls} (one per city; the rest came from the cache)");

// Fail-safe: the entry is kept (in memory and in SQLite) an hour past its TTL; when the origin fails, the last
// value is served instead of the exception. docs/resilience.md has the other options.
Console.WriteLine("== fail-safe: the origin goes down ==");
var rates = new CacheEntryOptions(TimeSpan.FromMilliseconds(200)) { FailSafeMaxDuration = TimeSpan.FromHours(1) };
Console.WriteLine($"rate: {cache.GetOrCreate("rate:EUR", 0, static _ => "1.08", rates)}");
await Task.Delay(300); // the TTL is over
var served = cache.GetOrCreate<int, string>("rate:EUR", 0, static _ => throw new InvalidOperationException("rates service down"), rates);
Console.WriteLine($"rate while the origin is down: {served} (stale, from the cache)");

var health = await cache.HealthCheckAsync();
Console.WriteLine($"== health: {health.Status} (circuit breaker {health.CircuitBreaker}, {health.CacheLayersCount} layer(s)) ==");
foreach (var layer in health.Layers)
    Console.WriteLine($"  {layer.Name}: {layer.Status} in {layer.Latency.TotalMilliseconds:F3} ms{(layer.Error is null ? "" : " - " + layer.Error)}");

Console.WriteLine("== metrics ==");
Console.Write(cache.GetMetricsText());

await CacheRegistry.ShutdownAsync();

internal sealed class WeatherService
{
    private int _calls;

    public int Calls => _calls;

    public string SlowForecast(string city)
    {
        Interlocked.Increment(ref _calls);
        Thread.Sleep(500);
        return $"{city}: 21 C, sunny";
    }

    public async ValueTask<string> SlowForecastAsync(string city, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        await Task.Delay(500, cancellationToken);
        return $"{city}: 12 C, rain";
    }
}

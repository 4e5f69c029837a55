using Cachka;

namespace Cachka.Sample;

/// <summary>A service with [Cached] methods: the generator writes the cached GetForecast/GetForecastAsync around the slow *Core bodies.</summary>
public sealed partial class ForecastService
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    [Cached(Ttl = 300, SimplifiedSelfSerialization = true)]
    public partial string GetForecast(string city, int days);

    [Cached(Ttl = 300, SimplifiedSelfSerialization = true)]
    public partial Task<Forecast> GetForecastAsync(string city, CancellationToken cancellationToken = default);

    private string GetForecastCore(string city, int days)
    {
        Interlocked.Increment(ref _calls);
        Thread.Sleep(500); // a slow origin
        return $"{city}, {days} day(s): 18 C, cloudy";
    }

    private async Task<Forecast> GetForecastAsyncCore(string city, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        await Task.Delay(500, cancellationToken);
        return new Forecast(city, 9, "windy");
    }
}

/// <summary>A result type of the sample's own: SQLite stores it as JSON (see SampleJsonContext for trimmed and AOT builds).</summary>
public sealed record Forecast(string City, int TemperatureC, string Summary);

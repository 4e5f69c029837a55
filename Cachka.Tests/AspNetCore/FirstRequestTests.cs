using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Cachka.Tests.AspNetCore;

/// <summary>A [Cached] service as an ASP.NET Core app uses it: injected through its generated interface.</summary>
public sealed partial class QuoteService
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    [CacheKey]
    public string Market { get; } = "XNYS";

    [Cached(Ttl = 60)]
    public partial int Price(string symbol);

    private int PriceCore(string symbol)
    {
        Interlocked.Increment(ref _calls);
        return symbol.Length * 10;
    }
}

/// <summary>
/// <c>AddCachka</c> in real test hosts: generated <c>[Cached]</c> methods work on the very first request with nothing
/// resolved by hand, two hosts in one process each work, and the process cache passes to the next host when one stops.
/// </summary>
[NonParallelizable]
public sealed class FirstRequestTests
{
    [SetUp]
    [TearDown]
    public void ClearRegistry() => CacheRegistry.Reset();

    private static async Task<WebApplication> StartHost()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddCachka(new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false });
        builder.Services.AddSingleton<QuoteService>();
        builder.Services.AddSingleton<IQuoteServiceCached>(services => services.GetRequiredService<QuoteService>());
        var app = builder.Build();
        app.MapGet("/price/{symbol}", (IQuoteServiceCached quotes, string symbol) => Results.Ok(quotes.Price(symbol)));
        app.MapGet("/calls", (QuoteService quotes) => Results.Ok(quotes.Calls));
        await app.StartAsync();
        return app;
    }

    private static async Task<int> Get(WebApplication app, string path)
    {
        using var client = app.GetTestClient();
        return await client.GetFromJsonAsync<int>(new Uri(path, UriKind.Relative));
    }

    [Test]
    public async Task A_cached_service_answers_the_very_first_request_and_the_second_from_the_cache()
    {
        await using var app = await StartHost();
        Assert.That(await Get(app, "/price/MSFT"), Is.EqualTo(40));
        Assert.That(await Get(app, "/price/MSFT"), Is.EqualTo(40));
        Assert.That(await Get(app, "/calls"), Is.EqualTo(1));
        Assert.That(CacheRegistry.Get(), Is.SameAs(app.Services.GetRequiredService<ICache>()));
        await app.StopAsync();
        Assert.That(CacheRegistry.IsInitialized, Is.False, "a stopped host releases the process cache");
    }

    [Test]
    public async Task Two_hosts_in_one_process_each_work_and_the_process_cache_passes_on_when_the_first_stops()
    {
        await using var first = await StartHost();
        await using var second = await StartHost();
        Assert.That(await Get(first, "/price/A"), Is.EqualTo(10));
        Assert.That(await Get(second, "/price/BB"), Is.EqualTo(20));
        Assert.That(CacheRegistry.Get(), Is.SameAs(first.Services.GetRequiredService<ICache>()), "the first host to start provides the process cache");

        await first.StopAsync();
        Assert.That(CacheRegistry.Get(), Is.SameAs(second.Services.GetRequiredService<ICache>()), "the next running host takes over");
        Assert.That(await Get(second, "/price/CCC"), Is.EqualTo(30));
        await second.StopAsync();
        Assert.That(CacheRegistry.IsInitialized, Is.False);
    }
}

using Cachka.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cachka.Tests.Redis;

[TestFixture]
[NonParallelizable]
public sealed class RedisDependencyInjectionTests
{
    [Test]
    public async Task AddCachka_with_a_redis_layer_from_code_and_from_appsettings_shares_values_through_Redis()
    {
        await using var server = await RedisServer.StartAsync();
        var fromCode = new ServiceCollection().AddCachka(new CacheConfig { Layers = [new MemoryCacheConfig(), server.Layer("di:")] }, useAsProcessCache: false);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cachka:Layers:0:Type"] = "memory",
            ["Cachka:Layers:1:Type"] = "redis",
            ["Cachka:Layers:1:Host"] = "127.0.0.1",
            ["Cachka:Layers:1:Port"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cachka:Layers:1:KeyPrefix"] = "di:",
        }).Build();
        var fromSettings = new ServiceCollection().AddCachka(configuration.GetSection("Cachka"), useAsProcessCache: false);

        await using var first = fromCode.BuildServiceProvider();
        await using var second = fromSettings.BuildServiceProvider();
        var writer = first.GetRequiredService<ICache>();
        var reader = second.GetRequiredService<ICache>();
        Assert.That(((LayeredCache)reader).Layers[1], Is.TypeOf<RedisCacheLayer>());

        await writer.SetAsync("greeting", "hello", TimeSpan.FromMinutes(1));
        Assert.That(await reader.GetAsync<string>("greeting"), Is.EqualTo("hello"));
        await writer.DeleteAsync("greeting");
        await RedisLayerTests.WaitUntil(() => !reader.TryGet<string>("greeting").HasValue);
    }
}

using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cachka.Tests.Runtime;

[NonParallelizable]
public class ConfigurationTests
{
    private static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    [TearDown]
    public void Clean() => CacheRegistry.Reset();

    [Test]
    public void The_configuration_binds_from_appsettings_json()
    {
        var config = CacheConfigBinder.Bind(Json("""
            { "Cachka": { "Name": "catalog", "DefaultTtl": "00:02:00", "VacuumInterval": "00:30:00", "CleanupOnStart": false,
                          "EnableMetrics": true, "CircuitBreakerThreshold": 5, "CircuitBreakerWindow": 15,
                          "Layers": [ { "Type": "memory", "MaxSize": 2048, "Ttl": "00:10:00", "Shards": 4, "Name": "hot" } ] } }
            """).GetSection("Cachka"));

        Assert.Multiple(() =>
        {
            Assert.That(config.Name, Is.EqualTo("catalog"));
            Assert.That(config.DefaultTtl, Is.EqualTo(TimeSpan.FromMinutes(2)));
            Assert.That(config.VacuumInterval, Is.EqualTo(TimeSpan.FromMinutes(30)));
            Assert.That(config.CleanupOnStart, Is.False);
            Assert.That(config.EnableMetrics, Is.True);
            Assert.That(config.CircuitBreakerThreshold, Is.EqualTo(5));
            Assert.That(config.CircuitBreakerWindow, Is.EqualTo(TimeSpan.FromSeconds(15)));
            Assert.That(config.Layers, Is.EqualTo(new CacheLayerConfig[]
            {
                new MemoryCacheConfig { MaxSize = 2048, Ttl = TimeSpan.FromMinutes(10), Shards = 4, Name = "hot" },
            }));
        });
    }

    [Test]
    public void A_sqlite_layer_binds_with_its_encryption_settings()
    {
        var key = Convert.ToBase64String(new byte[32]);
        var config = CacheConfigBinder.Bind(Json($$"""
            { "Layers": [ { "Type": "memory" },
                          { "Type": "sqlite", "DbPath": "data/cache.db", "EnableEncryption": true, "EncryptionKey": "{{key}}",
                            "PreviousEncryptionKeys": [ "{{key}}" ], "MaxKeyLength": 256, "MaxDatabaseBytes": 1048576 } ] }
            """));

        var sqlite = (SqliteCacheConfig)config.Layers[1];
        Assert.Multiple(() =>
        {
            Assert.That(config.Layers[0], Is.TypeOf<MemoryCacheConfig>());
            Assert.That(sqlite.DbPath, Is.EqualTo("data/cache.db"));
            Assert.That(sqlite.EnableEncryption, Is.True);
            Assert.That(sqlite.EncryptionKey, Is.EqualTo(key));
            Assert.That(sqlite.PreviousEncryptionKeys, Is.EqualTo(new[] { key }));
            Assert.That(sqlite.MaxKeyLength, Is.EqualTo(256));
            Assert.That(sqlite.MaxDatabaseBytes, Is.EqualTo(1_048_576));
        });
    }

    [Test]
    public void A_null_VacuumInterval_turns_maintenance_off()
    {
        var config = CacheConfigBinder.Bind(Json("""{ "VacuumInterval": null }"""));
        Assert.That(config.VacuumInterval, Is.Null);
    }

    [Test]
    public void Absent_settings_keep_their_defaults()
    {
        var config = CacheConfigBinder.Bind(Json("{}"));
        Assert.That(config, Is.EqualTo(CacheConfig.Default with { Layers = config.Layers }));
        Assert.That(config.Layers, Is.EqualTo(CacheConfig.Default.Layers));
    }

    [Test]
    public void An_unknown_layer_type_names_the_path_and_the_known_types()
    {
        var error = Assert.Throws<FormatException>(() => CacheConfigBinder.Bind(Json("""{ "Layers": [ { "Type": "floppy" } ] }""")));
        Assert.That(error!.Message, Does.Contain("'Layers:0:Type' is 'floppy'").And.Contains("memory"));
    }

    [Test]
    public void A_malformed_value_names_its_path()
    {
        var error = Assert.Throws<FormatException>(() => CacheConfigBinder.Bind(Json("""{ "Layers": [ { "Type": "memory", "MaxSize": "lots" } ] }""")));
        Assert.That(error!.Message, Does.Contain("Layers:0:MaxSize").And.Contains("not an integer"));
    }

    [Test]
    public void AddCachka_registers_one_cache_that_generated_code_can_reach()
    {
        var config = new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null, CleanupOnStart = false };
        using (var services = new ServiceCollection().AddCachka(config).BuildServiceProvider())
        {
            var cache = services.GetRequiredService<ICache>();
            Assert.Multiple(() =>
            {
                Assert.That(services.GetRequiredService<ICache>(), Is.SameAs(cache));
                Assert.That(CacheRegistry.Get(), Is.SameAs(cache));
            });
        }

        Assert.That(CacheRegistry.IsInitialized, Is.False, "disposing the container releases the process cache");
    }

    [Test]
    public void AddCachka_rejects_an_invalid_configuration_at_registration()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ServiceCollection().AddCachka(new CacheConfig { Layers = [new MemoryCacheConfig { MaxSize = -1 }] }));
        Assert.That(error!.Message, Does.Contain("MaxSize"));
    }

    [Test]
    public void AddCachka_binds_from_a_configuration_section()
    {
        var section = Json("""{ "Cachka": { "Name": "from-json", "VacuumInterval": null, "Layers": [ { "Type": "memory", "MaxSize": 10 } ] } }""").GetSection("Cachka");
        using var services = new ServiceCollection().AddCachka(section, useAsProcessCache: false).BuildServiceProvider();
        Assert.Multiple(() =>
        {
            Assert.That(services.GetRequiredService<ICache>().Name, Is.EqualTo("from-json"));
            Assert.That(CacheRegistry.IsInitialized, Is.False);
        });
    }
}

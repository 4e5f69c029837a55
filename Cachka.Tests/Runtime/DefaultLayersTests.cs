using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cachka.Tests.Runtime;

/// <summary>One default: memory + SQLite <c>cache.db</c>, wherever a configuration without <c>Layers</c> can be observed.</summary>
[NonParallelizable] // CacheRegistry and the default-layers seam are process-wide
public class DefaultLayersTests
{
    private static readonly CacheLayerConfig[] EmbeddedDefault = [new MemoryCacheConfig(), new SqliteCacheConfig { DbPath = "cache.db" }];

    private Func<IReadOnlyList<CacheLayerConfig>> _realDefault = null!;
    private string _directory = "";

    // Caches built here really open their database: the default's SQLite file goes to a temp directory, not the working one.
    private CacheLayerConfig[] Redirected => [new MemoryCacheConfig(), new SqliteCacheConfig { DbPath = Path.Combine(_directory, "cache.db") }];

    [SetUp]
    public void RedirectTheDefaultDatabase()
    {
        CacheRegistry.Reset();
        _directory = Path.Combine(Path.GetTempPath(), "cachka-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _realDefault = CacheConfig.DefaultLayers;
        var redirected = Redirected;
        CacheConfig.DefaultLayers = () => [.. redirected];
    }

    [TearDown]
    public void Restore()
    {
        CacheRegistry.Reset();
        CacheConfig.DefaultLayers = _realDefault;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Test]
    public void The_embedded_default_is_memory_and_SQLite_cache_db()
    {
        Assert.That(_realDefault(), Is.EqualTo(EmbeddedDefault));
    }

    [Test]
    public void A_new_CacheConfig_has_the_embedded_default()
    {
        CacheConfig.DefaultLayers = _realDefault;
        var byDefault = CacheConfig.Default;
        Assert.Multiple(() =>
        {
            Assert.That(new CacheConfig().Layers, Is.EqualTo(EmbeddedDefault));
            Assert.That(new CacheConfig { EnableMetrics = true }.Layers, Is.EqualTo(EmbeddedDefault), "setting something else keeps the default layers");
            Assert.That(byDefault.Layers, Is.EqualTo(EmbeddedDefault));
            Assert.That(byDefault, Is.EqualTo(new CacheConfig() with { Layers = byDefault.Layers }), "Default is new CacheConfig()");
        });
    }

    [Test]
    public void Initialize_without_a_configuration_builds_the_default_layers()
    {
        var cache = (LayeredCache)CacheRegistry.Initialize();
        AssertDefaultLayers(cache);
    }

    [Test]
    public void Initialize_with_a_configuration_without_Layers_builds_the_default_layers()
    {
        var cache = (LayeredCache)CacheRegistry.Initialize(new CacheConfig { EnableMetrics = true, CleanupOnStart = false });
        AssertDefaultLayers(cache);
    }

    [Test]
    public void AddCachka_builds_the_default_layers([Values] bool withConfig)
    {
        var services = new ServiceCollection();
        if (withConfig)
            services.AddCachka(new CacheConfig { EnableMetrics = true }, useAsProcessCache: false);
        else
            services.AddCachka(useAsProcessCache: false);
        using var provider = services.BuildServiceProvider();
        AssertDefaultLayers((LayeredCache)provider.GetRequiredService<ICache>());
    }

    [Test]
    public void Appsettings_without_Layers_build_the_default_layers()
    {
        var section = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes("""{ "Cachka": { "EnableMetrics": true } }""")))
            .Build().GetSection("Cachka");
        Assert.That(CacheConfigBinder.Bind(section).Layers, Is.EqualTo(Redirected));

        using var provider = new ServiceCollection().AddCachka(section, useAsProcessCache: false).BuildServiceProvider();
        AssertDefaultLayers((LayeredCache)provider.GetRequiredService<ICache>());
    }

    [Test]
    public void The_README_configuration_table_states_the_default()
    {
        var readme = File.ReadAllText(Repository.PathOf("README.md")).ReplaceLineEndings("\n");
        var row = Regex.Match(readme, @"^\| `CacheConfig\.Layers` \| ([^|]*) \|", RegexOptions.Multiline);
        Assert.That(row.Success, Is.True, "the README's configuration table has a CacheConfig.Layers row");

        // "memory + SQLite `cache.db`", described from what new CacheConfig() really holds.
        CacheConfig.DefaultLayers = _realDefault;
        var actual = string.Join(" + ", new CacheConfig().Layers.Select(layer => layer switch
        {
            MemoryCacheConfig => "memory",
            SqliteCacheConfig sqlite => $"SQLite `{sqlite.DbPath}`",
            _ => layer.GetType().Name,
        }));
        Assert.That(row.Groups[1].Value.Split(',')[0].Trim(), Is.EqualTo(actual), "the README states what new CacheConfig() holds");
    }

    private void AssertDefaultLayers(LayeredCache cache)
    {
        Assert.Multiple(() =>
        {
            Assert.That(cache.Config.Layers, Is.EqualTo(Redirected));
            Assert.That(cache.Layers.Select(layer => layer.GetType()), Is.EqualTo(new[] { typeof(MemoryCacheLayer), typeof(SqliteCacheLayer) }));
            Assert.That(cache.Layers.OfType<SqliteCacheLayer>().Single().DatabasePath, Is.EqualTo(Path.Combine(_directory, "cache.db")));
        });
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cachka.Tests.Runtime;

/// <summary>A misspelt setting or section is an error that names it, never a silent default.</summary>
public sealed class MisspeltConfigurationTests
{
    private static IConfigurationRoot Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Test]
    public void A_misspelt_layer_setting_names_its_path_and_the_layers_settings()
    {
        var configuration = Settings(("Cachka:Layers:0:Type", "memory"), ("Cachka:Layers:0:MaxSzie", "2048"));
        var error = Assert.Throws<FormatException>(() => CacheConfigBinder.Bind(configuration.GetSection("Cachka")));
        Assert.That(error!.Message, Does.Contain("'Cachka:Layers:0:MaxSzie' is not a setting of a 'memory' layer").And.Contain("MaxSize"));
    }

    [Test]
    public void A_misspelt_cache_setting_names_its_path()
    {
        var configuration = Settings(("Cachka:DefaultTTl", "00:01:00"), ("Cachka:DefaulTtl", "00:01:00"));
        var error = Assert.Throws<FormatException>(() => CacheConfigBinder.Bind(configuration.GetSection("Cachka")));
        Assert.That(error!.Message, Does.Contain("'Cachka:DefaulTtl' is not a setting of the cache").And.Contain("DefaultTtl"));
    }

    [Test]
    public void Settings_are_matched_without_regard_to_case_as_configuration_keys_are()
    {
        var configuration = Settings(("Cachka:defaultttl", "00:01:00"), ("Cachka:Layers:0:type", "memory"), ("Cachka:Layers:0:maxsize", "7"));
        var config = CacheConfigBinder.Bind(configuration.GetSection("Cachka"));
        Assert.That(config.DefaultTtl, Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(((MemoryCacheConfig)config.Layers[0]).MaxSize, Is.EqualTo(7));
    }

    [Test]
    public void A_misspelt_section_name_fails_AddCachka_instead_of_running_on_defaults()
    {
        var configuration = Settings(("Cachka:Name", "shop"));
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddCachka(configuration.GetSection("Cahcka")));
        Assert.That(error!.Message, Does.Contain("'Cahcka' does not exist"));
    }
}

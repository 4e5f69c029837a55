using Cachka.Generators;
using Cachka.Redis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.Extensions.Configuration;

namespace Cachka.Tests.Redis;

public sealed class RedisConfigurationTests
{
    [Test]
    public void A_redis_layer_in_appsettings_binds_every_setting()
    {
        var json = """
            { "Cachka": { "Layers": [
                { "Type": "memory", "MaxSize": 100 },
                { "Type": "redis", "Name": "shared", "Host": "cache.internal", "Port": 6380, "Db": 2, "Password": "pw",
                  "SocketTimeout": "00:00:02", "SocketConnectTimeout": 3, "MaxConnections": 8, "KeyPrefix": "app:",
                  "OperationTimeout": 0.25, "EnableBackplane": false, "MaxKeyLength": 200, "MaxPayloadBytes": 1000 } ] } }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
        var config = CacheConfigBinder.Bind(configuration.GetSection("Cachka"));
        var redis = (RedisCacheConfig)config.Layers[1];
        Assert.That(redis, Is.EqualTo(new RedisCacheConfig
        {
            Name = "shared", Host = "cache.internal", Port = 6380, Db = 2, Password = "pw",
            SocketTimeout = TimeSpan.FromSeconds(2), SocketConnectTimeout = TimeSpan.FromSeconds(3), MaxConnections = 8, KeyPrefix = "app:",
            OperationTimeout = TimeSpan.FromMilliseconds(250), EnableBackplane = false, MaxKeyLength = 200, MaxPayloadBytes = 1000,
            PreviousEncryptionKeys = redis.PreviousEncryptionKeys, Serializer = redis.Serializer,
        }));
    }

    [Test]
    public void A_misspelt_setting_value_names_its_path()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cachka:Layers:0:Type"] = "redis",
            ["Cachka:Layers:0:Port"] = "six",
        }).Build();
        var error = Assert.Throws<FormatException>(() => CacheConfigBinder.Bind(configuration.GetSection("Cachka")));
        Assert.That(error!.Message, Does.Contain("Cachka:Layers:0:Port"));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void The_generator_registers_the_redis_layer_type_in_every_assembly_that_references_Cachka_Redis(bool referenced)
    {
        var references = new List<MetadataReference>
        {
            MetadataReference.CreateFromFile(typeof(object).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(CacheConfig).Assembly.Location),
        };
        if (referenced)
            references.Add(MetadataReference.CreateFromFile(typeof(RedisCacheConfig).Assembly.Location));
        var compilation = CSharpCompilation.Create("App", [CSharpSyntaxTree.ParseText("class Program { }")], references);
        var result = CSharpGeneratorDriver.Create(new CachedMethodGenerator()).RunGenerators(compilation).GetRunResult();
        var registration = result.GeneratedTrees.Where(t => t.FilePath.EndsWith("Cachka.LayerRegistration.g.cs", StringComparison.Ordinal)).ToList();
        Assert.That(registration, Has.Count.EqualTo(referenced ? 1 : 0));
        if (referenced)
            Assert.That(registration[0].ToString(), Does.Contain("global::Cachka.Redis.RedisConfigBinding.Register()").And.Contain("ModuleInitializer"));
    }
}

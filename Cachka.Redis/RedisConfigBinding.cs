using System.ComponentModel;
using Cachka.Configuration;
using Cachka.Layers;
using Microsoft.Extensions.Configuration;

namespace Cachka.Redis;

/// <summary>
/// Teaches <see cref="CacheConfigBinder"/> the layer type <c>redis</c> (appsettings). Applications need not call
/// this: Cachka's generator registers it from every assembly that references Cachka.Redis (a module
/// initializer, no reflection), and so does Cachka.Redis itself when it loads.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RedisConfigBinding
{
    /// <summary>The layer type name in configuration.</summary>
    public const string LayerType = "redis";

    /// <summary>Registers the <c>redis</c> layer type (idempotent).</summary>
    public static void Register() => CacheConfigBinder.RegisterLayer(LayerType, Read);

    [System.Runtime.CompilerServices.ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "registering the layer type when the assembly loads is the point")]
    internal static void RegisterOnLoad() => Register();

    /// <summary>Builds a <see cref="RedisCacheConfig"/> from a layer's section; absent settings keep their defaults.</summary>
    public static CacheLayerConfig Read(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var defaults = new RedisCacheConfig();
        return new RedisCacheConfig
        {
            Name = section.GetString("Name") ?? defaults.Name,
            Host = section.GetString("Host") ?? defaults.Host,
            Port = section.GetInt("Port") ?? defaults.Port,
            Db = section.GetInt("Db") ?? defaults.Db,
            Password = section.GetString("Password") ?? defaults.Password,
            SocketTimeout = section.GetTimeSpan("SocketTimeout") ?? defaults.SocketTimeout,
            SocketConnectTimeout = section.GetTimeSpan("SocketConnectTimeout") ?? defaults.SocketConnectTimeout,
            MaxConnections = section.GetInt("MaxConnections") ?? defaults.MaxConnections,
            KeyPrefix = section.GetString("KeyPrefix") ?? defaults.KeyPrefix,
            ConnectionString = section.GetString("ConnectionString") ?? defaults.ConnectionString,
            OperationTimeout = section.GetTimeSpan("OperationTimeout") ?? defaults.OperationTimeout,
            EnableBackplane = section.GetBool("EnableBackplane") ?? defaults.EnableBackplane,
            EnableEncryption = section.GetBool("EnableEncryption") ?? defaults.EnableEncryption,
            EncryptionKey = section.GetString("EncryptionKey") ?? defaults.EncryptionKey,
            PreviousEncryptionKeys = section.GetStrings("PreviousEncryptionKeys") ?? defaults.PreviousEncryptionKeys,
            MaxKeyLength = section.GetInt("MaxKeyLength") ?? defaults.MaxKeyLength,
            MaxPayloadBytes = section.GetInt("MaxPayloadBytes") ?? defaults.MaxPayloadBytes,
        };
    }
}

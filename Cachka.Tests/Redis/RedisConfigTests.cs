using Cachka.Redis;

namespace Cachka.Tests.Redis;

public sealed class RedisConfigTests
{
    private static readonly object[] Bad =
    [
        new object[] { new RedisCacheConfig { KeyPrefix = "" }, "RedisCacheConfig.KeyPrefix" },
        new object[] { new RedisCacheConfig { Port = 0 }, "RedisCacheConfig.Port" },
        new object[] { new RedisCacheConfig { Host = " " }, "RedisCacheConfig.Host" },
        new object[] { new RedisCacheConfig { Db = -1 }, "RedisCacheConfig.Db" },
        new object[] { new RedisCacheConfig { MaxConnections = 0 }, "RedisCacheConfig.MaxConnections" },
        new object[] { new RedisCacheConfig { OperationTimeout = TimeSpan.Zero }, "RedisCacheConfig.OperationTimeout" },
        new object[] { new RedisCacheConfig { SocketTimeout = TimeSpan.FromSeconds(-1) }, "RedisCacheConfig.SocketTimeout" },
        new object[] { new RedisCacheConfig { MaxKeyLength = 10 }, "RedisCacheConfig.MaxKeyLength" },
        new object[] { new RedisCacheConfig { ConnectionString = "localhost,ssl=maybe" }, "RedisCacheConfig.ConnectionString" },
        new object[] { new RedisCacheConfig { EnableEncryption = true }, "RedisCacheConfig.EnableEncryption" },
        new object[] { new RedisCacheConfig { EnableEncryption = true, EncryptionKey = "c2hvcnQ=" }, "RedisCacheConfig.EncryptionKey" },
        new object[] { new RedisCacheConfig { Name = "" }, "RedisCacheConfig.Name" },
    ];

    [TestCaseSource(nameof(Bad))]
    public void A_bad_setting_fails_validation_with_a_message_that_names_it(RedisCacheConfig config, string setting)
    {
        var error = Assert.Catch<ArgumentException>(config.Validate);
        Assert.That(error!.Message, Does.Contain(setting));
    }

    [Test]
    public void The_defaults_are_the_Python_cachkas()
    {
        var config = new RedisCacheConfig();
        Assert.That((config.Host, config.Port, config.Db, config.Password, config.MaxConnections, config.KeyPrefix),
            Is.EqualTo(("localhost", 6379, 0, (string?)null, 50, "cachka:")));
        Assert.That(config.EnableBackplane, Is.True);
        Assert.DoesNotThrow(config.Validate);
    }

    [Test]
    public void The_command_timeout_is_the_smaller_of_the_operation_and_socket_timeouts()
    {
        var config = new RedisCacheConfig { OperationTimeout = TimeSpan.FromSeconds(2), SocketTimeout = TimeSpan.FromMilliseconds(300) };
        var options = config.ConnectionOptions();
        Assert.That((options.SyncTimeout, options.AsyncTimeout), Is.EqualTo((300, 300)));
        Assert.That(options.AbortOnConnectFail, Is.False);
    }

    // Async timeouts are found on the heartbeat: at the default one second, a frozen Redis could cost an async caller
    // the timeout and one second more.
    [TestCase(1000, 250)]
    [TestCase(100, 50)]
    [TestCase(10_000, 1000)]
    public void The_heartbeat_that_finds_timed_out_commands_beats_four_times_per_timeout(int timeoutMs, int heartbeatMs) =>
        Assert.That(new RedisCacheConfig { OperationTimeout = TimeSpan.FromMilliseconds(timeoutMs) }.ConnectionOptions().HeartbeatInterval, Is.EqualTo(TimeSpan.FromMilliseconds(heartbeatMs)));

    [TestCase("cachka:", "cachka#")]
    [TestCase("app#", "app$")]
    [TestCase("x", "#")]
    public void Tag_sets_and_the_channel_live_under_a_prefix_no_cache_key_can_produce(string prefix, string auxiliary) =>
        Assert.That(RedisCacheLayer.AuxiliaryPrefix(prefix), Is.EqualTo(auxiliary));
}

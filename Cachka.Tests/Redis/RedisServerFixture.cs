using StackExchange.Redis;

namespace Cachka.Tests.Redis;

/// <summary>One redis-server for the fixture's tests, emptied before each test, with a separate client to look at it.</summary>
[NonParallelizable]
public abstract class RedisServerFixture
{
    private protected RedisServer Server { get; private set; } = null!;

    private protected ConnectionMultiplexer Raw { get; private set; } = null!;

    private protected IDatabase Db => Raw.GetDatabase();

    [OneTimeSetUp]
    public async Task StartServer()
    {
        Server = await RedisServer.StartAsync();
        Raw = Server.Connect();
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        await Raw.DisposeAsync();
        await Server.DisposeAsync();
    }

    [SetUp]
    public void Flush() => Raw.GetServer(Server.Endpoint).FlushAllDatabases();
}

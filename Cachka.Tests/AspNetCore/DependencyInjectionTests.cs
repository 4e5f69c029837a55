using Cachka.Tests.Runtime;
using Cachka.Tests.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cachka.Tests.AspNetCore;

/// <summary>
/// <c>AddCachka</c>'s other forms in a host: a configuration made from the container and checked when the host
/// starts, named caches as keyed services, and logging through the host's logger factory without floods.
/// </summary>
[NonParallelizable]
public sealed class DependencyInjectionTests
{
    [SetUp]
    [TearDown]
    public void ClearRegistry() => CacheRegistry.Reset();

    [Test]
    public async Task A_bad_configuration_made_from_the_container_fails_the_hosts_start_naming_the_setting()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(new Settings(MaxSize: 0));
        builder.Services.AddCachka(provider => new CacheConfig
        {
            Layers = [new MemoryCacheConfig { MaxSize = provider.GetRequiredService<Settings>().MaxSize }],
        });
        await using var app = builder.Build();
        Assert.That(async () => await app.StartAsync(), Throws.InstanceOf<ArgumentException>().With.Message.Contains("MemoryCacheConfig.MaxSize"));
    }

    [Test]
    public async Task A_configuration_made_from_the_container_is_the_process_cache_from_the_first_request()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(new Settings(MaxSize: 64));
        builder.Services.AddCachka(provider => new CacheConfig
        {
            Name = "from-container",
            Layers = [new MemoryCacheConfig { MaxSize = provider.GetRequiredService<Settings>().MaxSize }],
            VacuumInterval = null,
        });
        await using var app = builder.Build();
        await app.StartAsync();
        Assert.That(CacheRegistry.Get().Name, Is.EqualTo("from-container"));
        await app.StopAsync();
        Assert.That(CacheRegistry.IsInitialized, Is.False, "released when the host stops");
    }

    [Test]
    public async Task Named_caches_are_keyed_services_apart_from_the_default_one()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddCachka(new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null });
        builder.Services.AddCachka("orders", new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null });
        builder.Services.AddCachka("users", new CacheConfig { Layers = [new MemoryCacheConfig()], VacuumInterval = null });
        await using var app = builder.Build();
        app.MapGet("/orders", ([FromKeyedServices("orders")] ICache orders) => orders.GetOrCreate("o", () => "order"));
        app.MapGet("/users", async ([FromKeyedServices("users")] HybridCache users) => await users.GetOrCreateAsync("u", _ => ValueTask.FromResult("user")));
        await app.StartAsync();
        using var client = app.GetTestClient();
        Assert.That(await client.GetStringAsync(new Uri("/orders", UriKind.Relative)), Is.EqualTo("order"));
        Assert.That(await client.GetStringAsync(new Uri("/users", UriKind.Relative)), Is.EqualTo("user"));

        var orders = app.Services.GetRequiredKeyedService<ICache>("orders");
        var users = app.Services.GetRequiredKeyedService<ICache>("users");
        var main = app.Services.GetRequiredService<ICache>();
        Assert.That(new[] { orders.Name, users.Name, main.Name }, Is.EqualTo(new[] { "orders", "users", "default" }));
        Assert.That(orders.Get<string>("o"), Is.EqualTo("order"));
        Assert.That(main.Get<string>("o"), Is.Null, "each named cache has its own layers");
        Assert.That(CacheRegistry.Get(), Is.SameAs(main), "a named cache is never the process cache");
        await app.StopAsync();
    }

    [Test]
    public void A_layer_that_keeps_failing_logs_one_stack_trace_per_run_of_failures()
    {
        var logs = new CapturingLoggerFactory();
        var failing = new RecordingLayer("remote", TimeProvider.System) { Failing = true };
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(logs);
        services.AddCachka(new CacheConfig
        {
            Layers = [new MemoryCacheConfig(), new ExistingLayerConfig(failing)],
            CircuitBreakerThreshold = 1_000,
            VacuumInterval = null,
            CleanupOnStart = false,
        }, useAsProcessCache: false);
        using var provider = services.BuildServiceProvider();
        var cache = provider.GetRequiredService<ICache>();
        for (var i = 0; i < 100; i++)
            cache.Get<int>("k" + i);
        failing.Failing = false;
        cache.Get<int>("recovered");
        failing.Failing = true;
        cache.Get<int>("again");

        var failures = logs.Entries.Where(e => e.EventId is 1 or 8).ToList();
        Assert.That(failures.Count(e => e.Level == LogLevel.Warning && e.HasException), Is.EqualTo(2), "the first failure of each run");
        Assert.That(failures.Count(e => e.EventId == 8 && e.Level == LogLevel.Debug && !e.HasException), Is.EqualTo(99));
        Assert.That(logs.Categories, Does.Contain("Cachka"), "through the host's logger factory");
    }

    private sealed record Settings(int MaxSize);

    private sealed class CapturingLoggerFactory : ILoggerFactory
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, int EventId, bool HasException)> _entries = new();
        private readonly System.Collections.Concurrent.ConcurrentBag<string> _categories = [];

        public IReadOnlyList<(LogLevel Level, int EventId, bool HasException)> Entries => [.. _entries];

        public IReadOnlyCollection<string> Categories => _categories;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName)
        {
            _categories.Add(categoryName);
            return new Logger(_entries);
        }

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<(LogLevel, int, bool)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((logLevel, eventId.Id, exception is not null));
        }
    }
}

using Cachka.Tests.Fidelity;
using Cachka.Tests.Fidelity.Shapes;
using Cachka.Tests.Runtime;
using Microsoft.Extensions.Logging;

namespace Cachka.Tests.Sqlite;

/// <summary>
/// Issue 7, item 4: through an SQLite-only cache (a real file), every value shape is either an exact hit, in the same
/// process and after a restart, with and without encryption, sync and async, or a counted refusal (a miss and
/// <c>cache_errors_total</c> with the named reason): never a different value, never an exception.
/// </summary>
public class SqliteFidelityTests : SqliteTestBase
{
    private static readonly string EncryptionKey = CacheEncryptionKey.Generate();

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var shape in FidelityShapes.All())
        {
            foreach (var encrypted in new[] { false, true })
            {
                foreach (var async in new[] { false, true })
                    yield return new TestCaseData(shape, encrypted, async).SetArgDisplayNames(shape.Name, encrypted ? "encrypted" : "plain", async ? "async" : "sync");
            }
        }
    }

    [Test]
    public void The_suite_covers_at_least_50_shapes() => Assert.That(FidelityShapes.All().Count(), Is.GreaterThanOrEqualTo(50));

    [TestCaseSource(nameof(Cases))]
    public async Task A_value_is_an_exact_hit_or_a_counted_refusal(FidelityShape shape, bool encrypted, bool async)
    {
        var config = SqliteOnly(encrypted);
        const string key = "fidelity:value";
        var expected = shape.Make();

        var (found, value, errors) = await RoundTripAsync(shape, config, key, async, write: true);
        Check(shape, expected, found, value, errors, "same process");

        (found, value, errors) = await RoundTripAsync(shape, config, key, async, write: false);
        Check(shape, expected, found, value, errors: null, "after a restart");
        if (shape.RefusedAs is not null)
            Assert.That(RowCount(), Is.Zero, "a refused value is not in the file");
    }

    [Test]
    public async Task A_refused_value_removes_the_older_value_under_its_key([Values] bool async)
    {
        var config = SqliteOnly(encrypted: false);
        using (var cache = TestCaches.With(Clock, new MemoryCacheConfig { Ttl = TimeSpan.FromHours(1) }, config))
        {
            if (async)
            {
                await cache.SetAsync<Animal>("pet", new Animal { Name = "plain" }, TimeSpan.FromMinutes(5));
                await cache.SetAsync<Animal>("pet", new Dog { Name = "Rex", Breed = "collie" }, TimeSpan.FromMinutes(5));
            }
            else
            {
                cache.Set<Animal>("pet", new Animal { Name = "plain" }, TimeSpan.FromMinutes(5));
                cache.Set<Animal>("pet", new Dog { Name = "Rex", Breed = "collie" }, TimeSpan.FromMinutes(5));
            }

            Assert.That(cache.Get<Animal>("pet"), Is.TypeOf<Dog>(), "L1 still serves the refused value");
            Assert.That(cache.Metrics.ErrorCount("polymorphic_value"), Is.EqualTo(1));
        }

        // L1 is gone (a new process): SQLite must not answer with the first value.
        using var restarted = TestCaches.With(Clock, config);
        var read = async ? await restarted.TryGetAsync<Animal>("pet") : restarted.TryGet<Animal>("pet");
        Assert.That(read.HasValue, Is.False, "the older value must not outlive the newer one");
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public void A_refused_type_is_logged_once_with_what_to_do()
    {
        using var logs = new ListLoggerProvider();
        using var cache = new LayeredCache(
            new CacheConfig { Layers = [SqliteOnly(encrypted: false)], VacuumInterval = null, CleanupOnStart = false },
            Clock,
            logs);

        for (var i = 0; i < 5; i++)
            cache.Set("k" + i, new PrivateSetter(i, "n"), TimeSpan.FromMinutes(5));
        for (var i = 0; i < 3; i++)
            cache.Set<Animal>("a" + i, new Dog(), TimeSpan.FromMinutes(5));

        Assert.That(cache.Metrics.ErrorCount("unread_state"), Is.EqualTo(5), "every refusal is counted");
        Assert.That(cache.Metrics.ErrorCount("polymorphic_value"), Is.EqualTo(3));
        var refusals = logs.Messages.Where(m => m.Contains("are not stored here", StringComparison.Ordinal)).ToList();
        Assert.That(refusals, Has.Count.EqualTo(2), "once per type and reason");
        Assert.That(refusals[0], Does.Contain("'PrivateSetter'").And.Contain("unread_state").And.Contain("PrivateSetter.Id").And.Contain("public setter"));
        Assert.That(refusals[1], Does.Contain("'Animal'").And.Contain("Dog").And.Contain("[JsonDerivedType]"));
    }

    [Test]
    public void A_type_is_judged_once_per_serializer()
    {
        var serializer = new CountingSerializer();
        var layer = Layer(Config() with { Serializer = serializer });

        for (var i = 0; i < 3; i++)
            layer.Set("k" + i, new PositionalRecord(i, "n", []), In(TimeSpan.FromMinutes(5)));

        Assert.That(serializer.Checks, Is.EqualTo(1));
        Assert.That(layer.Get<PositionalRecord>("k2").Value, Is.EqualTo(new PositionalRecord(2, "n", [])).Using<PositionalRecord>((a, b) => a.Id == b.Id));
    }

    [Test]
    public void A_custom_serializer_refuses_a_type_through_its_fidelity_and_a_value_through_the_exception()
    {
        var layer = Layer(Config() with { Serializer = new CountingSerializer { Refuse = typeof(InitRecord) } });

        layer.Set("type", new InitRecord { Id = 1 }, In(TimeSpan.FromMinutes(5)));
        layer.Set("value", new PositionalRecord(-1, "refuse me", []), In(TimeSpan.FromMinutes(5)));

        Assert.That(ErrorsOf("custom_reason"), Is.EqualTo(1));
        Assert.That(ErrorsOf("negative_id"), Is.EqualTo(1));
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public void With_a_source_generated_context_the_verdict_comes_from_its_metadata()
    {
        var layer = Layer(Config() with { Serializer = new JsonCacheSerializer(FidelityJsonContext.Default) });
        var expires = In(TimeSpan.FromMinutes(5));

        layer.Set("record", new PositionalRecord(1, "Ada", new List<string> { "x" }), expires);
        layer.Set("setter", new PrivateSetter(1, "n"), expires);
        layer.Set("tuple", (1, "x"), expires); // fields are included for a context too
        layer.Set<Animal>("dog", new Dog { Name = "Rex" }, expires);
        layer.Set("text", "bad\uD800", expires);
        layer.Set("address", new Address(), expires);

        Assert.That(Exact.Difference(new PositionalRecord(1, "Ada", new List<string> { "x" }), layer.Get<PositionalRecord>("record").Value), Is.Null);
        Assert.That(layer.Get<(int, string)>("tuple").Value, Is.EqualTo((1, "x")));
        Assert.That(ErrorsOf("unread_state"), Is.EqualTo(1));
        Assert.That(ErrorsOf("polymorphic_value"), Is.EqualTo(1));
        Assert.That(ErrorsOf("lone_surrogate"), Is.EqualTo(1));
        Assert.That(ErrorsOf("no_json_metadata"), Is.EqualTo(1));
        Assert.That(RowCount(), Is.EqualTo(2));
    }

    [Test]
    public void User_options_are_copied_and_guarded_not_changed()
    {
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerOptions.Default);
        var layer = Layer(Config() with { Serializer = new JsonCacheSerializer(options) });
        var expires = In(TimeSpan.FromMinutes(5));

        layer.Set("tuple", (1, "x"), expires); // these options leave fields out: refused, not stored empty
        layer.Set<Animal>("dog", new Dog { Name = "Rex" }, expires);
        layer.Set("record", new InitRecord { Id = 3, Name = "n" }, expires);

        Assert.That(options.IsReadOnly, Is.False, "the caller's options object is not used (or frozen) by the serializer");
        Assert.That(ErrorsOf("unread_state"), Is.EqualTo(1));
        Assert.That(ErrorsOf("polymorphic_value"), Is.EqualTo(1));
        Assert.That(layer.Get<InitRecord>("record").Value, Is.EqualTo(new InitRecord { Id = 3, Name = "n" }));
    }

    private SqliteCacheConfig SqliteOnly(bool encrypted) =>
        encrypted ? Config() with { EnableEncryption = true, EncryptionKey = EncryptionKey } : Config();

    private async Task<(bool Found, object? Value, Func<string, long> Errors)> RoundTripAsync(FidelityShape shape, SqliteCacheConfig config, string key, bool async, bool write)
    {
        using var cache = TestCaches.With(Clock, config);
        (bool Found, object? Value) read;
        if (async)
        {
            if (write)
                await shape.SetAsync(cache, key, TimeSpan.FromMinutes(5));
            read = await shape.GetAsync(cache, key);
        }
        else
        {
            if (write)
                shape.Set(cache, key, TimeSpan.FromMinutes(5));
            read = shape.Get(cache, key);
        }

        var metrics = cache.Metrics;
        var counts = new Dictionary<string, long>();
        foreach (var reason in new[] { shape.RefusedAs ?? "none", "serialize_failed", "deserialize_failed" })
            counts[reason] = metrics.ErrorCount(reason);
        return (read.Found, read.Value, reason => counts[reason]);
    }

    private static void Check(FidelityShape shape, object? expected, bool found, object? value, Func<string, long>? errors, string when)
    {
        if (shape.RefusedAs is null)
        {
            Assert.That(found, Is.True, $"{shape.Name}: a faithful value is a hit ({when})");
            Assert.That(Exact.Difference(expected, value), Is.Null, $"{shape.Name}: the value read back differs ({when})");
        }
        else
        {
            Assert.That(found, Is.False, $"{shape.Name}: a refused value is a miss, never a different value ({when})");
            if (errors is not null)
                Assert.That(errors(shape.RefusedAs), Is.EqualTo(1), $"{shape.Name}: the refusal is counted as {shape.RefusedAs} ({when})");
        }

        if (errors is not null)
        {
            Assert.That(errors("serialize_failed"), Is.Zero, $"{shape.Name}: refused for a reason, not by a serializer failure");
            Assert.That(errors("deserialize_failed"), Is.Zero, $"{shape.Name}: read back without a failure");
        }
    }

    private sealed class CountingSerializer : ICacheSerializer
    {
        private int _checks;

        public int Checks => _checks;

        public Type? Refuse { get; init; }

        public CacheFidelity GetFidelity<T>()
        {
            Interlocked.Increment(ref _checks);
            return typeof(T) == Refuse ? CacheFidelity.Refused("custom_reason", "not this one") : CacheFidelity.Faithful;
        }

        public void Serialize<T>(T value, System.Buffers.IBufferWriter<byte> destination)
        {
            if (value is PositionalRecord { Id: < 0 })
                throw new UnfaithfulValueException("negative_id", "negative ids are not stored");
            JsonCacheSerializer.Default.Serialize(value, destination);
        }

        public T Deserialize<T>(ReadOnlySpan<byte> source) => JsonCacheSerializer.Default.Deserialize<T>(source);
    }
}

/// <summary>Collects formatted log messages (a logger factory and provider in one).</summary>
internal sealed class ListLoggerProvider : ILoggerFactory, ILoggerProvider
{
    public void AddProvider(ILoggerProvider provider)
    {
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

    public IReadOnlyList<string> Messages => [.. _messages];

    public ILogger CreateLogger(string categoryName) => new ListLogger(_messages);

    public void Dispose()
    {
    }

    private sealed class ListLogger(System.Collections.Concurrent.ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue(formatter(state, exception));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(PositionalRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(PrivateSetter))]
[System.Text.Json.Serialization.JsonSerializable(typeof((int, string)))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Animal))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dog))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class FidelityJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

namespace Cachka.Tests.Runtime;

public class ConcurrencyTests
{
    private sealed record Payload(int Key, string Text)
    {
        public static Payload For(int key) => new(key, "value-" + key);

        public bool IsIntact => Text == "value-" + Key;
    }

    [Test]
    public async Task Mixed_get_set_delete_on_many_threads_never_exceeds_MaxSize_nor_returns_a_wrong_value()
    {
        const int maxSize = 64;
        using var cache = TestCaches.Memory(TestCaches.Clock(), maxSize: maxSize, shards: 4);
        var layer = (MemoryCacheLayer)cache.Layers[0];
        var wrong = 0;
        var overflow = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        async Task Worker(int seed)
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var key = random.Next(500);
                switch (random.Next(10))
                {
                    case < 5:
                        var hit = cache.TryGet<Payload>($"k{key}");
                        if (hit.HasValue && (hit.Value.Key != key || !hit.Value.IsIntact))
                            Interlocked.Increment(ref wrong);
                        break;
                    case < 7:
                        cache.Set($"k{key}", Payload.For(key));
                        break;
                    case 7:
                        await cache.SetAsync($"k{key}", Payload.For(key));
                        break;
                    case 8:
                        cache.Delete($"k{key}");
                        break;
                    default:
                        var created = await cache.GetOrCreateAsync($"k{key}", _ => ValueTask.FromResult(Payload.For(key)));
                        if (created.Key != key)
                            Interlocked.Increment(ref wrong);
                        break;
                }

                if (layer.Count > maxSize)
                    Interlocked.Increment(ref overflow);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Environment.ProcessorCount * 4).Select(i => Task.Run(() => Worker(i))));

        Assert.Multiple(() =>
        {
            Assert.That(wrong, Is.Zero, "no value was ever returned for another key or torn");
            Assert.That(overflow, Is.Zero, "MaxSize was never exceeded");
            Assert.That(layer.Count, Is.LessThanOrEqualTo(maxSize));
            Assert.That(layer.Evictions.Value, Is.GreaterThan(0), "the workload did evict");
        });
    }

    [Test]
    public void The_lru_index_and_the_lookup_index_stay_consistent_under_contention()
    {
        using var layer = new MemoryCacheLayer(new MemoryCacheConfig { MaxSize = 32, Shards = 2 }.Settings, TestCaches.Clock());
        Parallel.For(0, 200_000, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, i =>
        {
            var key = $"k{i % 97}";
            if (i % 3 == 0)
                layer.Delete(key);
            else
                layer.Set(key, i, DateTimeOffset.MaxValue);
            layer.Get<int>(key);
        });

        var reachable = Enumerable.Range(0, 97).Count(i => layer.Get<int>($"k{i}").Found);
        Assert.That(reachable, Is.EqualTo(layer.Count), "every counted entry is findable and vice versa");
    }
}

public class TypedKeyTests
{
    private readonly record struct UserKey(int Id) : ICacheKey<UserKey>
    {
        public string ToKeyString() => "UserService.GetUser(int)|" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Test]
    public void A_typed_key_and_its_string_form_address_the_same_entry()
    {
        using var cache = TestCaches.Memory();
        var calls = 0;
        var first = cache.GetOrCreate(new UserKey(7), 0, _ => ++calls);
        var second = cache.GetOrCreate(new UserKey(7), 0, _ => ++calls);

        Assert.Multiple(() =>
        {
            Assert.That((first, second, calls), Is.EqualTo((1, 1, 1)));
            Assert.That(cache.Get<int>("UserService.GetUser(int)|7"), Is.EqualTo(1));
        });
    }

    [Test]
    public void Deleting_the_string_key_removes_the_typed_entry()
    {
        using var cache = TestCaches.Memory();
        cache.GetOrCreate(new UserKey(7), 0, _ => 1);
        cache.Delete("UserService.GetUser(int)|7");
        Assert.That(cache.GetOrCreate(new UserKey(7), 0, _ => 2), Is.EqualTo(2));
    }

    [Test]
    public void A_string_write_is_seen_by_typed_readers()
    {
        using var cache = TestCaches.Memory();
        cache.GetOrCreate(new UserKey(7), 0, _ => 1);
        cache.Set("UserService.GetUser(int)|7", 99);
        Assert.Multiple(() =>
        {
            Assert.That(cache.GetOrCreate(new UserKey(7), 0, _ => -1), Is.EqualTo(99));
            Assert.That(cache.GetOrCreate(new UserKey(7), 0, _ => -1), Is.EqualTo(99), "and again, through the typed index");
        });
    }

    [Test]
    public void A_typed_entry_expires_like_any_other()
    {
        var clock = TestCaches.Clock();
        using var cache = TestCaches.Memory(clock);
        cache.GetOrCreate(new UserKey(1), 0, _ => 1, new CacheEntryOptions(TimeSpan.FromSeconds(5)));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(cache.GetOrCreate(new UserKey(1), 0, _ => 2), Is.EqualTo(2));
    }

    [Test]
    public async Task Task_callers_get_one_reused_completed_task_on_hits()
    {
        using var cache = TestCaches.Memory();
        var first = await cache.GetOrCreateTaskAsync(new UserKey(3), 0, (_, _) => ValueTask.FromResult("u3"));
        var hit1 = cache.GetOrCreateTaskAsync(new UserKey(3), 0, (_, _) => ValueTask.FromResult("other"));
        var hit2 = cache.GetOrCreateTaskAsync(new UserKey(3), 0, (_, _) => ValueTask.FromResult("other"));

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo("u3"));
            Assert.That(hit1.IsCompletedSuccessfully, Is.True);
            Assert.That(hit2, Is.SameAs(hit1));
            Assert.That(hit1.Result, Is.EqualTo("u3"));
        });
    }

    [Test]
    public void A_typed_hit_through_a_lower_layer_is_promoted_and_linked()
    {
        var clock = TestCaches.Clock();
        using var remote = new RecordingLayer("remote", clock);
        using var cache = TestCaches.With(clock, new MemoryCacheConfig(), new ExistingLayerConfig(remote));
        remote.Put("UserService.GetUser(int)|5", "from-l2", clock.GetUtcNow().AddMinutes(1));

        Assert.That(cache.GetOrCreate(new UserKey(5), 0, _ => "origin"), Is.EqualTo("from-l2"));
        var callsAfterFirst = remote.SyncCalls;
        Assert.That(cache.GetOrCreate(new UserKey(5), 0, _ => "origin"), Is.EqualTo("from-l2"));
        Assert.That(remote.SyncCalls, Is.EqualTo(callsAfterFirst), "the second read is an L1 hit");
    }
}

public class MaintenanceTests
{
    [Test]
    public async Task Maintenance_runs_every_VacuumInterval_on_every_layer()
    {
        var clock = TestCaches.Clock();
        using var remote = new RecordingLayer("remote", clock);
        using var cache = new LayeredCache(new CacheConfig
        {
            Layers = [new MemoryCacheConfig(), new ExistingLayerConfig(remote)],
            VacuumInterval = TimeSpan.FromMinutes(10),
            CleanupOnStart = false,
        }, clock);

        clock.Advance(TimeSpan.FromMinutes(10));
        await WaitForPasses(cache, 1);
        clock.Advance(TimeSpan.FromMinutes(10));
        await WaitForPasses(cache, 2);

        Assert.That(remote.MaintenanceRuns, Is.EqualTo(2));
    }

    [Test]
    public async Task CleanupOnStart_runs_one_pass_at_start()
    {
        var clock = TestCaches.Clock();
        using var remote = new RecordingLayer("remote", clock);
        remote.Put("stale", 1, clock.GetUtcNow().AddSeconds(-1));
        using var cache = new LayeredCache(new CacheConfig
        {
            Layers = [new ExistingLayerConfig(remote)],
            VacuumInterval = null,
            CleanupOnStart = true,
        }, clock);

        await WaitForPasses(cache, 1);
        Assert.That(remote.MaintenanceRuns, Is.EqualTo(1));
    }

    [Test]
    public async Task A_failing_layer_does_not_stop_maintenance()
    {
        var clock = TestCaches.Clock();
        using var broken = new RecordingLayer("broken", clock) { Failing = true };
        using var healthy = new RecordingLayer("healthy", clock);
        using var cache = new LayeredCache(new CacheConfig
        {
            Layers = [new ExistingLayerConfig(new ThrowingMaintenanceLayer(broken)), new ExistingLayerConfig(healthy)],
            VacuumInterval = TimeSpan.FromMinutes(1),
            CleanupOnStart = false,
        }, clock);

        clock.Advance(TimeSpan.FromMinutes(1));
        await WaitForPasses(cache, 1);
        clock.Advance(TimeSpan.FromMinutes(1));
        await WaitForPasses(cache, 2);

        Assert.That(healthy.MaintenanceRuns, Is.EqualTo(2));
    }

    [Test]
    public async Task Disposing_stops_maintenance()
    {
        var clock = TestCaches.Clock();
        using var remote = new RecordingLayer("remote", clock);
        var cache = new LayeredCache(new CacheConfig
        {
            Layers = [new ExistingLayerConfig(remote)],
            VacuumInterval = TimeSpan.FromMinutes(1),
            CleanupOnStart = false,
        }, clock);
        await cache.DisposeAsync();

        clock.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(50);
        Assert.Multiple(() =>
        {
            Assert.That(remote.MaintenanceRuns, Is.Zero);
            Assert.That(remote.Disposed, Is.True);
        });
    }

    private static async Task WaitForPasses(LayeredCache cache, int passes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (cache.MaintenanceLoop.Passes < passes && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        Assert.That(cache.MaintenanceLoop.Passes, Is.GreaterThanOrEqualTo(passes));
    }

    private sealed class ThrowingMaintenanceLayer(RecordingLayer inner) : ICacheLayer
    {
        public string Name => inner.Name;
        public bool IsRemote => false;
        public CacheLayerHit<T> Get<T>(string key) => inner.Get<T>(key);
        public ValueTask<CacheLayerHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken) => inner.GetAsync<T>(key, cancellationToken);
        public void Set<T>(string key, T value, DateTimeOffset expiresAt) => inner.Set(key, value, expiresAt);
        public ValueTask SetAsync<T>(string key, T value, DateTimeOffset expiresAt, CancellationToken cancellationToken) => inner.SetAsync(key, value, expiresAt, cancellationToken);
        public bool Delete(string key) => inner.Delete(key);
        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
        public int CleanupExpired() => inner.CleanupExpired();
        public ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken) => inner.CleanupExpiredAsync(cancellationToken);
        public ValueTask<int> RunMaintenanceAsync(CancellationToken cancellationToken) => throw new IOException("disk gone");
        public void Dispose() => inner.Dispose();
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

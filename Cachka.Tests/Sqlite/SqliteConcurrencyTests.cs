namespace Cachka.Tests.Sqlite;

public class SqliteConcurrencyTests : SqliteTestBase
{
    [Test]
    public async Task Many_threads_mixing_sync_and_async_operations_never_see_another_keys_value()
    {
        var layer = Layer();
        var wrong = 0;
        var failures = 0;
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var random = new Random(t);
            for (var i = 0; i < 500; i++)
            {
                var key = "k" + random.Next(32);
                try
                {
                    switch (random.Next(6))
                    {
                        case 0:
                            layer.Set(key, $"{key}|{t}|{i}", In(TimeSpan.FromMinutes(5)));
                            break;
                        case 1:
                            await layer.SetAsync(key, $"{key}|{t}|{i}", In(TimeSpan.FromMinutes(5)), CancellationToken.None);
                            break;
                        case 2:
                            if (layer.Get<string>(key) is { Found: true } hit && !hit.Value.StartsWith(key + "|", StringComparison.Ordinal))
                                Interlocked.Increment(ref wrong);
                            break;
                        case 3:
                            if (await layer.GetAsync<string>(key, CancellationToken.None) is { Found: true } asyncHit && !asyncHit.Value.StartsWith(key + "|", StringComparison.Ordinal))
                                Interlocked.Increment(ref wrong);
                            break;
                        case 4:
                            layer.Delete(key);
                            break;
                        default:
                            await layer.DeleteAsync(key, CancellationToken.None);
                            break;
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToArray();

        await Task.WhenAll(tasks);

        Assert.That(wrong, Is.Zero);
        Assert.That(failures, Is.Zero);
        Assert.That(ReportedErrors, Is.Empty);
        Assert.That(SqliteFaultTests.Integrity(DbPath), Is.EqualTo("ok"));
    }

    [Test]
    public async Task Concurrent_readers_and_a_writer_through_the_pipeline_agree_on_the_final_value()
    {
        var cache = Cache(memory: false);
        var writers = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
                await cache.SetAsync($"key{i % 10}", i, ttl: TimeSpan.FromMinutes(5));
        }));
        var readers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
                _ = cache.Get<int>($"key{i % 10}");
        }));

        await Task.WhenAll(writers.Concat(readers));

        Assert.That(cache.GetStatistics().Errors, Is.Zero);
        for (var k = 0; k < 10; k++)
            Assert.That(cache.Get<int>($"key{k}") % 10, Is.EqualTo(k));
    }
}

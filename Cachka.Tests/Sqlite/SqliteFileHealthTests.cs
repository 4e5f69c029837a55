namespace Cachka.Tests.Sqlite;

/// <summary>Health tells the truth about files: the probe checks that the file the layer writes to is the one at DbPath.</summary>
public class SqliteFileHealthTests : SqliteTestBase
{
    private string Nested => Path.Combine(Directory, "data", "cache.db");

    private async Task<LayerHealth> SqliteHealthAsync(LayeredCache cache) => (await cache.HealthCheckAsync()).Layers[1];

    [Test]
    public async Task A_deleted_database_directory_makes_the_layer_unhealthy_at_the_next_health_check()
    {
        var cache = Cache(Config(Nested));
        cache.Set("k", 1, TimeSpan.FromMinutes(5)); // the file is open, and the per-operation check has just run
        Assert.That((await SqliteHealthAsync(cache)).Status, Is.EqualTo(CacheHealth.Healthy));

        System.IO.Directory.Delete(Path.GetDirectoryName(Nested)!, recursive: true);
        var health = await SqliteHealthAsync(cache);

        Assert.Multiple(() =>
        {
            Assert.That(health.Status, Is.EqualTo(CacheHealth.Unhealthy));
            Assert.That(health.Error, Does.Contain(Nested).And.Contain("no longer exists"));
        });
    }

    [Test]
    public async Task A_replaced_database_file_makes_the_layer_unhealthy_at_the_next_health_check()
    {
        var cache = Cache();
        cache.Set("k", 1, TimeSpan.FromMinutes(5));
        Assert.That((await SqliteHealthAsync(cache)).Status, Is.EqualTo(CacheHealth.Healthy));

        // Another file, with the same content, now sits at the path (a restore from backup, a deploy script).
        _ = SqliteLayerOf(cache).ExecuteScalar("PRAGMA wal_checkpoint(TRUNCATE)");
        File.Move(DbPath, DbPath + ".old");
        File.Copy(DbPath + ".old", DbPath);
        var health = await SqliteHealthAsync(cache);

        Assert.Multiple(() =>
        {
            Assert.That(health.Status, Is.EqualTo(CacheHealth.Unhealthy));
            Assert.That(health.Error, Does.Contain(DbPath).And.Contain("replaced"));
        });
    }

    [Test]
    public async Task A_deleted_database_file_is_reported_at_every_health_check_not_once_a_second()
    {
        var cache = Cache();
        cache.Set("k", 1, TimeSpan.FromMinutes(5));
        Assert.That((await SqliteHealthAsync(cache)).Status, Is.EqualTo(CacheHealth.Healthy));
        cache.Set("k", 2, TimeSpan.FromMinutes(5));

        SqliteFaultTests.DeleteDatabaseFiles(DbPath); // the clock has not moved: a throttled check would not look
        var health = await SqliteHealthAsync(cache);

        Assert.Multiple(() =>
        {
            Assert.That(health.Status, Is.EqualTo(CacheHealth.Unhealthy));
            Assert.That(health.Error, Does.Contain(DbPath).And.Contain("gone"));
        });
    }

    [Test]
    public async Task After_reporting_a_deleted_directory_the_layer_writes_to_a_new_file_at_DbPath()
    {
        var cache = Cache(Config(Nested));
        cache.Set("k", 1, TimeSpan.FromMinutes(5));
        System.IO.Directory.Delete(Path.GetDirectoryName(Nested)!, recursive: true);
        Assert.That((await SqliteHealthAsync(cache)).Status, Is.EqualTo(CacheHealth.Unhealthy));

        cache.Set("after", 2, TimeSpan.FromMinutes(5));

        Assert.Multiple(async () =>
        {
            Assert.That(File.Exists(Nested), Is.True);
            Assert.That(Layer(Config(Nested)).Get<int>("after").Value, Is.EqualTo(2), "the write landed in the file at DbPath");
            Assert.That((await SqliteHealthAsync(cache)).Status, Is.EqualTo(CacheHealth.Healthy));
        });
    }

    [Test]
    public void A_file_keeps_its_identity_while_written_and_loses_it_when_deleted_and_created_again()
    {
        var path = Path.Combine(Directory, "identity.bin");
        File.WriteAllText(path, "one");
        var first = SqliteFileIdentity.Of(path);
        File.AppendAllText(path, "two");
        var written = SqliteFileIdentity.Of(path);
        File.Delete(path);
        var gone = SqliteFileIdentity.Of(path);
        File.WriteAllText(path, "one");
        var again = SqliteFileIdentity.Of(path);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.Not.Null);
            Assert.That(first!.Value.IsUnknown, Is.EqualTo(!(OperatingSystem.IsLinux() || OperatingSystem.IsWindows())), "known on Linux and Windows");
            Assert.That(written, Is.EqualTo(first), "writing keeps the file");
            Assert.That(gone, Is.Null);
            if (!first.Value.IsUnknown)
                Assert.That(again, Is.Not.EqualTo(first), "a new file at the same path (even one that reuses the inode number)");
        });
    }
}

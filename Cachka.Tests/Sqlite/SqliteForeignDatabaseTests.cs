using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Cachka.Tests.Sqlite;

/// <summary>Never take over a foreign database: a DbPath that is not Cachka's is refused, byte for byte unchanged.</summary>
public class SqliteForeignDatabaseTests : SqliteTestBase
{
    private string AppDb => Path.Combine(Directory, "app.db");

    private void CreateAppDatabase(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = AppDb, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private byte[] Hash() => SHA256.HashData(File.ReadAllBytes(AppDb));

    // A failing layer never fails the caller: the cache serves from memory while the SQLite layer is refused.
    private async Task<LayerHealth> UseAsync(LayeredCache cache)
    {
        cache.Set("k", "v", TimeSpan.FromMinutes(5));
        await cache.SetAsync("k2", "v2", TimeSpan.FromMinutes(5));
        Assert.That(cache.Get<string>("k"), Is.EqualTo("v"));
        Assert.That(await cache.GetAsync<string>("k2"), Is.EqualTo("v2"));
        Assert.That(cache.Delete("k"), Is.True);
        await cache.RunMaintenanceAsync(CancellationToken.None);
        return (await cache.HealthCheckAsync()).Layers[1];
    }

    private void AssertRefused(LayerHealth health, byte[] before, string reason)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Hash(), Is.EqualTo(before), "the file's bytes are unchanged");
            Assert.That(File.Exists(AppDb + "-wal"), Is.False, "no WAL switch");
            Assert.That(System.IO.Directory.GetFiles(Directory, "app.db.corrupt-*"), Is.Empty, "not moved aside");
            Assert.That(health.Status, Is.EqualTo(CacheHealth.Unhealthy));
            Assert.That(health.Error, Does.Contain(AppDb).And.Contain("DbPath").And.Contain(reason));
            Assert.That(health.Error, Does.Not.Contain("delete").IgnoreCase);
        });
    }

    [Test]
    public async Task A_database_with_another_applications_tables_is_refused_and_left_unchanged()
    {
        CreateAppDatabase("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL); INSERT INTO orders (total) VALUES (9.5);");
        var before = Hash();

        var health = await UseAsync(Cache(Config(AppDb)));

        AssertRefused(health, before, "orders");
    }

    [Test]
    public async Task A_database_with_another_applications_tables_next_to_Cachkas_is_refused()
    {
        CreateAppDatabase($"""
            CREATE TABLE cachka_entries (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL, expires_at INTEGER NOT NULL, full_key TEXT NULL);
            CREATE TABLE users (id INTEGER PRIMARY KEY);
            PRAGMA user_version = 2;
            """);
        var before = Hash();

        var health = await UseAsync(Cache(Config(AppDb)));

        AssertRefused(health, before, "users");
    }

    [Test]
    public async Task A_database_with_a_user_version_Cachka_did_not_write_is_refused_and_left_unchanged([Values(1, 2, 3, 42, -1)] int userVersion)
    {
        CreateAppDatabase($"PRAGMA user_version = {userVersion};");
        var before = Hash();

        var health = await UseAsync(Cache(Config(AppDb)));

        AssertRefused(health, before, $"user_version {userVersion}");
    }

    [Test]
    public async Task A_cache_file_of_a_newer_Cachka_is_refused_and_left_unchanged()
    {
        CreateAppDatabase($"""
            CREATE TABLE cachka_entries (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL, expires_at INTEGER NOT NULL, full_key TEXT NULL);
            PRAGMA user_version = 3;
            """);
        var before = Hash();

        var health = await UseAsync(Cache(Config(AppDb)));

        AssertRefused(health, before, "newer Cachka");
    }

    [Test]
    public async Task A_database_of_another_application_id_is_refused_and_left_unchanged()
    {
        CreateAppDatabase("PRAGMA application_id = 1234;");
        var before = Hash();

        var health = await UseAsync(Cache(Config(AppDb)));

        AssertRefused(health, before, "application_id 1234");
    }

    [Test]
    public async Task A_file_that_is_not_an_SQLite_database_is_refused_and_left_unchanged()
    {
        var notes = new byte[64 * 1024];
        new Random(1).NextBytes(notes);
        File.WriteAllBytes(AppDb, notes);
        var before = Hash();

        var health = await UseAsync(Cache(Config(AppDb)));

        AssertRefused(health, before, "not an SQLite database");
    }

    [Test]
    public void A_refused_layer_is_refused_the_same_way_on_the_sync_and_async_paths()
    {
        CreateAppDatabase("CREATE TABLE orders (id INTEGER PRIMARY KEY);");
        var layer = Layer(Config(AppDb));

        Assert.Multiple(() =>
        {
            Assert.That(() => layer.Set("k", 1, In(TimeSpan.FromMinutes(1))), Throws.InstanceOf<InvalidOperationException>().With.Message.Contain(AppDb));
            Assert.That(async () => await layer.SetAsync("k", 1, In(TimeSpan.FromMinutes(1)), CancellationToken.None), Throws.InstanceOf<InvalidOperationException>().With.Message.Contain(AppDb));
            Assert.That(() => layer.Get<int>("k"), Throws.InstanceOf<InvalidOperationException>().With.Message.Contain(AppDb));
        });
    }

    [Test]
    public async Task An_empty_file_becomes_a_cache()
    {
        File.WriteAllBytes(AppDb, []);
        var cache = Cache(Config(AppDb));
        cache.Set("k", 1, TimeSpan.FromMinutes(5));

        Assert.Multiple(async () =>
        {
            Assert.That(Layer(Config(AppDb)).Get<int>("k").Value, Is.EqualTo(1));
            Assert.That((await cache.HealthCheckAsync()).Status, Is.EqualTo(CacheHealth.Healthy));
        });
    }

    [Test]
    public async Task An_empty_SQLite_database_becomes_a_cache()
    {
        CreateAppDatabase("VACUUM;");
        var cache = Cache(Config(AppDb));
        cache.Set("k", 1, TimeSpan.FromMinutes(5));

        Assert.Multiple(async () =>
        {
            Assert.That(Layer(Config(AppDb)).Get<int>("k").Value, Is.EqualTo(1));
            Assert.That((await cache.HealthCheckAsync()).Status, Is.EqualTo(CacheHealth.Healthy));
        });
    }
}

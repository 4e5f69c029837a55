namespace Cachka.Tests.Sqlite;

public class SqliteRoundTripTests : SqliteTestBase
{
    [Test]
    public void A_record_round_trips_on_the_sync_path()
    {
        var layer = Layer();
        layer.Set("person", new Person("Ada", 36, ["math"]), In(TimeSpan.FromMinutes(5)));

        var hit = layer.Get<Person>("person");

        Assert.That(hit.Found, Is.True);
        Assert.That(hit.Value.Name, Is.EqualTo("Ada"));
        Assert.That(hit.Value.Tags, Is.EqualTo(new[] { "math" }));
    }

    [Test]
    public async Task A_class_round_trips_on_the_async_path()
    {
        var layer = Layer();
        await layer.SetAsync("address", new Address { Street = "Main", Number = 7 }, In(TimeSpan.FromMinutes(5)), CancellationToken.None);

        var hit = await layer.GetAsync<Address>("address", CancellationToken.None);

        Assert.That(hit.Found, Is.True);
        Assert.That(hit.Value.Street, Is.EqualTo("Main"));
        Assert.That(hit.Value.Number, Is.EqualTo(7));
    }

    [Test]
    public void Ints_strings_lists_and_null_round_trip()
    {
        var layer = Layer();
        var expiry = In(TimeSpan.FromMinutes(5));
        layer.Set("int", 42, expiry);
        layer.Set("string", "héllo \"world\"", expiry);
        layer.Set("list", new List<int> { 1, 2, 3 }, expiry);
        layer.Set<string?>("null", null, expiry);

        Assert.That(layer.Get<int>("int").Value, Is.EqualTo(42));
        Assert.That(layer.Get<string>("string").Value, Is.EqualTo("héllo \"world\""));
        Assert.That(layer.Get<List<int>>("list").Value, Is.EqualTo(new[] { 1, 2, 3 }));
        var nullHit = layer.Get<string?>("null");
        Assert.That(nullHit.Found, Is.True, "a cached null is a hit");
        Assert.That(nullHit.Value, Is.Null);
    }

    [Test]
    public async Task Sync_and_async_paths_share_one_database()
    {
        var layer = Layer();
        layer.Set("from-sync", 1, In(TimeSpan.FromMinutes(5)));
        await layer.SetAsync("from-async", 2, In(TimeSpan.FromMinutes(5)), CancellationToken.None);

        Assert.That((await layer.GetAsync<int>("from-sync", CancellationToken.None)).Value, Is.EqualTo(1));
        Assert.That(layer.Get<int>("from-async").Value, Is.EqualTo(2));
    }

    [Test]
    public async Task An_in_memory_database_is_shared_by_the_sync_and_async_paths()
    {
        var layer = Layer(Config(":memory:"));
        layer.Set("from-sync", 1, In(TimeSpan.FromMinutes(5)));
        await layer.SetAsync("from-async", 2, In(TimeSpan.FromMinutes(5)), CancellationToken.None);

        Assert.That((await layer.GetAsync<int>("from-sync", CancellationToken.None)).Value, Is.EqualTo(1));
        Assert.That(layer.Get<int>("from-async").Value, Is.EqualTo(2));
        Assert.That(File.Exists(Path.Combine(Directory, ":memory:")), Is.False);
    }

    [Test]
    public void A_hit_reports_the_absolute_expiry()
    {
        var layer = Layer();
        var expiry = In(TimeSpan.FromMinutes(7));
        layer.Set("k", "v", expiry);

        Assert.That(layer.Get<string>("k").ExpiresAt, Is.EqualTo(expiry));
    }

    [Test]
    public void An_expired_row_is_a_miss()
    {
        var layer = Layer();
        layer.Set("k", "v", In(TimeSpan.FromSeconds(10)));

        Clock.Advance(TimeSpan.FromSeconds(10));

        Assert.That(layer.Get<string>("k").Found, Is.False);
    }

    [Test]
    public void Setting_a_key_again_replaces_its_value()
    {
        var layer = Layer();
        layer.Set("k", "old", In(TimeSpan.FromMinutes(1)));
        layer.Set("k", "new", In(TimeSpan.FromMinutes(1)));

        Assert.That(layer.Get<string>("k").Value, Is.EqualTo("new"));
        Assert.That(RowCount(), Is.EqualTo(1));
    }

    [Test]
    public void Delete_removes_the_row()
    {
        var layer = Layer();
        layer.Set("k", "v", In(TimeSpan.FromMinutes(1)));

        Assert.That(layer.Delete("k"), Is.True);
        Assert.That(layer.Delete("k"), Is.False);
        Assert.That(layer.Get<string>("k").Found, Is.False);
        Assert.That(RowCount(), Is.Zero, "a real DELETE, no tombstone row");
    }

    [Test]
    public async Task DeleteAsync_removes_the_row()
    {
        var layer = Layer();
        await layer.SetAsync("k", "v", In(TimeSpan.FromMinutes(1)), CancellationToken.None);

        Assert.That(await layer.DeleteAsync("k", CancellationToken.None), Is.True);
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public void Values_survive_a_restart()
    {
        var first = Layer();
        first.Set("k", new Person("Grace", 85, []), In(TimeSpan.FromHours(1)));
        first.Dispose();

        var second = Layer();

        Assert.That(second.Get<Person>("k").Value.Name, Is.EqualTo("Grace"));
    }

    [Test]
    public void Constructing_the_layer_touches_no_file()
    {
        var path = Path.Combine(Directory, "sub", "dir", "cache.db");
        var layer = Layer(Config(path));

        Assert.That(File.Exists(path), Is.False);
        layer.Set("k", 1, In(TimeSpan.FromMinutes(1)));
        Assert.That(File.Exists(path), Is.True, "the directory and file are created on first use");
    }

    [Test]
    public void The_schema_is_versioned_and_indexed_on_expiry()
    {
        Layer().Set("k", 1, In(TimeSpan.FromMinutes(1)));

        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        Assert.That(command.ExecuteScalar(), Is.EqualTo(2L));
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'cachka_tags'";
        Assert.That(command.ExecuteScalar(), Is.EqualTo(1L), "version 2 records tags");
        command.CommandText = "PRAGMA journal_mode";
        Assert.That(command.ExecuteScalar(), Is.EqualTo("wal"));
        command.CommandText = "PRAGMA auto_vacuum";
        Assert.That(command.ExecuteScalar(), Is.EqualTo(2L), "INCREMENTAL");
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND sql LIKE '%expires_at%'";
        Assert.That(command.ExecuteScalar(), Is.EqualTo(1L));
    }

    [Test]
    public void Operations_after_dispose_throw_ObjectDisposedException()
    {
        var layer = Layer();
        layer.Dispose();
        layer.Dispose();

        Assert.That(() => layer.Get<int>("k"), Throws.InstanceOf<ObjectDisposedException>());
    }
}

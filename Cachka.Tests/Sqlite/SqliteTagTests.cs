namespace Cachka.Tests.Sqlite;

/// <summary>
/// Tags are recorded in the file, so InvalidateTag reaches what other processes (here: another cache on
/// the same file) or an earlier run wrote with the tag, and clears those keys from L1 too.
/// </summary>
public sealed class SqliteTagTests : SqliteTestBase
{
    private static CacheEntryOptions Tagged(params string[] tags) => new(TimeSpan.FromMinutes(5), tags);

    private long TagRows()
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM cachka_tags";
        return (long)command.ExecuteScalar()!;
    }

    [Test]
    public void A_tag_written_before_a_restart_is_invalidated_after_it()
    {
        var before = Cache();
        before.Set("user:1", "a", Tagged("user"));
        before.Set("user:2", "b", Tagged("user", "vip"));
        before.Set("order:1", "c", Tagged("order"));
        before.Set("plain", "d", TimeSpan.FromMinutes(5));
        before.Dispose();

        var after = Cache();
        Assert.That(after.Get<string>("user:1"), Is.EqualTo("a"), "read from SQLite and copied into L1");
        after.InvalidateTag("user");

        Assert.Multiple(() =>
        {
            Assert.That(after.TryGet<string>("user:1").HasValue, Is.False, "gone from L1 too");
            Assert.That(after.TryGet<string>("user:2").HasValue, Is.False);
            Assert.That(after.Get<string>("order:1"), Is.EqualTo("c"), "other tags are untouched");
            Assert.That(after.Get<string>("plain"), Is.EqualTo("d"));
            Assert.That(RowCount(), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task A_tag_written_by_another_process_is_invalidated_async()
    {
        var writer = Cache();
        var reader = Cache();
        await writer.SetAsync("report:7", 7, Tagged("reports"));
        Assert.That(await reader.GetAsync<int>("report:7"), Is.EqualTo(7));

        await reader.InvalidateTagAsync("reports");

        Assert.Multiple(async () =>
        {
            Assert.That((await reader.TryGetAsync<int>("report:7")).HasValue, Is.False);
            Assert.That(SqliteLayerOf(writer).Get<int>("report:7").Found, Is.False, "removed from the shared file");
        });
    }

    [Test]
    public void A_long_tagged_key_is_invalidated_by_its_full_form()
    {
        var cache = Cache(Config() with { MaxKeyLength = 80 });
        var key = "catalog:" + new string('x', 200);
        cache.Set(key, 1, Tagged("catalog"));
        var other = Cache(Config() with { MaxKeyLength = 80 });
        Assert.That(other.Get<int>(key), Is.EqualTo(1));

        other.InvalidateTag("catalog");   // knows nothing of the tag in-process: SQLite reports the full key
        Assert.That(other.TryGet<int>(key).HasValue, Is.False, "its L1 copy is found by the full key");
        Assert.That(SqliteLayerOf(cache).Get<int>(key).Found, Is.False);
    }

    [Test]
    public async Task Maintenance_prunes_tag_rows_whose_entry_is_gone()
    {
        var layer = Layer();
        layer.Set("a", 1, In(TimeSpan.FromMinutes(5)), ["t"]);
        layer.Set("b", 2, In(TimeSpan.FromSeconds(1)), ["t"]);
        layer.Delete("a");
        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(TagRows(), Is.EqualTo(2));

        await layer.RunMaintenanceAsync(CancellationToken.None);
        Assert.That(TagRows(), Is.Zero);
    }

    [Test]
    public async Task A_tag_invalidation_missed_while_locked_is_replayed_when_the_file_is_back()
    {
        var writer = Cache();
        writer.Set("k", "v", Tagged("t"));
        var cache = Cache(memory: false);
        var locker = OpenRaw();
        using (var begin = locker.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
        }

        cache.InvalidateTag("t");   // SQLite is locked: the invalidation does not reach it
        Assert.That((await cache.HealthCheckAsync()).Layers[0].MissedKeys, Is.EqualTo(1));
        using (var commit = locker.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }

        cache.Get<string>("other");   // the layer answers again: the repair replays the invalidation
        await cache.RepairsFinishedAsync();
        Assert.Multiple(() =>
        {
            Assert.That(SqliteLayerOf(cache).Get<string>("k").Found, Is.False);
            Assert.That(TagRows(), Is.Zero);
        });
    }

    [Test]
    public void A_version_1_file_is_upgraded_in_place()
    {
        Exec("""
            CREATE TABLE cachka_entries (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL, expires_at INTEGER NOT NULL, full_key TEXT NULL);
            CREATE INDEX cachka_entries_expires_at ON cachka_entries (expires_at);
            PRAGMA user_version = 1;
            """);
        var old = Layer();
        old.Set("kept", 5, In(TimeSpan.FromMinutes(5)));
        old.Dispose();
        Exec("DROP TABLE cachka_tags; PRAGMA user_version = 1;");

        var layer = Layer();
        Assert.That(layer.Get<int>("kept").Value, Is.EqualTo(5), "rows of a version-1 file stay readable");
        layer.Set("tagged", 1, In(TimeSpan.FromMinutes(5)), ["t"]);
        Assert.That(layer.InvalidateTag("t"), Is.EqualTo(new[] { "tagged" }));
    }
}

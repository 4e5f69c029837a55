using System.Collections.Concurrent;
using Cachka.Tests.Runtime;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Sqlite;

/// <summary>Each test gets its own temp directory with a real database file, a fake clock, and a record of the errors layers report.</summary>
public abstract class SqliteTestBase
{
    private readonly List<object> _owned = [];

    protected string Directory { get; private set; } = "";

    protected string DbPath => Path.Combine(Directory, "cache.db");

    protected FakeTimeProvider Clock { get; private set; } = null!;

    protected ConcurrentQueue<(string Layer, string ErrorType)> ReportedErrors { get; } = new();

    protected DateTimeOffset In(TimeSpan ttl) => Clock.GetUtcNow() + ttl;

    [SetUp]
    public void CreateDirectory()
    {
        Directory = Path.Combine(Path.GetTempPath(), "cachka-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Clock = TestCaches.Clock();
        ReportedErrors.Clear();
    }

    [TearDown]
    public void DeleteDirectory()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            switch (_owned[i])
            {
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        _owned.Clear();
        SqliteConnection.ClearAllPools();
        try
        {
            MakeWritable(Directory);
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    protected SqliteCacheConfig Config(string? path = null) => new() { DbPath = path ?? DbPath, BusyTimeout = TimeSpan.FromMilliseconds(100) };

    protected CacheLayerContext Context(CacheConfig? cache = null) =>
        new((cache ?? new CacheConfig()).Name, Clock, NullLoggerFactory.Instance, (layer, type) => ReportedErrors.Enqueue((layer, type)));

    private protected SqliteCacheLayer Layer(SqliteCacheConfig? config = null) => Own(new SqliteCacheLayer((config ?? Config()).Settings, Context()));

    /// <summary>Memory L1 + the SQLite layer, breaker threshold 3, no background maintenance.</summary>
    private protected LayeredCache Cache(SqliteCacheConfig? sqlite = null, bool memory = true) =>
        Own(memory ? TestCaches.With(Clock, new MemoryCacheConfig { Ttl = TimeSpan.FromHours(1) }, sqlite ?? Config()) : TestCaches.With(Clock, sqlite ?? Config()));

    protected T Own<T>(T resource)
        where T : class
    {
        _owned.Add(resource);
        return resource;
    }

    private protected static SqliteCacheLayer SqliteLayerOf(LayeredCache cache) => cache.Layers.OfType<SqliteCacheLayer>().Single();

    /// <summary>A separate connection to the test's database, as another program would open it.</summary>
    protected SqliteConnection OpenRaw(string? path = null)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path ?? DbPath, Pooling = false }.ToString());
        connection.Open();
        return Own(connection);
    }

    protected long RowCount(string? path = null)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path ?? DbPath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM cachka_entries";
        return (long)command.ExecuteScalar()!;
    }

    protected void Exec(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }

    protected byte[] StoredBlob(string storageKey)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM cachka_entries WHERE key = $key";
        command.Parameters.AddWithValue("$key", storageKey);
        return (byte[])command.ExecuteScalar()!;
    }

    protected int ErrorsOf(string errorType) => ReportedErrors.Count(e => e.ErrorType == errorType);

    private static void MakeWritable(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            return;
        foreach (var entry in System.IO.Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories).Append(directory))
        {
            try
            {
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(entry, File.GetUnixFileMode(entry) | UnixFileMode.UserWrite | UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }
            catch (IOException)
            {
            }
        }
    }
}

public sealed record Person(string Name, int Age, IReadOnlyList<string> Tags);

public sealed class Address
{
    public string Street { get; set; } = "";

    public int Number { get; set; }
}

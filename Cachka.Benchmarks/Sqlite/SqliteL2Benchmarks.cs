using BenchmarkDotNet.Attributes;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Cachka.Benchmarks.Sqlite;

// dotnet run -c Release --project Cachka.Benchmarks -- --filter '*SqliteL2*' --job short
// Cachka's SQLite layer alone (no memory layer, so every read reaches SQLite) against raw Microsoft.Data.Sqlite
// prepared statements on the same kind of table (WAL, synchronous NORMAL, file), 1 KiB values, 1,000 warm keys.

/// <summary>A ~1 KiB value: what a cached DTO typically looks like.</summary>
public sealed record Payload(int Id, string Name, string Body);

internal static class SqliteBench
{
    public const int Keys = 1000;

    public static readonly string[] KeyNames = Enumerable.Range(0, Keys).Select(i => $"UserService.GetUser:{i}").ToArray();

    public static Payload Value(int i) => new(i, "user-" + i, new string((char)('a' + (i % 26)), 990));

    public static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cachka-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static LayeredCache Cachka(string path, bool encrypted) => new(new CacheConfig
    {
        Layers = [new SqliteCacheConfig { DbPath = path, EnableEncryption = encrypted, EncryptionKey = encrypted ? FixedKey : null }],
        VacuumInterval = null,
        CleanupOnStart = false,
    });

    public static readonly string FixedKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(b => (byte)b).ToArray());

    /// <summary>The raw baseline: one connection, prepared statements, the same pragmas as the layer.</summary>
    public static SqliteConnection Raw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS entries (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL, expires_at INTEGER NOT NULL);
            """;
        command.ExecuteNonQuery();
        return connection;
    }
}

[MemoryDiagnoser]
public class SqliteL2GetBenchmarks
{
    private string _directory = "";
    private SqliteConnection _raw = null!;
    private SqliteCommand _select = null!;
    private SqliteParameter _selectKey = null!;
    private LayeredCache _plain = null!;
    private LayeredCache _encrypted = null!;
    private SqliteCacheLayer _layer = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _directory = SqliteBench.NewDirectory();
        _raw = SqliteBench.Raw(Path.Combine(_directory, "raw.db"));
        using (var transaction = _raw.BeginTransaction())
        using (var insert = _raw.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT OR REPLACE INTO entries (key, value, expires_at) VALUES ($key, $value, $expires)";
            for (var i = 0; i < SqliteBench.Keys; i++)
            {
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$key", SqliteBench.KeyNames[i]);
                insert.Parameters.AddWithValue("$value", JsonSerializer.SerializeToUtf8Bytes(SqliteBench.Value(i)));
                insert.Parameters.AddWithValue("$expires", long.MaxValue);
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        _select = _raw.CreateCommand();
        _select.CommandText = "SELECT value, expires_at FROM entries WHERE key = $key";
        _selectKey = _select.Parameters.Add("$key", SqliteType.Text);

        _plain = SqliteBench.Cachka(Path.Combine(_directory, "plain.db"), encrypted: false);
        _encrypted = SqliteBench.Cachka(Path.Combine(_directory, "encrypted.db"), encrypted: true);
        for (var i = 0; i < SqliteBench.Keys; i++)
        {
            _plain.Set(SqliteBench.KeyNames[i], SqliteBench.Value(i), TimeSpan.FromHours(1));
            _encrypted.Set(SqliteBench.KeyNames[i], SqliteBench.Value(i), TimeSpan.FromHours(1));
        }

        _layer = (SqliteCacheLayer)_plain.Layers[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _select.Dispose();
        _raw.Dispose();
        _plain.Dispose();
        _encrypted.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private string NextKey() => SqliteBench.KeyNames[_next++ % SqliteBench.Keys];

    [Benchmark(Baseline = true, Description = "Raw prepared SELECT (byte[])")]
    public byte[]? RawSelect()
    {
        _selectKey.Value = NextKey();
        using var reader = _select.ExecuteReader();
        return reader.Read() && reader.GetInt64(1) > 0 ? (byte[])reader.GetValue(0) : null;
    }

    [Benchmark(Description = "Raw prepared SELECT + JSON deserialize")]
    public Payload? RawSelectJson()
    {
        _selectKey.Value = NextKey();
        using var reader = _select.ExecuteReader();
        return reader.Read() && reader.GetInt64(1) > 0 ? JsonCacheSerializer.Default.Deserialize<Payload>((byte[])reader.GetValue(0)) : null;
    }

    [Benchmark(Description = "SqliteCacheLayer.Get alone (JSON)")]
    public Payload? LayerGet() => _layer.Get<Payload>(NextKey()).Value;

    [Benchmark(Description = "Cachka L2 Get (JSON)")]
    public Payload? CachkaGet() => _plain.Get<Payload>(NextKey());

    [Benchmark(Description = "Cachka L2 GetAsync (JSON)")]
    public ValueTask<Payload?> CachkaGetAsync() => _plain.GetAsync<Payload>(NextKey());

    [Benchmark(Description = "Cachka L2 Get (JSON, AES-GCM)")]
    public Payload? CachkaGetEncrypted() => _encrypted.Get<Payload>(NextKey());
}

[MemoryDiagnoser]
public class SqliteL2SetBenchmarks
{
    private string _directory = "";
    private SqliteConnection _raw = null!;
    private SqliteCommand _upsert = null!;
    private SqliteParameter _key = null!;
    private SqliteParameter _value = null!;
    private SqliteParameter _expires = null!;
    private LayeredCache _plain = null!;
    private LayeredCache _encrypted = null!;
    private Payload[] _values = [];
    private byte[] _blob = new byte[1024];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _directory = SqliteBench.NewDirectory();
        _raw = SqliteBench.Raw(Path.Combine(_directory, "raw.db"));
        _upsert = _raw.CreateCommand();
        _upsert.CommandText = "INSERT OR REPLACE INTO entries (key, value, expires_at) VALUES ($key, $value, $expires)";
        _key = _upsert.Parameters.Add("$key", SqliteType.Text);
        _value = _upsert.Parameters.Add("$value", SqliteType.Blob);
        _expires = _upsert.Parameters.Add("$expires", SqliteType.Integer);
        _plain = SqliteBench.Cachka(Path.Combine(_directory, "plain.db"), encrypted: false);
        _encrypted = SqliteBench.Cachka(Path.Combine(_directory, "encrypted.db"), encrypted: true);
        _values = Enumerable.Range(0, SqliteBench.Keys).Select(SqliteBench.Value).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _upsert.Dispose();
        _raw.Dispose();
        _plain.Dispose();
        _encrypted.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "Raw prepared INSERT OR REPLACE (autocommit)")]
    public int RawUpsert()
    {
        var i = _next++ % SqliteBench.Keys;
        _key.Value = SqliteBench.KeyNames[i];
        _value.Value = _blob;
        _expires.Value = 1L;
        return _upsert.ExecuteNonQuery();
    }

    [Benchmark(Description = "Cachka L2 Set (JSON)")]
    public void CachkaSet()
    {
        var i = _next++ % SqliteBench.Keys;
        _plain.Set(SqliteBench.KeyNames[i], _values[i], TimeSpan.FromHours(1));
    }

    [Benchmark(Description = "Cachka L2 SetAsync (JSON)")]
    public ValueTask CachkaSetAsync()
    {
        var i = _next++ % SqliteBench.Keys;
        return _plain.SetAsync(SqliteBench.KeyNames[i], _values[i], TimeSpan.FromHours(1));
    }

    [Benchmark(Description = "Cachka L2 Set (JSON, AES-GCM)")]
    public void CachkaSetEncrypted()
    {
        var i = _next++ % SqliteBench.Keys;
        _encrypted.Set(SqliteBench.KeyNames[i], _values[i], TimeSpan.FromHours(1));
    }
}

using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Cachka.Layers.Sqlite;

/// <summary>
/// One open connection with its prepared commands, used by one operation at a time. Opening sets the
/// per-connection pragmas and makes sure the schema exists (versioned with <c>PRAGMA user_version</c>).
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    public const int SchemaVersion = SqliteSchema.Version;
    public const string Table = "cachka_entries";
    public const string TagTable = "cachka_tags";

    private SqliteSession(SqliteConnection connection, int generation)
    {
        Connection = connection;
        Generation = generation;

        Select = Prepare($"SELECT value, expires_at, full_key FROM {Table} WHERE key = $key", out SelectKey);
        Upsert = Prepare($"INSERT OR REPLACE INTO {Table} (key, value, expires_at, full_key) VALUES ($key, $value, $expires_at, $full_key)", out UpsertKey);
        UpsertValue = Upsert.Parameters.Add("$value", SqliteType.Blob);
        UpsertExpiresAt = Upsert.Parameters.Add("$expires_at", SqliteType.Integer);
        UpsertFullKey = Upsert.Parameters.Add("$full_key", SqliteType.Text);
        Delete = Prepare($"DELETE FROM {Table} WHERE key = $key", out DeleteKey);
        DeleteIfSame = Prepare($"DELETE FROM {Table} WHERE key = $key AND value = $value", out DeleteIfSameKey);
        DeleteIfSameValue = DeleteIfSame.Parameters.Add("$value", SqliteType.Blob);
        Cleanup = connection.CreateCommand();
        Cleanup.CommandText = $"DELETE FROM {Table} WHERE expires_at <= $now";
        CleanupNow = Cleanup.Parameters.Add("$now", SqliteType.Integer);

        TagInsert = Prepare($"INSERT OR IGNORE INTO {TagTable} (tag, key) VALUES ($tag, $key)", out TagInsertKey);
        TagInsertTag = TagInsert.Parameters.Add("$tag", SqliteType.Text);
        TagKeys = connection.CreateCommand();
        TagKeys.CommandText = $"SELECT e.key, e.full_key FROM {TagTable} t JOIN {Table} e ON e.key = t.key WHERE t.tag = $tag";
        TagKeysTag = TagKeys.Parameters.Add("$tag", SqliteType.Text);
        TagDeleteEntries = connection.CreateCommand();
        TagDeleteEntries.CommandText = $"DELETE FROM {Table} WHERE key IN (SELECT key FROM {TagTable} WHERE tag = $tag)";
        TagDeleteEntriesTag = TagDeleteEntries.Parameters.Add("$tag", SqliteType.Text);
        TagDelete = connection.CreateCommand();
        TagDelete.CommandText = $"DELETE FROM {TagTable} WHERE tag = $tag";
        TagDeleteTag = TagDelete.Parameters.Add("$tag", SqliteType.Text);
    }

    public SqliteConnection Connection { get; }

    /// <summary>The layer's connection generation this session was opened in; an older one is closed on return.</summary>
    public int Generation { get; }

    public SqliteCommand Select { get; }
    public readonly SqliteParameter SelectKey;

    public SqliteCommand Upsert { get; }
    public readonly SqliteParameter UpsertKey;
    public SqliteParameter UpsertValue { get; }
    public SqliteParameter UpsertExpiresAt { get; }
    public SqliteParameter UpsertFullKey { get; }

    public SqliteCommand Delete { get; }
    public readonly SqliteParameter DeleteKey;

    public SqliteCommand DeleteIfSame { get; }
    public readonly SqliteParameter DeleteIfSameKey;
    public SqliteParameter DeleteIfSameValue { get; }

    public SqliteCommand Cleanup { get; }
    public SqliteParameter CleanupNow { get; }

    public SqliteCommand TagInsert { get; }
    public readonly SqliteParameter TagInsertKey;
    public SqliteParameter TagInsertTag { get; }

    public SqliteCommand TagKeys { get; }
    public SqliteParameter TagKeysTag { get; }

    public SqliteCommand TagDeleteEntries { get; }
    public SqliteParameter TagDeleteEntriesTag { get; }

    public SqliteCommand TagDelete { get; }
    public SqliteParameter TagDeleteTag { get; }

    /// <summary>Runs the session's commands in <paramref name="transaction"/>, or outside any with null (Microsoft.Data.Sqlite requires each command to name it).</summary>
    public void Enlist(SqliteTransaction? transaction)
    {
        foreach (var command in (ReadOnlySpan<SqliteCommand>)[Upsert, Delete, Cleanup, TagInsert, TagKeys, TagDeleteEntries, TagDelete])
            command.Transaction = transaction;
    }

    /// <summary>
    /// Opens a connection, applies the pragmas and the schema. Throws (and closes) on failure. The caller has
    /// inspected the file first (<see cref="SqliteSchema.Inspect"/>): nothing here runs on a file that is not Cachka's.
    /// </summary>
    public static SqliteSession Open(string connectionString, SqliteLayerSettings config, int generation)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            var busyMs = (long)config.BusyTimeout.TotalMilliseconds;
            Execute(connection, $"PRAGMA busy_timeout = {busyMs.ToString(CultureInfo.InvariantCulture)}");
            EnsureSchema(connection, config);
            Execute(connection, "PRAGMA synchronous = NORMAL");
            Execute(connection, "PRAGMA temp_store = MEMORY");
            if (config.MaxDatabaseBytes is { } maxBytes)
            {
                var pageSize = Convert.ToInt64(Scalar(connection, "PRAGMA page_size"), CultureInfo.InvariantCulture);
                var pages = Math.Max(1, maxBytes / Math.Max(1, pageSize));
                Scalar(connection, $"PRAGMA max_page_count = {pages.ToString(CultureInfo.InvariantCulture)}");
            }

            return new SqliteSession(connection, generation);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void EnsureSchema(SqliteConnection connection, SqliteLayerSettings config)
    {
        var version = Convert.ToInt64(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        if (version == SchemaVersion)
        {
            if (!config.InMemory)
                Scalar(connection, "PRAGMA journal_mode = WAL");
            return;
        }

        SqliteSchema.ThrowIfNewer(connection.DataSource, version);

        // auto_vacuum must be chosen before the first table exists, so incremental_vacuum can shrink the file later.
        Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL");
        if (!config.InMemory)
            Scalar(connection, "PRAGMA journal_mode = WAL");
        using var transaction = connection.BeginTransaction(deferred: false);
        // Another process may have created or upgraded it meanwhile: re-read under the write lock.
        version = Convert.ToInt64(Scalar(connection, "PRAGMA user_version", transaction), CultureInfo.InvariantCulture);
        SqliteSchema.ThrowIfNewer(connection.DataSource, version);
        if (version == 0)
        {
            Execute(connection, $"""
                CREATE TABLE IF NOT EXISTS {Table} (
                    key TEXT NOT NULL PRIMARY KEY,
                    value BLOB NOT NULL,
                    expires_at INTEGER NOT NULL,
                    full_key TEXT NULL);
                CREATE INDEX IF NOT EXISTS {Table}_expires_at ON {Table} (expires_at);
                """, transaction);
        }

        if (version < 2)
        {
            Execute(connection, $"""
                CREATE TABLE IF NOT EXISTS {TagTable} (
                    tag TEXT NOT NULL,
                    key TEXT NOT NULL,
                    PRIMARY KEY (tag, key)) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS {TagTable}_key ON {TagTable} (key);
                PRAGMA user_version = {SchemaVersion};
                """, transaction);
        }

        transaction.Commit();
    }

    private SqliteCommand Prepare(string sql, out SqliteParameter key)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        key = command.Parameters.Add("$key", SqliteType.Text);
        return command;
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        Select.Dispose();
        Upsert.Dispose();
        Delete.Dispose();
        DeleteIfSame.Dispose();
        Cleanup.Dispose();
        TagInsert.Dispose();
        TagKeys.Dispose();
        TagDeleteEntries.Dispose();
        TagDelete.Dispose();
        Connection.Dispose();
    }
}

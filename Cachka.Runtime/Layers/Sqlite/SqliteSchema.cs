using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Cachka.Layers.Sqlite;

/// <summary>
/// Decides, before anything is written, whether the file at <c>DbPath</c> may become (or already is) a Cachka
/// cache: a missing or empty file, or one that holds only Cachka's tables with a <c>user_version</c> Cachka
/// wrote (1 or 2). Anything else — another application's tables, another <c>user_version</c> or
/// <c>application_id</c>, a file that is not an SQLite database — is refused and left byte for byte as it was.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>1: entries. 2: + tags (a version-1 file is upgraded in place).</summary>
    public const int Version = 2;

    private static ReadOnlySpan<byte> Magic => "SQLite format 3\0"u8;

    private const int HeaderSize = 100;

    // Every schema object Cachka creates (tables and their indexes).
    private static readonly HashSet<string> s_own = new(StringComparer.OrdinalIgnoreCase)
    {
        SqliteSession.Table, SqliteSession.Table + "_expires_at", SqliteSession.TagTable, SqliteSession.TagTable + "_key",
    };

    /// <summary>
    /// Throws <see cref="ForeignDatabaseException"/> when the file at <paramref name="path"/> is not Cachka's to use.
    /// Reads only, through a read-only connection. A Cachka file too damaged to read rethrows SQLite's
    /// corruption error (the layer moves such a file aside); another application's damaged file is foreign.
    /// </summary>
    public static void Inspect(string path)
    {
        var header = ReadHeader(path);
        if (header is null)
            return; // no file yet, or an empty one: Cachka creates the schema
        if (!IsSqlite(header))
            throw Foreign(path, "is not an SQLite database");

        long version, applicationId;
        List<string> foreign;
        bool hasEntries;
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
            }.ToString());
            connection.Open();
            version = Convert.ToInt64(SqliteSession.Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
            applicationId = Convert.ToInt64(SqliteSession.Scalar(connection, "PRAGMA application_id"), CultureInfo.InvariantCulture);
            foreign = ForeignObjects(connection, out hasEntries);
        }
        catch (SqliteException error) when (SqliteFaults.Classify(error) == SqliteFault.Corrupt)
        {
            if (LooksLikeCachka(header))
                throw;
            throw Foreign(path, "cannot be read as an SQLite database (it is damaged, encrypted or of another format)");
        }

        var text = version.ToString(CultureInfo.InvariantCulture);
        if (foreign.Count > 0)
            throw Foreign(path, $"holds tables that are not Cachka's ({string.Join(", ", foreign)})");
        if (applicationId != 0)
            throw Foreign(path, $"belongs to another application (application_id {applicationId.ToString(CultureInfo.InvariantCulture)})");
        if (version == 0)
            return; // empty, or Cachka's tables about to get their version in the transaction that created them
        if (!hasEntries || version < 0)
            throw Foreign(path, $"has user_version {text}, which Cachka did not write (it holds none of Cachka's tables)");
        if (version > Version)
            throw Foreign(path, $"has schema version {text}, written by a newer Cachka (this one reads up to version {Version.ToString(CultureInfo.InvariantCulture)})");
    }

    /// <summary>Checked again under the write lock, when another process may have changed the file since <see cref="Inspect"/>.</summary>
    public static void ThrowIfNewer(string? path, long version)
    {
        if (version > Version)
            throw Foreign(path ?? ":memory:", $"has schema version {version.ToString(CultureInfo.InvariantCulture)}, written by a newer Cachka (this one reads up to version {Version.ToString(CultureInfo.InvariantCulture)})");
    }

    /// <summary>
    /// Whether the header of the file at <paramref name="path"/> is that of a Cachka database (SQLite, a
    /// <c>user_version</c> Cachka writes, no <c>application_id</c>): only such a file is ever moved aside as corrupt.
    /// </summary>
    public static bool HeaderIsCachka(string path) => ReadHeader(path) is { } header && LooksLikeCachka(header);

    private static bool IsSqlite(byte[] header) => header.Length >= HeaderSize && header.AsSpan(0, Magic.Length).SequenceEqual(Magic);

    private static bool LooksLikeCachka(byte[] header) =>
        IsSqlite(header)
        && BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(60, 4)) is >= 1 and <= Version
        && BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(68, 4)) == 0;

    // The first 100 bytes (SQLite's header), fewer for a shorter file; null for a missing or empty file.
    private static byte[]? ReadHeader(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length == 0)
                return null;
            var header = new byte[(int)Math.Min(HeaderSize, file.Length)];
            file.ReadExactly(header);
            return header;
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static List<string> ForeignObjects(SqliteConnection connection, out bool hasEntries)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
        using var reader = command.ExecuteReader();
        var foreign = new List<string>();
        hasEntries = false;
        while (reader.Read())
        {
            var name = reader.GetString(1);
            if (!s_own.Contains(name))
                foreign.Add(name);
            else if (string.Equals(name, SqliteSession.Table, StringComparison.OrdinalIgnoreCase))
                hasEntries = true;
        }

        return foreign;
    }

    private static ForeignDatabaseException Foreign(string path, string reason)
    {
        var directory = Path.GetDirectoryName(path) ?? "";
        var suggestion = Path.Combine(directory, Path.GetFileNameWithoutExtension(path) + ".cachka.db");
        return new ForeignDatabaseException(path, string.Create(CultureInfo.InvariantCulture,
            $"The SQLite file '{path}' is not a Cachka cache: it {reason}. Cachka leaves it as it is and does not use it; " +
            $"set SqliteCacheConfig.DbPath to a file of the cache's own, for example '{suggestion}'."));
    }
}

/// <summary>The file at <c>DbPath</c> belongs to something else: the SQLite layer refuses it without changing it.</summary>
internal sealed class ForeignDatabaseException(string path, string message) : InvalidOperationException(message)
{
    public string DatabasePath { get; } = path;
}

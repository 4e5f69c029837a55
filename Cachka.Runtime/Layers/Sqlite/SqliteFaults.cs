using Microsoft.Data.Sqlite;

namespace Cachka.Layers.Sqlite;

/// <summary>What a failed SQLite operation means for the connection that ran it.</summary>
internal enum SqliteFault
{
    /// <summary>Busy, locked, full, interrupted: the connection is fine, the operation failed (and is counted).</summary>
    Transient,

    /// <summary>I/O error, read-only, file moved or deleted, cannot open: reopen every connection.</summary>
    Broken,

    /// <summary>Not a database, or corrupt: move the file aside and start a new one.</summary>
    Corrupt,
}

internal static class SqliteFaults
{
    private const int Busy = 5, Locked = 6, Interrupt = 9, Corrupt = 11, Full = 13, Constraint = 19, TooBig = 18, NotADatabase = 26;

    public static bool IsFull(SqliteException error) => (error.SqliteErrorCode & 0xFF) == Full;

    /// <summary>The database was locked by another connection for longer than the busy timeout.</summary>
    public static bool IsBusy(Exception error) => error is SqliteException sqlite && (sqlite.SqliteErrorCode & 0xFF) is Busy or Locked;

    public static SqliteFault Classify(Exception error) => error switch
    {
        SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) switch
        {
            Busy or Locked or Interrupt or Full or Constraint or TooBig => SqliteFault.Transient,
            Corrupt or NotADatabase => SqliteFault.Corrupt,
            _ => SqliteFault.Broken,
        },
        OperationCanceledException or ObjectDisposedException => SqliteFault.Transient,
        _ => SqliteFault.Broken,
    };
}

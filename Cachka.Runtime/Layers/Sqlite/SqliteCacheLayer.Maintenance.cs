namespace Cachka.Layers.Sqlite;

// Maintenance: expired rows out, freed pages back to the file system, the WAL folded back, planner statistics fresh.
internal sealed partial class SqliteCacheLayer
{
    public int CleanupExpired() =>
        Use(RentWriter(), reader: false, CancellationToken.None, static (layer, session, cancellation) => layer.RemoveExpired(session, cancellation));

    public async ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken) =>
        Use(await RentWriterAsync(cancellationToken).ConfigureAwait(false), reader: false, cancellationToken, static (layer, session, cancellation) => layer.RemoveExpired(session, cancellation));

    /// <summary>
    /// Removes expired rows, returns the freed pages to the file system (<c>PRAGMA incremental_vacuum</c>), folds the
    /// WAL back into the database (<c>wal_checkpoint(TRUNCATE)</c>) and refreshes the planner statistics (<c>optimize</c>).
    /// Live rows are never touched. A deleted database file is noticed here and recreated.
    /// </summary>
    public async ValueTask<int> RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        CheckFile(throttled: false);
        var removed = await CleanupExpiredAsync(cancellationToken).ConfigureAwait(false);
        Use(await RentWriterAsync(cancellationToken).ConfigureAwait(false), reader: false, cancellationToken, static (_, session, cancellation) => Compact(session, cancellation));
        return removed;
    }

    // Used by maintenance and tests: runs one statement on the writer connection.
    internal object? ExecuteScalar(string sql) =>
        Use(RentWriter(), reader: false, sql, static (_, session, sql) => SqliteSession.Scalar(session.Connection, sql));

    private int RemoveExpired(SqliteSession session, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        session.CleanupNow.Value = NowMs;
        return session.Cleanup.ExecuteNonQuery();
    }

    private static bool Compact(SqliteSession session, CancellationToken cancellationToken)
    {
        foreach (var pragma in MaintenancePragmas)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var command = session.Connection.CreateCommand();
            command.CommandText = pragma;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                // incremental_vacuum frees pages row by row: drain it.
            }
        }

        return true;
    }

    // Tag rows whose entry is gone first, so the vacuum returns their pages too.
    private static readonly string[] MaintenancePragmas =
    [
        $"DELETE FROM {SqliteSession.TagTable} WHERE NOT EXISTS (SELECT 1 FROM {SqliteSession.Table} e WHERE e.key = {SqliteSession.TagTable}.key)",
        "PRAGMA incremental_vacuum", "PRAGMA optimize", "PRAGMA wal_checkpoint(TRUNCATE)",
    ];
}

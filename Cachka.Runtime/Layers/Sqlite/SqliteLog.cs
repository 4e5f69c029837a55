using Microsoft.Extensions.Logging;

namespace Cachka.Layers.Sqlite;

internal static partial class SqliteLog
{


    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "SQLite cache layer '{Layer}': connection failed ({Fault}); connections will be reopened.")]
    public static partial void ConnectionFailed(ILogger logger, string layer, SqliteFault fault, Exception error);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "SQLite cache layer '{Layer}': the database file is corrupt; it was moved to '{QuarantinePath}' and a new one is created.")]
    public static partial void Quarantined(ILogger logger, string layer, string quarantinePath);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "SQLite cache layer '{Layer}': the corrupt database file could not be moved aside.")]
    public static partial void QuarantineFailed(ILogger logger, string layer, Exception error);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "SQLite cache layer '{Layer}': {Problem}; connections will be reopened.")]
    public static partial void FileChanged(ILogger logger, string layer, string problem);

    [LoggerMessage(EventId = 107, Level = LogLevel.Error, Message = "SQLite cache layer '{Layer}' is not used: {Reason}")]
    public static partial void ForeignDatabase(ILogger logger, string layer, string reason);

}

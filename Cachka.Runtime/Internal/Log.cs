using Microsoft.Extensions.Logging;

namespace Cachka.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Cache layer '{Layer}' failed during {Operation}; the layer was skipped.")]
    public static partial void LayerFailed(ILogger logger, string layer, string operation, Exception error);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Circuit breaker of cache layer '{Layer}' opened after {Failures} consecutive failures.")]
    public static partial void BreakerOpened(ILogger logger, string layer, int failures);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Maintenance of cache layer '{Layer}' failed; it will be retried at the next interval.")]
    public static partial void MaintenanceFailed(ILogger logger, string layer, Exception error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Maintenance removed {Removed} expired entries from cache layer '{Layer}'.")]
    public static partial void MaintenanceRan(ILogger logger, string layer, int removed);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Closing cache layer '{Layer}' failed.")]
    public static partial void CloseFailed(ILogger logger, string layer, Exception error);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Cache layer '{Layer}' is back: {Repaired} entries whose writes it missed were removed from it.")]
    public static partial void LayerRepaired(ILogger logger, string layer, int repaired);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Cache layer '{Layer}' failed again during {Operation} ({Failures} in a row, no success since): {ErrorType}: {ErrorMessage}")]
    public static partial void LayerFailedAgain(ILogger logger, string layer, string operation, int failures, string errorType, string errorMessage);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Cache layer '{Layer}' missed writes for more than {Limit} keys; further ones are not tracked, so it may serve outdated values for them until they expire.")]
    public static partial void MissedKeysOverflow(ILogger logger, string layer, int limit);
}

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
}

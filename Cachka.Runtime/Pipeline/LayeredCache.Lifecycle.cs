using Cachka.Internal;
using Cachka.Telemetry;

namespace Cachka.Pipeline;

// Cleanup, maintenance and shutdown.
internal sealed partial class LayeredCache
{
    public int CleanupExpired()
    {
        Enter();
        try
        {
            var removed = 0;
            foreach (var slot in _layers)
                removed += slot.Run<CleanupOperation, int>(LayerAccess.Cleanup, default);
            return removed;
        }
        finally
        {
            Exit();
        }
    }

    public ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken = default)
    {
        Enter();
        return ExitAfter(CleanupEverywhereAsync(cancellationToken));
    }

    private async ValueTask<int> CleanupEverywhereAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var slot in _layers)
            removed += await slot.RunAsync<CleanupOperation, int>(LayerAccess.Cleanup, default, cancellationToken).ConfigureAwait(false);
        return removed;
    }

    // One maintenance pass (Maintenance.cs runs it on the timer): expired entries leave each layer, storage compacts.
    internal async Task RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        foreach (var slot in _layers)
        {
            if (cancellationToken.IsCancellationRequested)
                return;
            int? removed;
            try
            {
                removed = await slot.RunAsync<MaintenanceOperation, int?>(LayerAccess.Maintenance, default, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (removed is { } count)
                Log.MaintenanceRan(_logger, slot.Layer.Name, count);
        }
    }

    /// <summary>
    /// Closes the cache: from now on every operation throws <see cref="ObjectDisposedException"/> (an L1 hit
    /// racing with the close may still be served); the operations already in flight (writes, lookups below L1,
    /// a factory running for a miss) finish and are stored first; then maintenance stops and the layers close.
    /// When it returns, every write issued before it is durable in every layer that accepted it. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (!BeginClose())
            return;
        _rundown.WaitDrained();
        _maintenance.Stop();
        foreach (var slot in _layers)
        {
            slot.Close();
            try
            {
                slot.Layer.Dispose();
            }
            catch (Exception error)
            {
                Log.CloseFailed(_logger, slot.Layer.Name, error);
            }
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (!BeginClose())
            return;
        await _rundown.Drained.ConfigureAwait(false);
        await _maintenance.StopAsync().ConfigureAwait(false);
        foreach (var slot in _layers)
        {
            slot.Close();
            try
            {
                await slot.Repair.ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Log.CloseFailed(_logger, slot.Layer.Name, error);
            }

            try
            {
                await slot.Layer.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Log.CloseFailed(_logger, slot.Layer.Name, error);
            }
        }
    }

    // Refuses new operations and forgets the cache; false when it was already closing.
    private bool BeginClose()
    {
        if (!_rundown.Close())
            return false;
        _closing.Cancel(); // runs that outlived their callers (timeouts, eager refresh) store nothing from now on
        CacheRegistry.Forget(this);
        CachkaTelemetry.Unregister(this);
        return true;
    }
}

using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

using Cachka.Internal;
using Cachka.Layers;
using Cachka.Telemetry;

namespace Cachka.Pipeline;

/// <summary>
/// A layer as the pipeline holds it: its position, its breaker (remote layers only), its counters, and
/// the keys whose latest write or delete did not reach it.
/// </summary>
/// <remarks>
/// A write or delete that fails, is skipped by the open breaker, or is cancelled leaves the layer with
/// whatever it held before: an older value that must never be served again. Such a key is "missed":
/// reads skip the layer for it (a miss there, so a lower layer or the origin answers), and once the layer
/// works again a background repair deletes the key from it. A later write that does reach the layer
/// clears the mark. Tracking is bounded by <see cref="MaxMissedKeys"/>; beyond it, keys are no longer
/// tracked (logged once and counted as <c>missed_keys_overflow</c>).
/// </remarks>
internal sealed class LayerSlot
{
    /// <summary>How many missed keys one layer tracks at most.</summary>
    internal const int MaxMissedKeys = 100_000;

    private readonly CacheMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _missed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _missedTags = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private int _missedCount;
    private int _failuresInRow;
    private int _missedTagCount;
    private int _overflowReported;
    private int _repairing;
    private int _repairRequested;
    private Task _repair = Task.CompletedTask;

    public LayerSlot(ICacheLayer layer, int index, CircuitBreaker? breaker, CacheMetrics metrics, ILogger logger)
    {
        Layer = layer;
        Index = index;
        Breaker = breaker;
        _metrics = metrics;
        _logger = logger;
    }

    public ICacheLayer Layer { get; }

    public int Index { get; }

    public CircuitBreaker? Breaker { get; }

    public StripedCounter Hits { get; } = new();

    public string BreakerState => Breaker?.State ?? "CLOSED";

    /// <summary>Keys this layer may hold an outdated value for, and tag invalidations it missed, awaiting repair.</summary>
    public int MissedCount => Volatile.Read(ref _missedCount) + Volatile.Read(ref _missedTagCount);

    /// <summary>
    /// Called by a repair with the keys a replayed tag invalidation removed from this layer, so the
    /// pipeline removes them from the other layers too.
    /// </summary>
    public Func<IReadOnlyCollection<string>, Task>? TagKeysRemoved { get; set; }

    /// <summary>The running (or last) repair, for tests and shutdown.</summary>
    internal Task Repair => Volatile.Read(ref _repair);

    /// <summary>
    /// Runs one call into the layer under the pipeline's protocol: skipped when the breaker is open (or, for a
    /// read, when the layer may hold an outdated value for the key); a failure is counted, logged and reported
    /// to the breaker, and a write or tag invalidation that did not reach the layer is remembered for repair.
    /// A skipped or failed call returns <c>default</c>: a miss, nothing removed.
    /// </summary>
    public TResult Run<TOperation, TResult>(in LayerAccess access, TOperation operation)
        where TOperation : struct, ILayerOperation<TResult>
    {
        if (!Enter(in access))
            return default!;
        try
        {
            var result = operation.Run(Layer);
            Succeeded(in access);
            return result;
        }
        catch (Exception error)
        {
            Failed(in access, error);
            return default!;
        }
    }

    /// <inheritdoc cref="Run{TOperation, TResult}"/>
    /// <remarks>
    /// The caller's cancellation is not a failure of the layer: it propagates, and the caller records what was left
    /// undone. The guard runs when the layer's call completes, without a state machine of its own (<see cref="Continued{TInner, TResult, TNext}"/>).
    /// </remarks>
    public ValueTask<TResult> RunAsync<TOperation, TResult>(LayerAccess access, TOperation operation, CancellationToken cancellationToken)
        where TOperation : struct, ILayerOperation<TResult> =>
        RunAsync<TOperation, TResult, TResult, Unchanged<TResult>>(access, operation, default, cancellationToken);

    /// <inheritdoc cref="RunAsync{TOperation, TResult}"/>
    /// <remarks><paramref name="next"/>: what the caller does with the guarded result, run in the same step as the guard (one step per call, not two).</remarks>
    public ValueTask<TOut> RunAsync<TOperation, TResult, TOut, TNext>(LayerAccess access, TOperation operation, in TNext next, CancellationToken cancellationToken)
        where TOperation : struct, ILayerOperation<TResult>
        where TNext : struct, IContinuation<TResult, TOut>
    {
        if (!Enter(in access))
            return Continued<TResult, TOut, TNext>.After(new ValueTask<TResult>(default(TResult)!), in next);
        ValueTask<TResult> call;
        try
        {
            call = operation.RunAsync(Layer, cancellationToken);
        }
        catch (Exception error)
        {
            call = ValueTask.FromException<TResult>(error); // thrown before the layer's task: guarded the same way
        }

        return Continued<TResult, TOut, Guarded<TResult, TOut, TNext>>.After(call, new Guarded<TResult, TOut, TNext>(this, access, next, cancellationToken));
    }

    /// <summary>
    /// A guarded async read of <paramref name="key"/>, then <paramref name="next"/>: a layer that takes the next step
    /// (<see cref="IContinuedLayer"/>) runs the guard and it in the same step as its own ending.
    /// </summary>
    public ValueTask<TOut> ReadAsync<T, TOut, TNext>(string key, in TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<CacheLayerHit<T>, TOut>
    {
        if (Layer is not IContinuedLayer continued)
            return RunAsync<GetOperation<T>, CacheLayerHit<T>, TOut, TNext>(LayerAccess.Read(key), new(key), in next, cancellationToken);
        var access = LayerAccess.Read(key);
        if (!Enter(in access))
            return Continued<CacheLayerHit<T>, TOut, TNext>.After(default, in next);
        return continued.GetAsync<T, TOut, Guarded<CacheLayerHit<T>, TOut, TNext>>(key, new(this, access, next, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// A guarded async write of <paramref name="key"/> into a layer that takes the next step (<see cref="IContinuedLayer"/>),
    /// then <paramref name="next"/>, in the same step as the layer's own ending.
    /// </summary>
    public ValueTask WriteAsync<T, TNext>(string key, T value, in EntryTimes times, IReadOnlyList<string>? tags, in TNext next, CancellationToken cancellationToken)
        where TNext : struct, IContinuation<bool, bool>
    {
        var access = LayerAccess.Write(key, "set");
        if (!Enter(in access))
            return Continued<bool, bool, TNext>.AfterWithoutResult(default, in next);
        return ((IContinuedLayer)Layer).SetAsync<T, Guarded<bool, bool, TNext>>(
            key, value, in times, tags, new(this, access, next, cancellationToken), cancellationToken);
    }

    // The protocol around a call's outcome, then the caller's next step with the guarded result (or the caller's
    // cancellation, which is not the layer's failure).
    private readonly struct Guarded<TResult, TOut, TNext>(LayerSlot slot, LayerAccess access, TNext next, CancellationToken cancellationToken) : IContinuation<TResult, TOut>
        where TNext : struct, IContinuation<TResult, TOut>
    {
        public TOut Continue(ValueTask<TResult> completed)
        {
            TResult result;
            try
            {
                result = Completed.Outcome(completed);
                slot.Succeeded(in access);
            }
            catch (OperationCanceledException cancelled) when (cancellationToken.IsCancellationRequested)
            {
                return next.Continue(ValueTask.FromException<TResult>(cancelled)); // the next step sees the cancellation
            }
            catch (Exception error)
            {
                slot.Failed(in access, error);
                result = default!;
            }

            return next.Continue(new ValueTask<TResult>(result));
        }
    }

    private bool Enter(in LayerAccess access)
    {
        switch (access.Kind)
        {
            case LayerAccessKind.Read:
                return !MayBeStale(access.Key!) && TryEnter();
            case LayerAccessKind.Write:
                return TryEnterWrite(access.Key!);
            case LayerAccessKind.Tag:
                if (TryEnter())
                    return true;
                MissedTag(access.Key!);
                return false;
            default:
                return TryEnter();
        }
    }

    private void Succeeded(in LayerAccess access)
    {
        if (access.Kind == LayerAccessKind.Write)
            Reached(access.Key!);
        Succeeded();
    }

    private void Failed(in LayerAccess access, Exception error)
    {
        if (access.Kind == LayerAccessKind.Write)
            Missed(access.Key!);
        else if (access.Kind == LayerAccessKind.Tag)
            MissedTag(access.Key!);
        if (error is LayerBusyException)
        {
            _metrics.Error(Layer.Name, "busy"); // declined at capacity, not failed: the breaker does not move
            return;
        }

        Failed(access.Operation, error);
        if (access.Kind == LayerAccessKind.Maintenance)
            Log.MaintenanceFailed(_logger, Layer.Name, error);
    }

    /// <summary>False while the layer's breaker is open: the call skips the layer (counted).</summary>
    private bool TryEnter()
    {
        if (Breaker is null || Breaker.TryEnter())
            return true;
        _metrics.Error(Layer.Name, "circuit_breaker");
        return false;
    }

    /// <summary>As <see cref="TryEnter"/> for a write or delete of <paramref name="key"/>: a skipped one is missed.</summary>
    private bool TryEnterWrite(string key)
    {
        if (TryEnter())
            return true;
        Missed(key);
        return false;
    }

    /// <summary>The layer answered: closes a half-open breaker, and starts repairing missed keys if there are any.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _failuresInRow) != 0)
            Volatile.Write(ref _failuresInRow, 0);
        Breaker?.Succeeded();
        if (MissedCount != 0)
            StartRepair();
    }

    public void Failed(string operation, Exception error)
    {
        var wasOpen = Breaker?.State == "OPEN";
        Breaker?.Failed();
        _metrics.Error(Layer.Name, error.GetType().Name);
        // One warning with the stack trace per run of failures; the rest of the run (until a call succeeds) is counted
        // and logged at debug level without it, so a layer that goes down does not flood the log.
        var inRow = Interlocked.Increment(ref _failuresInRow);
        if (inRow == 1)
            Log.LayerFailed(_logger, Layer.Name, operation, error);
        else
            Log.LayerFailedAgain(_logger, Layer.Name, operation, inRow, error.GetType().Name, error.Message);
        if (!wasOpen && Breaker?.State == "OPEN")
            Log.BreakerOpened(_logger, Layer.Name, Breaker.ConsecutiveFailures);
    }

    /// <summary>
    /// Whether the layer may hold an outdated value for <paramref name="key"/>: if so, reads skip it, and
    /// a repair starts (unless one runs) to remove such values from the layer.
    /// </summary>
    public bool MayBeStale(string key)
    {
        if (Volatile.Read(ref _missedCount) == 0 || !_missed.ContainsKey(key))
            return false;
        StartRepair();
        return true;
    }

    /// <summary>A write or delete of <paramref name="key"/> did not reach the layer.</summary>
    public void Missed(string key)
    {
        if (Volatile.Read(ref _missedCount) >= MaxMissedKeys)
        {
            if (!_missed.ContainsKey(key))
                ReportOverflow();
            return;
        }

        if (_missed.TryAdd(key, 0))
            Interlocked.Increment(ref _missedCount);
    }

    /// <summary>An invalidation of <paramref name="tag"/> did not reach the layer: the repair replays it.</summary>
    public void MissedTag(string tag)
    {
        if (Volatile.Read(ref _missedTagCount) >= MaxMissedKeys)
        {
            ReportOverflow();
            return;
        }

        if (_missedTags.TryAdd(tag, 0))
            Interlocked.Increment(ref _missedTagCount);
    }

    /// <summary>A write or delete of <paramref name="key"/> reached the layer: it holds the latest state.</summary>
    public void Reached(string key)
    {
        if (Volatile.Read(ref _missedCount) != 0 && _missed.TryRemove(key, out _))
            Interlocked.Decrement(ref _missedCount);
    }

    /// <summary>Stops any repair; <see cref="Repair"/> completes soon after.</summary>
    public void Close() => _closing.Cancel();

    // A request that arrives while a repair runs is remembered: that repair may already have given up (the breaker
    // let the request's own probe through instead of it), so it starts again when it ends.
    private void StartRepair()
    {
        Volatile.Write(ref _repairRequested, 1);
        if (Interlocked.CompareExchange(ref _repairing, 1, 0) != 0)
            return;
        if (_closing.IsCancellationRequested)
        {
            Volatile.Write(ref _repairing, 0);
            return;
        }

        Volatile.Write(ref _repairRequested, 0); // this run answers every request made so far
        Volatile.Write(ref _repair, Task.Run(RepairAsync));
    }

    // Replays every missed tag invalidation, then deletes every missed key from the layer (through its
    // async members: this runs in the background, whichever path noticed the recovery). Stops at the
    // first failure; the next success starts it again.
    private async Task RepairAsync()
    {
        var repaired = 0;
        try
        {
            foreach (var tag in _missedTags.Keys)
            {
                var (done, removed) = await RepairStepAsync<InvalidateTagOperation, IReadOnlyCollection<string>?>(new(tag)).ConfigureAwait(false);
                if (!done)
                    return;
                if (_missedTags.TryRemove(tag, out _))
                    Interlocked.Decrement(ref _missedTagCount);
                repaired += removed!.Count;
                if (removed.Count > 0 && TagKeysRemoved is { } notify)
                    await notify(removed).ConfigureAwait(false);
            }

            foreach (var key in _missed.Keys)
            {
                // A write that reached the layer since the snapshot already replaced the outdated value.
                if (!_missed.ContainsKey(key))
                    continue;
                if (!(await RepairStepAsync<DeleteOperation, bool>(new(key)).ConfigureAwait(false)).Done)
                    return;
                Reached(key);
                repaired++;
            }
        }
        finally
        {
            if (repaired > 0)
                Log.LayerRepaired(_logger, Layer.Name, repaired);
            Volatile.Write(ref _repairing, 0);
            if (Volatile.Read(ref _repairRequested) != 0 && MissedCount != 0)
                StartRepair();
        }
    }

    // One call of a repair: not done when the cache is closing, the breaker refuses, or the layer fails (then
    // the repair stops; the next success starts it again).
    private async ValueTask<(bool Done, TResult Result)> RepairStepAsync<TOperation, TResult>(TOperation operation)
        where TOperation : struct, ILayerOperation<TResult>
    {
        if (_closing.IsCancellationRequested || (Breaker is not null && !Breaker.TryEnter()))
            return default;
        try
        {
            var result = await operation.RunAsync(Layer, _closing.Token).ConfigureAwait(false);
            Breaker?.Succeeded();
            return (true, result);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            return default;
        }
        catch (Exception error)
        {
            // A layer closed under a running repair (sync Dispose does not wait for it) is not a failure.
            if (!_closing.IsCancellationRequested)
                Failed("repair", error);
            return default;
        }
    }

    private void ReportOverflow()
    {
        _metrics.Error(Layer.Name, "missed_keys_overflow");
        if (Interlocked.Exchange(ref _overflowReported, 1) == 0)
            Log.MissedKeysOverflow(_logger, Layer.Name, MaxMissedKeys);
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using Cachka.Telemetry;

namespace Cachka.Pipeline;

// Telemetry: spans on the "Cachka" ActivitySource and durations for cache_operation_duration_seconds. An L1 hit
// makes neither (it costs less than either would): spans cover operations that reach below L1, writes, deletes,
// tag invalidations and factory runs; durations cover the operations that reach a layer below L1 and every factory
// run. Keys go on spans only with CacheConfig.TraceKeys.
internal sealed partial class LayeredCache
{
    /// <summary>A span, or null (at once) when nobody listens to the ActivitySource.</summary>
    internal Activity? StartSpan(string name, string? key)
    {
        var activity = CachkaTelemetry.Activities.StartActivity(name, ActivityKind.Internal);
        if (activity is null)
            return null;
        activity.SetTag("cache.name", Name);
        if (Config.TraceKeys && key is not null)
            activity.SetTag("cache.key", key);
        return activity;
    }

    private static bool Tracing => CachkaTelemetry.Activities.HasListeners();

    // 0 when the cache has nothing below L1: its operations are not timed.
    private long StartBelow() => _below.Length > 0 ? Stopwatch.GetTimestamp() : 0;

    private void EndBelow(CacheOperation operation, long start)
    {
        if (start != 0)
            _metrics.Duration(operation, start);
    }

    // The outcome of a lookup below L1 on its span: hit or miss, and which layer answered.
    private void Outcome(Activity? activity, bool hit, int belowIndex)
    {
        if (activity is null)
            return;
        activity.SetTag("cache.hit", hit);
        activity.SetTag("cache.outcome", hit ? "hit" : "miss");
        if (hit)
            activity.SetTag("cache.hit_layer", _below[belowIndex].Layer.Name);
    }

    private static void Failed(Activity? activity, Exception error) => activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);

    // An exception filter that records the failure and lets the exception pass uncaught: a rethrow would cost a
    // second throw (about as much as the first) on every failing factory.
    private static bool Failing(Activity? activity, Exception error)
    {
        Failed(activity, error);
        return false;
    }

    /// <summary>Runs a factory with its span and duration.</summary>
    internal T RunFactory<TState, T>(Func<TState, T> factory, TState state, string key)
    {
        using var activity = StartSpan("cachka.factory", key);
        var start = Stopwatch.GetTimestamp();
        try
        {
            return factory(state);
        }
        catch (Exception error) when (Failing(activity, error))
        {
            throw;
        }
        finally
        {
            _metrics.Duration(CacheOperation.Factory, start);
        }
    }

    /// <summary>
    /// Runs a factory with its span and duration, returning its exception instead of throwing it (for a fill that may
    /// serve a stale value instead): a factory that throws costs its own throw, caught at the nearest frame.
    /// </summary>
    internal Exception? RunFactoryCaught<TState, T>(Func<TState, T> factory, TState state, string key, out T value)
    {
        using var activity = StartSpan("cachka.factory", key);
        var start = Stopwatch.GetTimestamp();
        try
        {
            value = factory(state);
            return null;
        }
        catch (Exception error)
        {
            Failed(activity, error);
            value = default!;
            return error;
        }
        finally
        {
            _metrics.Duration(CacheOperation.Factory, start);
        }
    }

    /// <inheritdoc cref="RunFactoryCaught{TState, T}(Func{TState, T}, TState, string, out T)"/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<(T Value, Exception? Error)> RunFactoryCaughtAsync<TState, T>(Func<TState, CancellationToken, ValueTask<T>> factory, TState state, string key, CancellationToken cancellationToken)
    {
        using var activity = StartSpan("cachka.factory", key);
        var start = Stopwatch.GetTimestamp();
        try
        {
            return (await factory(state, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception error)
        {
            Failed(activity, error);
            return (default!, error);
        }
        finally
        {
            _metrics.Duration(CacheOperation.Factory, start);
        }
    }

    /// <inheritdoc cref="RunFactory{TState, T}"/>
    /// <remarks>
    /// Untraced, a factory that completes at once costs no state machine. Traced, the span is begun and ended inside
    /// one async method, so the caller's <see cref="Activity.Current"/> is never the factory's span.
    /// </remarks>
    internal ValueTask<T> RunFactoryAsync<TState, T>(Func<TState, CancellationToken, ValueTask<T>> factory, TState state, string key, CancellationToken cancellationToken)
    {
        if (Tracing)
            return RunTracedFactoryAsync(factory, state, key, cancellationToken);
        var start = Stopwatch.GetTimestamp();
        ValueTask<T> run;
        try
        {
            run = factory(state, cancellationToken);
        }
        catch (Exception) when (EndFactory(start))
        {
            throw;
        }

        if (!run.IsCompletedSuccessfully)
            return AwaitFactoryAsync(run, start);
        var value = run.Result;
        EndFactory(start);
        return new ValueTask<T>(value);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> AwaitFactoryAsync<T>(ValueTask<T> run, long start)
    {
        try
        {
            return await run.ConfigureAwait(false);
        }
        finally
        {
            EndFactory(start);
        }
    }

    // Records a factory's duration; false, for an exception filter (the exception goes on uncaught).
    private bool EndFactory(long start)
    {
        _metrics.Duration(CacheOperation.Factory, start);
        return false;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> RunTracedFactoryAsync<TState, T>(Func<TState, CancellationToken, ValueTask<T>> factory, TState state, string key, CancellationToken cancellationToken)
    {
        using var activity = StartSpan("cachka.factory", key);
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await factory(state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (Failing(activity, error))
        {
            throw;
        }
        finally
        {
            _metrics.Duration(CacheOperation.Factory, start);
        }
    }
}

using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Cachka.Internal;
using Cachka.Layers;
using Cachka.Layers.Memory;

namespace Cachka.Pipeline;

// Fail-safe, factory timeouts and eager refresh (docs/resilience.md). Only a fill whose options ask for one of them
// comes here (FillPolicy.IsPlain is false); every other fill takes LayeredCache.Stampede.cs's path, unchanged.
//
// The leader looks for a fresh value (L1, then below), remembering a stale one (kept by fail-safe) on the way; then
// runs the factory: inline when nothing bounds the wait, else as a run it can stop waiting for (a sync factory on the
// thread pool, waited for on a monitor; an async one as a task). Then:
// - a value in time is stored and landed as on the plain path;
// - an exception with a stale value at hand serves the stale value, kept in L1 as fresh for the throttle duration
//   (FailSafeThrottleDuration), so the factory is not tried again before then; without one, the exception;
// - a timeout serves the stale value (kept as above) or throws TimeoutException, and the run goes on detached.
// A detached run (a timed-out factory, an eager refresh) has left the flight table, but is registered with the fill
// guard, so a change of the key makes it store nothing (LateLanding). It enters the rundown only to store: closing
// the cache never waits for such a factory (async ones get a token cancelled by the close) and never cuts its write short.
internal sealed partial class LayeredCache
{
    private readonly CancellationTokenSource _closing = new();

    private T FlyResilient<TKey, TState, T>(in TKey typedKey, string key, TState state, Func<TState, T> factory, FillPolicy policy, IReadOnlyList<string>? tags, Flight<T> flight, CacheFactoryContext? adapt)
        where TKey : struct, ICacheKey<TKey>
    {
        var detached = false;
        using var activity = StartFill(key);
        try
        {
            if (_l1.Peek(in typedKey, key, out T value) || ReadThrough<TKey, T>(in typedKey, key).TryGetValue(out value, out var staleBelow))
            {
                Land(in typedKey, key, value, found: true, default, flight, flight, activity);
                return value;
            }

            var stale = StaleOf(key, in policy, in staleBelow);
            _l1.PrepareStore(flight.Hash);
            adapt?.Begin(policy.Ttl);
            Exception? error;
            if (policy.WaitFor(stale.Found) is { } wait)
            {
                var run = PooledRun<T>.Start(this, factory, state, key);
                if (!run.Wait(wait, _clock.Time))
                {
                    detached = true;
                    var late = Detach(in typedKey, key, flight, in stale, policy, tags, adapt, activity, wait);
                    run.WhenDone(late);
                    return stale.Found ? stale.Value : throw late.Timeout!;
                }

                (value, error) = (run.Value, run.Error);
            }
            else
            {
                error = RunFactoryCaught(factory, state, key, out value);
            }

            if (error is not null)
            {
                if (ServeStale(in typedKey, key, in stale, in policy, flight, activity, "error"))
                    return stale.Value;
                Crash(flight, activity, error);
                ExceptionDispatchInfo.Throw(error);
            }

            if (adapt is not null && !Adapt(adapt, ref policy, ref tags))
            {
                flight.Complete(value);
                return value;
            }

            var times = TimesFor(in policy);
            if (Land(in typedKey, key, value, found: false, in times, flight, flight, activity))
            {
                try
                {
                    WriteBelow(key, value, times, tags, _below.Length, "set");
                }
                finally
                {
                    flight.EndStore();
                }
            }

            return value;
        }
        catch (Exception error)
        {
            Crash(flight, activity, error);
            throw;
        }
        finally
        {
            if (!detached)
            {
                _flights.Land(flight);
                Exit();
            }
        }
    }

    // Never throws: the outcome, value or exception, goes to every caller waiting on the flight (see FlyAsync).
    private async Task FlyResilientAsync<TKey, TState, T>(Flight<T> flight, TKey typedKey, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, FillPolicy policy, IReadOnlyList<string>? tags, CacheFactoryContext? adapt)
        where TKey : struct, ICacheKey<TKey>
    {
        var detached = false;
        using var activity = StartFill(key);
        try
        {
            if (_l1.Peek(in typedKey, key, out T value))
            {
                Land(in typedKey, key, value, found: true, default, flight, flight, activity);
                return;
            }

            var below = await ReadThroughAsync<TKey, T>(typedKey, key, flight.Token).ConfigureAwait(false);
            if (below.TryGetValue(out value, out var staleBelow))
            {
                Land(in typedKey, key, value, found: true, default, flight, flight, activity);
                return;
            }

            var stale = StaleOf(key, in policy, in staleBelow);
            _l1.PrepareStore(flight.Hash);
            adapt?.Begin(policy.Ttl);
            Exception? error;
            if (policy.WaitFor(stale.Found) is { } wait)
            {
                // A run that may outlive its callers: cancelled by the cache's close unless its callers can cancel it.
                var run = RunFactoryCaughtAsync(factory, state, key, flight.Token.CanBeCanceled ? flight.Token : _closing.Token).AsTask();
                await ((Task)run.WaitAsync(wait, _clock.Time)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!run.IsCompleted)
                {
                    detached = true;
                    var late = Detach(in typedKey, key, flight, in stale, policy, tags, adapt, activity, wait);
                    _ = late.LandWhenDoneAsync(run);
                    return;
                }

                (value, error) = await run.ConfigureAwait(false); // completed: no wait
            }
            else
            {
                (value, error) = await RunFactoryCaughtAsync(factory, state, key, flight.Token).ConfigureAwait(false);
            }

            if (error is not null)
            {
                if (!ServeStale(in typedKey, key, in stale, in policy, flight, activity, "error"))
                    Crash(flight, activity, error);
                return;
            }

            if (adapt is not null && !Adapt(adapt, ref policy, ref tags))
            {
                flight.Complete(value);
                return;
            }

            var times = TimesFor(in policy);
            if (Land(in typedKey, key, value, found: false, in times, flight, flight, activity))
            {
                try
                {
                    await WriteBelowAsync(key, value, times, tags, _below.Length, "set", CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    flight.EndStore();
                }
            }
        }
        catch (Exception error)
        {
            Crash(flight, activity, error);
        }
        finally
        {
            if (!detached)
            {
                _flights.Land(flight);
                Exit();
            }
        }
    }


    // Only a call with fail-safe serves stale values; L1's stale copy first (it is the lower layers' value, copied up).
    private Stale<T> StaleOf<T>(string key, in FillPolicy policy, in CacheLayerHit<T> below)
    {
        if (!policy.IsFailSafe)
            return default;
        if (_l1.PeekStale(key, out T value, out var times))
            return new Stale<T>(true, value, times);
        return below.Found ? new Stale<T>(true, below.Value, new EntryTimes(below.ExpiresAt, below.KeepUntil, below.ExpiresAt)) : default;
    }

    // Serves the stale value to the flight's callers, and keeps it in L1 as fresh for the throttle duration, so the
    // factory is not tried again before then (the layers below keep their stale copy). False when there is none.
    private bool ServeStale<TKey, T>(in TKey typedKey, string key, in Stale<T> stale, in FillPolicy policy, Flight<T> flight, Activity? activity, string reason)
        where TKey : struct, ICacheKey<TKey>
    {
        if (!stale.Found)
            return false;
        var until = _clock.UtcNow + policy.Throttle;
        var throttled = new EntryTimes(until, stale.Times.KeepUntil > until ? stale.Times.KeepUntil : until, until);
        if (StoreLocal(in typedKey, key, stale.Value, in throttled, flight))
            flight.EndStore();
        flight.Complete(stale.Value);
        _metrics.Stale.Increment();
        activity?.SetTag("cache.stale", reason);
        return true;
    }

    // The factory ran past its timeout: the flight's callers get the stale value (kept for the throttle duration) or a
    // TimeoutException now; the flight leaves the table (the next caller starts afresh, unless the stale copy in L1
    // answers it) and the run goes on as a fill registered with the guard, landing its result later (LateLanding).
    private LateLanding<TKey, T> Detach<TKey, T>(in TKey typedKey, string key, Flight<T> flight, in Stale<T> stale, FillPolicy policy, IReadOnlyList<string>? tags, CacheFactoryContext? adapt, Activity? activity, TimeSpan wait)
        where TKey : struct, ICacheKey<TKey>
    {
        activity?.SetTag("cache.factory_timeout", wait.TotalMilliseconds);
        _metrics.FactoryTimeouts.Increment();
        TimeoutException? timeout = null;
        if (!ServeStale(in typedKey, key, in stale, in policy, flight, activity, "timeout"))
        {
            timeout = new TimeoutException($"The cache factory did not finish within its timeout ({wait.TotalMilliseconds:0.###} ms: CacheEntryOptions.FactoryHardTimeout) and no stale value was at hand (CacheEntryOptions.FailSafeMaxDuration). It goes on in the background; its result will be stored.");
            flight.Fail(timeout);
        }

        var late = new LateLanding<TKey, T>(this, typedKey, key, flight, _fillGuard.Begin(key), policy, tags, adapt) { Timeout = timeout };
        _flights.Land(flight);
        Exit();
        return late;
    }

    // ---- eager refresh ----

    /// <summary>
    /// A GetOrCreate hit found its entry past its refresh point: the first such hit starts one background run of the
    /// factory (the caller returns the value it found at once); its result replaces the entry in every layer.
    /// </summary>
    private void RefreshSoon<TKey, TState, T>(MemoryEntry entry, in TKey typedKey, TState state, Func<TState, T> factory, in CacheEntryOptions options, CacheFactoryContext? adapt = null)
        where TKey : struct, ICacheKey<TKey>
    {
        if (StartRefresh<TKey, T>(entry, in typedKey, in options, adapt) is not { } late)
            return;
        var key = entry.Key;
        ThreadPool.QueueUserWorkItem(
            static s =>
            {
                if (s.Cache.RunFactoryCaught(s.Factory, s.State, s.Key, out var value) is { } error)
                    s.Late.Failed(error);
                else
                    s.Late.Land(value);
            },
            (Cache: this, Factory: factory, State: state, Key: key, Late: late),
            preferLocal: false);
    }

    /// <inheritdoc cref="RefreshSoon{TKey, TState, T}(MemoryEntry, in TKey, TState, Func{TState, T}, in CacheEntryOptions, CacheFactoryContext?)"/>
    private void RefreshSoon<TKey, TState, T>(MemoryEntry entry, in TKey typedKey, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, in CacheEntryOptions options, CacheFactoryContext? adapt = null)
        where TKey : struct, ICacheKey<TKey>
    {
        if (StartRefresh<TKey, T>(entry, in typedKey, in options, adapt) is not { } late)
            return;
        _ = RefreshAsync(late, entry.Key, state, factory);
    }

    // An adaptive factory gets a fresh context for the refresh (rare: only the first hit past the refresh point).
    private void RefreshAdaptive<TKey, TState, T>(MemoryEntry entry, in TKey typedKey, TState state, Func<TState, CacheFactoryContext, T> factory, in CacheEntryOptions options)
        where TKey : struct, ICacheKey<TKey>
    {
        var context = new CacheFactoryContext(entry.Key, options.Tags);
        RefreshSoon(entry, in typedKey, (state, factory, context), static s => s.factory(s.state, s.context), in options, context);
    }

    /// <inheritdoc cref="RefreshAdaptive{TKey, TState, T}(MemoryEntry, in TKey, TState, Func{TState, CacheFactoryContext, T}, in CacheEntryOptions)"/>
    private void RefreshAdaptive<TKey, TState, T>(MemoryEntry entry, in TKey typedKey, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, in CacheEntryOptions options)
        where TKey : struct, ICacheKey<TKey>
    {
        var context = new CacheFactoryContext(entry.Key, options.Tags);
        RefreshSoon(entry, in typedKey, (state, factory, context), static (s, ct) => s.factory(s.state, s.context, ct), in options, context);
    }

    private async Task RefreshAsync<TKey, TState, T>(LateLanding<TKey, T> late, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory)
        where TKey : struct, ICacheKey<TKey>
    {
        await Task.Yield(); // the hit that started it returns first
        await late.LandWhenDoneAsync(RunFactoryCaughtAsync(factory, state, key, _closing.Token).AsTask()).ConfigureAwait(false);
    }

    // One refresh per entry (the first hit past its refresh point claims it), none once the cache closes.
    private LateLanding<TKey, T>? StartRefresh<TKey, T>(MemoryEntry entry, in TKey typedKey, in CacheEntryOptions options, CacheFactoryContext? adapt)
        where TKey : struct, ICacheKey<TKey>
    {
        if (entry is not TimedMemoryEntry timed || !timed.ClaimRefresh() || _rundown.IsClosed)
            return null;
        var policy = ResolvePolicy(options);
        adapt?.Begin(policy.Ttl);
        _metrics.Refreshes.Increment();
        return new LateLanding<TKey, T>(this, typedKey, entry.Key, origin: null, _fillGuard.Begin(entry.Key), policy, options.Tags, adapt);
    }

    /// <summary>A stale value at hand for a fill (kept past its TTL by fail-safe), with its instants.</summary>
    private readonly record struct Stale<T>(bool Found, T Value, EntryTimes Times);

    /// <summary>
    /// The result of a run that outlived its callers (a timed-out factory, an eager refresh): stored in every layer once
    /// it arrives, unless the key changed since the run began (a change marks the fill, or the flight it came from) or
    /// the cache closed (then nothing is written: a write, once begun, holds the close until it is done).
    /// </summary>
    private sealed class LateLanding<TKey, T>(LayeredCache cache, TKey typedKey, string key, FillState? origin, FillGuard.Fill fill, FillPolicy policy, IReadOnlyList<string>? tags, CacheFactoryContext? adapt)
        : ILateLanding<T>
        where TKey : struct, ICacheKey<TKey>
    {
        /// <summary>What the run's callers were told when no stale value was at hand.</summary>
        public TimeoutException? Timeout { get; init; }

        public void Land(T value)
        {
            if (!TryStore(value, out var times, out var stored))
                return;
            try
            {
                cache.WriteBelow(key, value, times, stored, cache._below.Length, "set");
            }
            finally
            {
                EndStore();
            }
        }

        public async Task LandWhenDoneAsync(Task<(T Value, Exception? Error)> run)
        {
            var (value, error) = await run.ConfigureAwait(false);
            if (error is not null)
                Failed(error);
            else if (TryStore(value, out var times, out var stored))
            {
                try
                {
                    await cache.WriteBelowAsync(key, value, times, stored, cache._below.Length, "set", CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    EndStore();
                }
            }
        }

        /// <summary>The run failed: nothing is stored (the entry it would have replaced stays as it was).</summary>
        public void Failed(Exception error)
        {
            _ = error; // counted and traced where the factory ran
            cache._fillGuard.End(key, fill);
        }

        // Stores the value in L1 and enters the rundown: true when the caller then writes below and calls EndStore.
        // False, with everything released, when the key changed since the run began, the factory declined its result,
        // or the cache closed.
        private bool TryStore(T value, out EntryTimes times, out IReadOnlyList<string>? stored)
        {
            times = default;
            stored = tags;
            var landing = policy;
            var storing = origin is not { IsChanged: true }
                && (adapt is null || Adapt(adapt, ref landing, ref stored))
                && cache._rundown.TryEnter();
            if (storing)
            {
                times = cache.TimesFor(in landing);
                if (cache.StoreLocal(in typedKey, key, value, in times, fill))
                    return true;
                cache.Exit();
            }

            cache._fillGuard.End(key, fill);
            return false;
        }

        private void EndStore()
        {
            fill.EndStore();
            cache.Exit();
            cache._fillGuard.End(key, fill);
        }
    }

    /// <summary>Where a run that outlived its callers delivers its outcome.</summary>
    private interface ILateLanding<T>
    {
        void Land(T value);

        void Failed(Exception error);
    }

    /// <summary>
    /// A sync factory run on the thread pool, so that its caller can stop waiting at a timeout (on a monitor, never on
    /// a task); the timeout is a timer of the cache's <see cref="TimeProvider"/>.
    /// </summary>
    private abstract class PooledRun<T>
    {
        private bool _done;
        private bool _expired;
        private bool _detached;
        private ILateLanding<T>? _late;

        public T Value { get; protected set; } = default!;

        public Exception? Error { get; protected set; }

        public static PooledRun<T> Start<TState>(LayeredCache cache, Func<TState, T> factory, TState state, string key)
        {
            var pooled = new Of<TState>(cache, factory, state, key);
            ThreadPool.QueueUserWorkItem(static r => r.Execute(), pooled, preferLocal: false);
            return pooled;
        }

        protected abstract void Run();

        /// <summary>True when the run finished within <paramref name="timeout"/>; false when its caller stops waiting.</summary>
        public bool Wait(TimeSpan timeout, TimeProvider time)
        {
            using var timer = time.CreateTimer(static r => ((PooledRun<T>)r!).Expire(), this, timeout, System.Threading.Timeout.InfiniteTimeSpan);
            lock (this)
            {
                while (!_done && !_expired)
                    Monitor.Wait(this);
                if (_done)
                    return true;
                _detached = true;
                return false;
            }
        }

        /// <summary>Hands the result of a run its caller stopped waiting for to <paramref name="late"/> (now, if it is done).</summary>
        public void WhenDone(ILateLanding<T> late)
        {
            lock (this)
            {
                if (!_done)
                {
                    _late = late;
                    return;
                }
            }

            ThreadPool.QueueUserWorkItem(static s => s.Run.Deliver(s.Late), (Run: this, Late: late), preferLocal: false);
        }

        private void Deliver(ILateLanding<T> late)
        {
            if (Error is { } error)
                late.Failed(error);
            else
                late.Land(Value);
        }

        private void Expire()
        {
            lock (this)
            {
                _expired = true;
                Monitor.PulseAll(this);
            }
        }

        private void Execute()
        {
            Run();
            ILateLanding<T>? late;
            lock (this)
            {
                _done = true;
                late = _detached ? _late : null;
                Monitor.PulseAll(this);
            }

            if (late is not null)
                Deliver(late);
        }

        private sealed class Of<TState>(LayeredCache cache, Func<TState, T> factory, TState state, string key) : PooledRun<T>
        {
            protected override void Run()
            {
                Error = cache.RunFactoryCaught(factory, state, key, out var value);
                Value = value;
            }
        }
    }
}

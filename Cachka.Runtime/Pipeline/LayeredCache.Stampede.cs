using System.Diagnostics;
using Cachka.Internal;
using Cachka.Layers.Memory;
using Cachka.Telemetry;

namespace Cachka.Pipeline;

// GetOrCreate: an L1 hit returns at once; a miss joins the key's flight (Flight.cs), whose leader looks
// below L1 and runs the factory once for every concurrent caller. Sync waiters block on the flight's
// monitor; async ones await its task, and the async leader runs detached from its own caller, so that
// caller's cancellation stops only its own wait.
internal sealed partial class LayeredCache
{
    public T GetOrCreate<T>(string key, Func<T> factory, TimeSpan? ttl = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrCreate(key, factory, static f => f(), new CacheEntryOptions(ttl));
    }

    public ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrCreateAsync(key, factory, static (f, ct) => f(ct), new CacheEntryOptions(ttl), cancellationToken);
    }

    public T GetOrCreate<TState, T>(string key, TState state, Func<TState, T> factory, CacheEntryOptions options = default)
    {
        Guard.Key(key);
        ArgumentNullException.ThrowIfNull(factory);
        var hash = KeyHash.Of(key);
        if (_l1.TryGet(key, hash, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshSoon(entry, default(StringKey), state, factory, in options);
            return value;
        }

        return GetOrCreateSlow(default(StringKey), key, hash, state, factory, in options);
    }

    public ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
    {
        Guard.Key(key);
        ArgumentNullException.ThrowIfNull(factory);
        var hash = KeyHash.Of(key);
        if (_l1.TryGet(key, hash, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshSoon(entry, default(StringKey), state, factory, in options);
            return new ValueTask<T>(value);
        }

        return GetOrCreateSlowAsync(default(StringKey), key, hash, state, factory, in options, cancellationToken);
    }

    public T GetOrCreate<TState, T>(string key, TState state, Func<TState, CacheFactoryContext, T> factory, CacheEntryOptions options = default)
    {
        Guard.Key(key);
        ArgumentNullException.ThrowIfNull(factory);
        var hash = KeyHash.Of(key);
        if (_l1.TryGet(key, hash, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshAdaptive(entry, default(StringKey), state, factory, in options);
            return value;
        }

        var context = new CacheFactoryContext(key, options.Tags);
        return GetOrCreateSlow(default(StringKey), key, hash, (state, factory, context), static s => s.factory(s.state, s.context), in options, context);
    }

    public ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
    {
        Guard.Key(key);
        ArgumentNullException.ThrowIfNull(factory);
        var hash = KeyHash.Of(key);
        if (_l1.TryGet(key, hash, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshAdaptive(entry, default(StringKey), state, factory, in options);
            return new ValueTask<T>(value);
        }

        var context = new CacheFactoryContext(key, options.Tags);
        return GetOrCreateSlowAsync(default(StringKey), key, hash, (state, factory, context), static (s, ct) => s.factory(s.state, s.context, ct), in options, cancellationToken, context);
    }

    public T GetOrCreate<TKey, TState, T>(in TKey key, TState state, Func<TState, T> factory, CacheEntryOptions options = default)
        where TKey : struct, ICacheKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_l1.TryGet(in key, null, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshSoon(entry, in key, state, factory, in options);
            return value;
        }

        return GetOrCreateSlow(in key, key.ToKeyString(), state, factory, in options);
    }

    public ValueTask<T> GetOrCreateAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_l1.TryGet(in key, null, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshSoon(entry, in key, state, factory, in options);
            return new ValueTask<T>(value);
        }

        return GetOrCreateSlowAsync(key, key.ToKeyString(), state, factory, in options, cancellationToken);
    }

    public T GetOrCreate<TKey, TState, T>(in TKey key, TState state, Func<TState, CacheFactoryContext, T> factory, CacheEntryOptions options = default)
        where TKey : struct, ICacheKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_l1.TryGet(in key, null, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshAdaptive(entry, in key, state, factory, in options);
            return value;
        }

        var keyText = key.ToKeyString();
        var context = new CacheFactoryContext(keyText, options.Tags);
        return GetOrCreateSlow(in key, keyText, (state, factory, context), static s => s.factory(s.state, s.context), in options, context);
    }

    public ValueTask<T> GetOrCreateAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_l1.TryGet(in key, null, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshAdaptive(entry, in key, state, factory, in options);
            return new ValueTask<T>(value);
        }

        return GetOrCreateAdaptiveSlowAsync(key, state, factory, options, cancellationToken);
    }

    /// <summary>As the adaptive <c>GetOrCreateAsync</c>, for a caller that needs a <see cref="Task{T}"/>: an L1 hit reuses the entry's completed task.</summary>
    public Task<T> GetOrCreateTaskAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_l1.TryGet(in key, null, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshAdaptive(entry, in key, state, factory, in options);
            return MemoryCacheLayer.CompletedTask(entry, value);
        }

        return GetOrCreateAdaptiveSlowAsync(key, state, factory, options, cancellationToken).AsTask();
    }

    private ValueTask<T> GetOrCreateAdaptiveSlowAsync<TKey, TState, T>(TKey key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        var keyText = key.ToKeyString();
        var context = new CacheFactoryContext(keyText, options.Tags);
        return GetOrCreateSlowAsync(key, keyText, (state, factory, context), static (s, ct) => s.factory(s.state, s.context, ct), in options, cancellationToken, context);
    }

    /// <summary>As <c>GetOrCreateAsync</c>, for a caller that needs a <see cref="Task{T}"/>: an L1 hit reuses the entry's completed task.</summary>
    public Task<T> GetOrCreateTaskAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_l1.TryGet(in key, null, out var entry, out T value))
        {
            if (entry!.RefreshDue)
                RefreshSoon(entry, in key, state, factory, in options);
            return MemoryCacheLayer.CompletedTask(entry, value);
        }

        return GetOrCreateSlowAsync(key, key.ToKeyString(), state, factory, in options, cancellationToken).AsTask();
    }

    private T GetOrCreateSlow<TKey, TState, T>(in TKey typedKey, string key, TState state, Func<TState, T> factory, in CacheEntryOptions options, CacheFactoryContext? adapt = null)
        where TKey : struct, ICacheKey<TKey> =>
        GetOrCreateSlow(in typedKey, key, KeyHash.Of(key), state, factory, in options, adapt);

    // hash: the key's KeyHash (a string-keyed caller computed it for its L1 lookup).
    private T GetOrCreateSlow<TKey, TState, T>(in TKey typedKey, string key, int hash, TState state, Func<TState, T> factory, in CacheEntryOptions options, CacheFactoryContext? adapt = null)
        where TKey : struct, ICacheKey<TKey>
    {
        var boarding = Board<T>(key, hash, in options, CancellationToken.None, holders: 1, out var flight, out var policy);
        if (boarding == Boarding.Waiter)
            return flight!.BlockUntilLanded();
        if (boarding == Boarding.Leader && !policy.IsPlain)
            return FlyResilient(in typedKey, key, state, factory, policy, options.Tags, flight!, adapt);
        try
        {
            return boarding == Boarding.Leader
                ? Fly(in typedKey, key, state, factory, policy, options.Tags, flight!, adapt)
                : CreateUnshared(in typedKey, key, state, factory, policy, options.Tags, adapt);
        }
        finally
        {
            if (boarding == Boarding.Leader)
                EndFlight(flight!);
            else
                Exit();
        }
    }

    private ValueTask<T> GetOrCreateSlowAsync<TKey, TState, T>(TKey typedKey, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, in CacheEntryOptions options, CancellationToken cancellationToken, CacheFactoryContext? adapt = null)
        where TKey : struct, ICacheKey<TKey> =>
        GetOrCreateSlowAsync(typedKey, key, KeyHash.Of(key), state, factory, in options, cancellationToken, adapt);

    /// <inheritdoc cref="GetOrCreateSlow{TKey, TState, T}(in TKey, string, int, TState, Func{TState, T}, in CacheEntryOptions, CacheFactoryContext?)"/>
    private ValueTask<T> GetOrCreateSlowAsync<TKey, TState, T>(TKey typedKey, string key, int hash, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, in CacheEntryOptions options, CancellationToken cancellationToken, CacheFactoryContext? adapt = null)
        where TKey : struct, ICacheKey<TKey>
    {
        // A plain flight has two holders, its runner and the leader's caller (see FlightTable.Release).
        switch (Board<T>(key, hash, in options, cancellationToken, holders: 2, out var flight, out var policy))
        {
            case Boarding.Cancelled:
                return ValueTask.FromCanceled<T>(cancellationToken);
            case Boarding.Unshared:
                return ExitAfter(CreateUnsharedAsync(typedKey, key, state, factory, policy, options.Tags, cancellationToken, adapt));
            case Boarding.Leader when policy.IsPlain && _below.Length == 0 && options.Tags is null && adapt is null && !Tracing:
                return FlyLocalAsync(flight!, typedKey, key, state, factory, policy, cancellationToken);
            case Boarding.Leader when policy.IsPlain:
                // A flight that ran to its landing on this stack has its outcome in place: no wait, no lock.
                return FlyAsync(flight!, typedKey, key, state, factory, policy, options.Tags, adapt).IsCompletedSuccessfully && flight!.TryTakeLanded(out var landed)
                    ? landed
                    : flight!.WaitAsync(cancellationToken, release: true);
            case Boarding.Leader:
                _ = FlyResilientAsync(flight!, typedKey, key, state, factory, policy, options.Tags, adapt);
                break;
        }

        return flight!.WaitAsync(cancellationToken);
    }

    private enum Boarding
    {
        /// <summary>Runs the flight: lookup below L1, factory, store.</summary>
        Leader,

        /// <summary>Waits for another caller's flight and touches no layer.</summary>
        Waiter,

        /// <summary>Another caller is computing the key with a different value type: run alone.</summary>
        Unshared,

        /// <summary>The caller cancelled before anything started.</summary>
        Cancelled,
    }

    // The leader's flight (or the unshared call) is one operation until its value is stored: it stays entered;
    // every other outcome leaves the operation.
    private Boarding Board<T>(string key, int hash, in CacheEntryOptions options, CancellationToken cancellationToken, int holders, out Flight<T>? flight, out FillPolicy policy)
    {
        policy = ResolvePolicy(options);
        Enter();
        flight = null;
        if (cancellationToken.IsCancellationRequested)
        {
            Exit();
            return Boarding.Cancelled;
        }

        bool leader;
        try
        {
            flight = _flights.Join<T>(key, hash, cancellationToken, out leader, holders);
        }
        catch
        {
            Exit();
            throw;
        }

        if (flight is null)
            return Boarding.Unshared;
        if (leader)
            return Boarding.Leader;
        Exit();
        _metrics.Joined.Increment(); // its request is counted here: it reads no layer (cache_requests_total{type="joined"})
        return Boarding.Waiter;
    }

    private T Fly<TKey, TState, T>(in TKey typedKey, string key, TState state, Func<TState, T> factory, FillPolicy policy, IReadOnlyList<string>? tags, Flight<T> flight, CacheFactoryContext? adapt)
        where TKey : struct, ICacheKey<TKey>
    {
        T value;
        bool found;
        using var activity = StartFill(key);
        try
        {
            // The caller's L1 check is a moment old: a flight that just landed may have filled it.
            found = _l1.Peek(in typedKey, key, flight.Hash, out value) || ReadBelowL1(in typedKey, key, out value);
            if (!found)
            {
                _l1.PrepareStore(flight.Hash);
                adapt?.Begin(policy.Ttl);
                value = RunFactory(factory, state, key);
                if (adapt is not null && !Adapt(adapt, ref policy, ref tags))
                {
                    flight.Complete(value);
                    return value;
                }
            }
        }
        catch (Exception error)
        {
            Crash(flight, activity, error);
            throw;
        }

        if (TryLandLocal(in typedKey, key, value, found, in policy, tags, flight, activity, alone: true))
            return value;
        var times = FillTimesFor(in policy);
        if (Land(in typedKey, key, value, found, times, flight, flight, activity))
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

    // Never throws: the outcome, value or exception, goes to every caller waiting on the flight. Removes the
    // flight and leaves the operation its caller entered once the value is stored.
    private async Task FlyAsync<TKey, TState, T>(Flight<T> flight, TKey typedKey, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, FillPolicy policy, IReadOnlyList<string>? tags, CacheFactoryContext? adapt)
        where TKey : struct, ICacheKey<TKey>
    {
        try
        {
            T value;
            bool found;
            using var activity = StartFill(key);
            // True until an await suspends: so far this runs on the leader's caller's stack, which has not begun to
            // wait, so a flight nobody else found can land alone (as a sync leader's does) and hand its value over
            // without the flight's lock (see TryLandLocal).
            var onCallersStack = true;
            try
            {
                found = _l1.Peek(in typedKey, key, flight.Hash, out value);
                if (!found)
                {
                    var read = ReadThroughAsync<TKey, T>(typedKey, key, flight.Token);
                    onCallersStack = read.IsCompleted;
                    found = (await read.ConfigureAwait(false)).TryGetValue(out value);
                }

                if (!found)
                {
                    _l1.PrepareStore(flight.Hash);
                    adapt?.Begin(policy.Ttl);
                    var run = RunFactoryAsync(factory, state, key, flight.Token);
                    onCallersStack &= run.IsCompleted;
                    value = await run.ConfigureAwait(false);
                    if (adapt is not null && !Adapt(adapt, ref policy, ref tags))
                    {
                        flight.Complete(value);
                        return;
                    }
                }
            }
            catch (Exception error)
            {
                Crash(flight, activity, error);
                return;
            }

            if (TryLandLocal(in typedKey, key, value, found, in policy, tags, flight, activity, alone: onCallersStack))
                return;
            var times = FillTimesFor(in policy);
            if (Land(in typedKey, key, value, found, times, flight, flight, activity))
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
        finally
        {
            EndFlight(flight);
        }
    }

    /// <summary>
    /// <see cref="FlyAsync"/> for the commonest async miss: a plain fill, nothing below L1, no tags, no adaptive
    /// factory, nobody tracing. A factory that completes at once is landed here, on the caller's stack, as the sync
    /// leader lands (<see cref="Fly"/>), with no state machine; one still running is awaited by
    /// <see cref="LandLocalAsync"/>, detached from the caller, whose cancellation stops only its own wait.
    /// </summary>
    private ValueTask<T> FlyLocalAsync<TKey, TState, T>(Flight<T> flight, TKey typedKey, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, FillPolicy policy, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        ValueTask<T> run = default;
        var landed = true;
        try
        {
            // The caller's L1 check is a moment old: a flight that just landed may have filled it.
            if (_l1.Peek(in typedKey, key, flight.Hash, out T found))
            {
                flight.Complete(found);
            }
            else
            {
                ReadBelowL1(in typedKey, key, out found); // counts the miss: there is nothing below
                _l1.PrepareStore(flight.Hash);
                run = RunFactoryAsync(factory, state, key, flight.Token);
                landed = false;
            }
        }
        catch (Exception error)
        {
            Crash(flight, activity: null, error);
        }

        if (landed)
        {
            EndFlight(flight);
            return flight.WaitAsync(cancellationToken, release: true);
        }

        if (!run.IsCompletedSuccessfully)
        {
            _ = LandLocalAsync(flight, typedKey, key, run, policy);
            return flight.WaitAsync(cancellationToken, release: true);
        }

        try
        {
            // Completed successfully (checked above): reading its result does not wait.
            TryLandLocal(in typedKey, key, run.Result, found: false, in policy, tags: null, flight, activity: null, alone: true);
        }
        catch (Exception error)
        {
            Crash(flight, activity: null, error);
        }
        finally
        {
            EndFlight(flight);
        }

        return flight.TryTakeLanded(out var outcome) ? outcome : flight.WaitAsync(cancellationToken, release: true);
    }

    // FlyLocalAsync's factory still running: its outcome lands when it arrives. Never throws.
    private async Task LandLocalAsync<TKey, T>(Flight<T> flight, TKey typedKey, string key, ValueTask<T> run, FillPolicy policy)
        where TKey : struct, ICacheKey<TKey>
    {
        try
        {
            TryLandLocal(in typedKey, key, await run.ConfigureAwait(false), found: false, in policy, tags: null, flight, activity: null, alone: false);
        }
        catch (Exception error)
        {
            Crash(flight, activity: null, error);
        }
        finally
        {
            EndFlight(flight);
        }
    }

    // The runner is done with its flight: it leaves the table, the runner's hold ends, and so does the operation its caller entered.
    private void EndFlight<T>(Flight<T> flight)
    {
        _flights.Land(flight);
        FlightTable.Release(flight);
        Exit();
    }

    // The fill's look below L1; with no layer there, the miss is counted and that is all.
    private bool ReadBelowL1<TKey, T>(in TKey typedKey, string key, out T value)
        where TKey : struct, ICacheKey<TKey>
    {
        if (_below.Length != 0)
            return ReadThrough<TKey, T>(in typedKey, key).TryGetValue(out value);
        _metrics.Misses.Increment();
        value = default!;
        return false;
    }

    // L1 first, so a caller arriving after the waiters wake finds the value there; then the waiters get it. A value
    // the key changed under (FillGuard) is handed to the waiters but not stored. True when the fill is storing: the
    // caller writes below L1 and then ends the store.
    private bool Land<TKey, T>(in TKey typedKey, string key, T value, bool found, in EntryTimes times, FillState fill, Flight<T> flight, Activity? activity)
        where TKey : struct, ICacheKey<TKey>
    {
        activity?.SetTag("cache.hit", found);
        var stored = !found && StoreLocal(in typedKey, key, value, in times, fill);
        flight.Complete(value);
        return stored;
    }

    // A miss that writes nothing below L1 (no layer there, no tags) lands in one lock: the L1 store unless the key
    // changed, and the value to the waiters (Land, and EndStore, in one). False: land the long way. A plain entry's
    // TTL starts now in L1's own clock: no instants to compute and convert back. With alone (the leader runs on its
    // caller's stack: a sync leader, or an async one none of whose awaits suspended), a flight nobody else found stores
    // and leaves the table in one lock, the table's: no waiter to hand the value to, no change of the key could have
    // marked it (see FlightTable.TryClaimAlone), and the caller reads the outcome on this thread once the leader returns.
    private bool TryLandLocal<TKey, T>(in TKey typedKey, string key, T value, bool found, in FillPolicy policy, IReadOnlyList<string>? tags, Flight<T> flight, Activity? activity, bool alone)
        where TKey : struct, ICacheKey<TKey>
    {
        if (found || _below.Length != 0 || tags is not null)
            return false;
        activity?.SetTag("cache.hit", false);
        if (policy.IsPlain && alone && _flights.TryClaimAlone(flight))
        {
            try
            {
                _l1.Store(in typedKey, key, flight.Hash, value, policy.Ttl);
            }
            finally
            {
                _flights.LeaveAlone(flight);
            }

            flight.LandedAlone(value);
            return true;
        }

        if (policy.IsPlain)
            flight.StoreAndComplete(value, (_l1, typedKey, key, flight.Hash, value, policy.Ttl), static s => s.Item1.Store(in s.Item2, s.Item3, s.Item4, s.Item5, s.Item6));
        else
            flight.StoreAndComplete(value, (_l1, typedKey, key, flight.Hash, value, FillTimesFor(in policy)), static s => s.Item1.Store(in s.Item2, s.Item3, s.Item4, s.Item5, in s.Item6));
        return true;
    }

    // The fill's L1 store, unless the key changed since the fill began; then changes wait for EndStore.
    private bool StoreLocal<TKey, T>(in TKey typedKey, string key, T value, in EntryTimes times, FillState fill)
        where TKey : struct, ICacheKey<TKey> =>
        fill.TryStore((_l1, typedKey, key, value, times), static s => s.Item1.Store(in s.Item2, s.Item3, s.Item4, in s.Item5));

    // Every waiter gets the exception; the caller's finally removes the flight, so the next caller starts afresh.
    private static void Crash<T>(Flight<T> flight, Activity? activity, Exception error)
    {
        activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
        flight.Fail(error);
    }

    private T CreateUnshared<TKey, TState, T>(in TKey typedKey, string key, TState state, Func<TState, T> factory, FillPolicy policy, IReadOnlyList<string>? tags, CacheFactoryContext? adapt)
        where TKey : struct, ICacheKey<TKey>
    {
        var fill = _fillGuard.Begin(key);
        try
        {
            if (_l1.Peek(in typedKey, key, out T value) || ReadThrough<TKey, T>(in typedKey, key).TryGetValue(out value))
                return value;
            adapt?.Begin(policy.Ttl);
            value = RunFactory(factory, state, key);
            if (adapt is not null && !Adapt(adapt, ref policy, ref tags))
                return value;
            var times = FillTimesFor(in policy);
            if (!StoreLocal(in typedKey, key, value, in times, fill))
                return value;
            try
            {
                WriteBelow(key, value, times, tags, _below.Length, "set");
            }
            finally
            {
                fill.EndStore();
            }

            return value;
        }
        finally
        {
            _fillGuard.End(key, fill);
        }
    }

    private async ValueTask<T> CreateUnsharedAsync<TKey, TState, T>(TKey typedKey, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, FillPolicy policy, IReadOnlyList<string>? tags, CancellationToken cancellationToken, CacheFactoryContext? adapt)
        where TKey : struct, ICacheKey<TKey>
    {
        var fill = _fillGuard.Begin(key);
        try
        {
            if (_l1.Peek(in typedKey, key, out T value) || (await ReadThroughAsync<TKey, T>(typedKey, key, cancellationToken).ConfigureAwait(false)).TryGetValue(out value))
                return value;
            adapt?.Begin(policy.Ttl);
            value = await RunFactoryAsync(factory, state, key, cancellationToken).ConfigureAwait(false);
            if (adapt is not null && !Adapt(adapt, ref policy, ref tags))
                return value;
            var times = FillTimesFor(in policy);
            if (!StoreLocal(in typedKey, key, value, in times, fill))
                return value;
            try
            {
                await WriteBelowAsync(key, value, times, tags, _below.Length, "set", cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                fill.EndStore();
            }

            return value;
        }
        finally
        {
            _fillGuard.End(key, fill);
        }
    }

    // What an adaptive factory decided: false when the result is not to be cached; else its TTL and tags.
    private static bool Adapt(CacheFactoryContext adapt, ref FillPolicy policy, ref IReadOnlyList<string>? tags)
    {
        if (!adapt.WillCache)
            return false;
        policy = policy.WithTtl(adapt.Ttl);
        tags = adapt.StoredTags();
        return true;
    }

    // One span per miss of L1 (never per hit; the key only with TraceKeys).
    private Activity? StartFill(string key) => StartSpan("cachka.get_or_create", key);
}

internal static class CacheResultExtensions
{
    public static bool TryGetValue<T>(this CacheResult<T> result, out T value)
    {
        value = result.Value;
        return result.HasValue;
    }
}

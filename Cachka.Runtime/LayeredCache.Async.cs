namespace Cachka;

// The async path: every layer is called through its async members. The leader of a flight runs the
// lookup and factory detached from its own await, so its cancellation stops only its own wait.
public sealed partial class LayeredCache
{
    public async ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default) =>
        (await TryGetAsync<T>(key, cancellationToken).ConfigureAwait(false)).Value;

    public ValueTask<CacheResult<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        Guard.Key(key);
        if (TryL1(default(StringKey), key, out _, out T value))
            return new ValueTask<CacheResult<T>>(new CacheResult<T>(true, value));
        Enter();
        return ExitAfter(ReadLayersAsync<StringKey, T>(default, key, FirstBelowL1, cancellationToken));
    }

    public ValueTask SetAsync<T>(string key, T value, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        SetAsync(key, value, new CacheEntryOptions(ttl), cancellationToken);

    public ValueTask SetAsync<T>(string key, T value, CacheEntryOptions options, CancellationToken cancellationToken = default)
    {
        Guard.Key(key);
        var ttl = ResolveOptions(options);
        Enter();
        return ExitAfter(WriteLayersAsync<StringKey, T>(default, key, value, ExpiryFor(ttl), options.Tags, 0, cancellationToken));
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Guard.Key(key);
        Enter();
        return ExitAfter(DeleteLayersAsync(key, cancellationToken));
    }

    private async ValueTask<bool> DeleteLayersAsync(string key, CancellationToken cancellationToken)
    {
        var removed = false;
        foreach (var slot in _layers)
        {
            if (!slot.TryEnterWrite(key))
                continue;
            try
            {
                removed |= await slot.Layer.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                slot.Wrote(key);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                MissedFrom(slot.Index, key);
                throw;
            }
            catch (Exception error)
            {
                slot.WriteFailed(key, "delete", error);
            }
        }

        return removed;
    }

    public ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken = default)
    {
        Enter();
        return ExitAfter(CleanupLayersAsync(cancellationToken));
    }

    private async ValueTask<int> CleanupLayersAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var slot in _layers)
        {
            if (!slot.TryEnter())
                continue;
            try
            {
                removed += await slot.Layer.CleanupExpiredAsync(cancellationToken).ConfigureAwait(false);
                slot.Succeeded();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception error)
            {
                slot.Failed("cleanup", error);
            }
        }

        return removed;
    }

    public ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        TagIndex.ValidTag(tag);
        Enter();
        return ExitAfter(InvalidateTagLayersAsync(tag, cancellationToken));
    }

    private async ValueTask InvalidateTagLayersAsync(string tag, CancellationToken cancellationToken)
    {
        // The keys tagged in this process, and those a layer recorded with the tag (other processes, earlier runs).
        var keys = new HashSet<string>(_tags.Take(tag), StringComparer.Ordinal);
        for (var i = 0; i < _layers.Length; i++)
        {
            var slot = _layers[i];
            if (!slot.TryEnter())
            {
                slot.MissedTag(tag);
                continue;
            }

            try
            {
                keys.UnionWith(await slot.Layer.InvalidateTagAsync(tag, cancellationToken).ConfigureAwait(false));
                slot.Succeeded();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Left unfinished at the caller's request: the layers not reached replay it once repaired.
                for (var rest = i; rest < _layers.Length; rest++)
                    _layers[rest].MissedTag(tag);
                throw;
            }
            catch (Exception error)
            {
                slot.MissedTag(tag);
                slot.Failed("invalidate_tag", error);
            }
        }

        foreach (var key in keys)
            await DeleteLayersAsync(key, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrCreateAsync(key, factory, static (f, ct) => f(ct), new CacheEntryOptions(ttl), cancellationToken);
    }

    public ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
    {
        Guard.Key(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (TryL1(default(StringKey), key, out _, out T value))
            return new ValueTask<T>(value);
        return GetOrCreateSlowAsync(default(StringKey), key, state, factory, options, cancellationToken);
    }

    public ValueTask<T> GetOrCreateAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (TryL1(in key, null, out _, out T value))
            return new ValueTask<T>(value);
        return GetOrCreateSlowAsync(key, key.ToKeyString(), state, factory, options, cancellationToken);
    }

    public Task<T> GetOrCreateTaskAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (TryL1(in key, null, out var entry, out T value))
            return MemoryCacheLayer.CompletedTask(entry!, value);
        return GetOrCreateSlowAsync(key, key.ToKeyString(), state, factory, options, cancellationToken).AsTask();
    }

    private ValueTask<T> GetOrCreateSlowAsync<TKey, TState, T>(TKey typedKey, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        var ttl = ResolveOptions(options);
        // The leader's flight (or the unshared call) is one operation until its value is stored; a caller
        // that only waits for another's flight touches no layer.
        Enter();
        if (cancellationToken.IsCancellationRequested)
        {
            Exit();
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        Flight<T>? flight;
        bool leader;
        try
        {
            flight = _flights.Join<T>(key, cancellationToken, out leader);
        }
        catch
        {
            Exit();
            throw;
        }

        if (flight is null)
            return ExitAfter(CreateUnsharedAsync(typedKey, key, state, factory, ttl, options.Tags, cancellationToken));
        if (leader)
            _ = FlyAsync(flight, typedKey, key, state, factory, ttl, options.Tags);
        else
            Exit();
        return flight.WaitAsync(cancellationToken);
    }

    // Never throws: the outcome, value or exception, goes to every caller waiting on the flight. Exits the
    // operation its caller entered once the value is stored.
    private async Task FlyAsync<TKey, TState, T>(Flight<T> flight, TKey typedKey, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, TimeSpan ttl, IReadOnlyList<string>? tags)
        where TKey : struct, ICacheKey<TKey>
    {
        try
        {
            await FlyCoreAsync(flight, typedKey, key, state, factory, ttl, tags).ConfigureAwait(false);
        }
        finally
        {
            Exit();
        }
    }

    private async Task FlyCoreAsync<TKey, TState, T>(Flight<T> flight, TKey typedKey, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, TimeSpan ttl, IReadOnlyList<string>? tags)
        where TKey : struct, ICacheKey<TKey>
    {
        T value;
        bool found;
        using var activity = StartFill();
        try
        {
            found = PeekL1(in typedKey, key, out value);
            if (!found)
            {
                var read = await ReadLayersAsync<TKey, T>(typedKey, key, FirstBelowL1, flight.Token).ConfigureAwait(false);
                found = read.HasValue;
                value = read.HasValue ? read.Value : await factory(state, flight.Token).ConfigureAwait(false);
            }

            activity?.SetTag("cache.hit", found);
        }
        catch (Exception error)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.GetType().Name);
            flight.Fail(error);
            _flights.Land(key, flight);
            return;
        }

        // L1 first, so a caller arriving after the waiters wake finds the value there.
        var expiresAt = ExpiryFor(ttl);
        if (!found && _l1 is not null)
            StoreL1(in typedKey, key, value, expiresAt);
        flight.Complete(value);
        try
        {
            if (!found)
                await WriteLayersAsync(typedKey, key, value, expiresAt, tags, FirstBelowL1, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Log.LayerFailed(_logger, Name, "set", error);
        }
        finally
        {
            _flights.Land(key, flight);
        }
    }

    private async ValueTask<T> CreateUnsharedAsync<TKey, TState, T>(TKey typedKey, string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, TimeSpan ttl, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        if (PeekL1(in typedKey, key, out T existing))
            return existing;
        var read = await ReadLayersAsync<TKey, T>(typedKey, key, FirstBelowL1, cancellationToken).ConfigureAwait(false);
        if (read.HasValue)
            return read.Value;
        var value = await factory(state, cancellationToken).ConfigureAwait(false);
        await WriteLayersAsync(typedKey, key, value, ExpiryFor(ttl), tags, 0, cancellationToken).ConfigureAwait(false);
        return value;
    }

    private async ValueTask<CacheResult<T>> ReadLayersAsync<TKey, T>(TKey typedKey, string key, int from, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        for (var i = from; i < _layers.Length; i++)
        {
            var slot = _layers[i];
            if (slot.MayBeStale(key) || !slot.TryEnter())
                continue;
            CacheLayerHit<T> hit;
            try
            {
                hit = await slot.Layer.GetAsync<T>(key, cancellationToken).ConfigureAwait(false);
                slot.Succeeded();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception error)
            {
                slot.Failed("get", error);
                continue;
            }

            if (!hit.Found || !IsLive(hit.ExpiresAt))
                continue;
            slot.Hits.Increment();
            await PromoteAsync(typedKey, key, hit.Value, hit.ExpiresAt, i, cancellationToken).ConfigureAwait(false);
            return new CacheResult<T>(true, hit.Value);
        }

        _metrics.Misses.Increment();
        return CacheResult<T>.Miss;
    }

    private async ValueTask PromoteAsync<TKey, T>(TKey typedKey, string key, T value, DateTimeOffset expiresAt, int hitLayer, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        for (var i = 0; i < hitLayer; i++)
        {
            if (i == 0 && _l1 is not null)
            {
                StoreL1(in typedKey, key, value, expiresAt);
                continue;
            }

            var slot = _layers[i];
            if (!slot.TryEnterWrite(key))
                continue;
            try
            {
                await slot.Layer.SetAsync(key, value, expiresAt, cancellationToken).ConfigureAwait(false);
                slot.Wrote(key);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                MissedFrom(i, key);
                throw;
            }
            catch (Exception error)
            {
                slot.WriteFailed(key, "promote", error);
            }
        }
    }

    private async ValueTask WriteLayersAsync<TKey, T>(TKey typedKey, string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string>? tags, int from, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        _tags.Add(key, tags);
        for (var i = from; i < _layers.Length; i++)
        {
            if (i == 0 && _l1 is not null)
            {
                StoreL1(in typedKey, key, value, expiresAt);
                continue;
            }

            var slot = _layers[i];
            if (!slot.TryEnterWrite(key))
                continue;
            try
            {
                if (tags is { Count: > 0 })
                    await slot.Layer.SetAsync(key, value, expiresAt, tags, cancellationToken).ConfigureAwait(false);
                else
                    await slot.Layer.SetAsync(key, value, expiresAt, cancellationToken).ConfigureAwait(false);
                slot.Wrote(key);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                MissedFrom(i, key);
                throw;
            }
            catch (Exception error)
            {
                slot.WriteFailed(key, "set", error);
            }
        }
    }

    public ValueTask<CacheHealth> HealthCheckAsync(CancellationToken cancellationToken = default)
    {
        Enter();
        return ExitAfter(CheckLayersAsync(cancellationToken));
    }

    private async ValueTask<CacheHealth> CheckLayersAsync(CancellationToken cancellationToken)
    {
        var layers = new LayerHealth[_layers.Length];
        var healthy = 0;
        var worstBreaker = "CLOSED";
        for (var i = 0; i < _layers.Length; i++)
        {
            var slot = _layers[i];
            var breaker = slot.BreakerState;
            if (breaker == "OPEN" || (breaker == "HALF_OPEN" && worstBreaker == "CLOSED"))
                worstBreaker = breaker;
            // A layer that knows it is not working as configured (its file is gone, replaced or not Cachka's) says so
            // first, open breaker or not: a probe could otherwise succeed against the wrong file.
            var problem = (slot.Layer as ILayerPrecheck)?.Problem();
            layers[i] = problem is not null ? new LayerHealth(slot.Layer.Name, CacheHealth.Unhealthy, breaker, TimeSpan.Zero, problem)
                : breaker == "OPEN" ? new LayerHealth(slot.Layer.Name, CacheHealth.Unhealthy, breaker, TimeSpan.Zero, "circuit breaker open: the layer is skipped")
                : await ProbeAsync(slot, cancellationToken).ConfigureAwait(false);
            layers[i] = layers[i] with { MissedKeys = slot.MissedCount };
            if (layers[i].Status == CacheHealth.Healthy)
                healthy++;
        }

        var status = healthy == _layers.Length ? CacheHealth.Healthy : healthy > 0 ? CacheHealth.Degraded : CacheHealth.Unhealthy;
        return new CacheHealth(status, worstBreaker, _layers.Length, layers);
    }

    // Writes, reads back and deletes a short-lived probe key in one layer (never through the pipeline,
    // so the probe neither lands in other layers nor moves the breaker).
    private async ValueTask<LayerHealth> ProbeAsync(LayerSlot slot, CancellationToken cancellationToken)
    {
        var started = _clock.Time.GetTimestamp();
        var key = ProbeKey();
        string? error = null;
        if (slot.Layer is MemoryCacheLayer memory)
        {
            var ok = memory.SelfTest(key, _clock.UtcNow.AddSeconds(10));
            return new LayerHealth(memory.Name, ok ? CacheHealth.Healthy : CacheHealth.Unhealthy, slot.BreakerState, _clock.Time.GetElapsedTime(started),
                ok ? null : "the probe value written was not read back");
        }

        try
        {
            await slot.Layer.SetAsync(key, "ok", _clock.UtcNow.AddSeconds(10), cancellationToken).ConfigureAwait(false);
            var hit = await slot.Layer.GetAsync<string>(key, cancellationToken).ConfigureAwait(false);
            if (!hit.Found || hit.Value != "ok")
                error = "the probe value written was not read back";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception failure)
        {
            error = $"{failure.GetType().Name}: {failure.Message}";
        }
        finally
        {
            try
            {
                await slot.Layer.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                error ??= $"{failure.GetType().Name}: {failure.Message}";
            }
        }

        return new LayerHealth(slot.Layer.Name, error is null ? CacheHealth.Healthy : CacheHealth.Unhealthy, slot.BreakerState, _clock.Time.GetElapsedTime(started), error);
    }

    internal async Task RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        foreach (var slot in _layers)
        {
            if (cancellationToken.IsCancellationRequested)
                return;
            if (!slot.TryEnter())
                continue;
            try
            {
                var removed = await slot.Layer.RunMaintenanceAsync(cancellationToken).ConfigureAwait(false);
                slot.Succeeded();
                Log.MaintenanceRan(_logger, slot.Layer.Name, removed);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                slot.Failed("maintenance", error);
                Log.MaintenanceFailed(_logger, slot.Layer.Name, error);
            }
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (!_rundown.Close())
            return;
        CacheRegistry.Forget(this);
        CachkaTelemetry.Unregister(this);
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
}

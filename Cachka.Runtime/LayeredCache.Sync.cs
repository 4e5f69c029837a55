namespace Cachka;

// The sync path: every layer is called through its sync members; waiting for another caller's
// factory blocks on a monitor, never on a task.
public sealed partial class LayeredCache
{
    public T? Get<T>(string key) => TryGet<T>(key).Value;

    public CacheResult<T> TryGet<T>(string key)
    {
        Guard.Key(key);
        if (TryL1(default(StringKey), key, out _, out T value))
            return new CacheResult<T>(true, value);
        Enter();
        try
        {
            return ReadLayers(default(StringKey), key, FirstBelowL1, out value) ? new CacheResult<T>(true, value) : CacheResult<T>.Miss;
        }
        finally
        {
            Exit();
        }
    }

    public void Set<T>(string key, T value, TimeSpan? ttl = null) => Set(key, value, new CacheEntryOptions(ttl));

    public void Set<T>(string key, T value, CacheEntryOptions options)
    {
        Guard.Key(key);
        var ttl = ResolveOptions(options);
        Enter();
        try
        {
            WriteLayers(default(StringKey), key, value, ExpiryFor(ttl), options.Tags, from: 0);
        }
        finally
        {
            Exit();
        }
    }

    public bool Delete(string key)
    {
        Guard.Key(key);
        Enter();
        try
        {
            return DeleteLayers(key);
        }
        finally
        {
            Exit();
        }
    }

    private bool DeleteLayers(string key)
    {
        var removed = false;
        foreach (var slot in _layers)
        {
            if (!slot.TryEnterWrite(key))
                continue;
            try
            {
                removed |= slot.Layer.Delete(key);
                slot.Wrote(key);
            }
            catch (Exception error)
            {
                slot.WriteFailed(key, "delete", error);
            }
        }

        return removed;
    }

    public int CleanupExpired()
    {
        Enter();
        try
        {
            return CleanupLayers();
        }
        finally
        {
            Exit();
        }
    }

    private int CleanupLayers()
    {
        var removed = 0;
        foreach (var slot in _layers)
        {
            if (!slot.TryEnter())
                continue;
            try
            {
                removed += slot.Layer.CleanupExpired();
                slot.Succeeded();
            }
            catch (Exception error)
            {
                slot.Failed("cleanup", error);
            }
        }

        return removed;
    }

    public void InvalidateTag(string tag)
    {
        TagIndex.ValidTag(tag);
        Enter();
        try
        {
            InvalidateTagLayers(tag);
        }
        finally
        {
            Exit();
        }
    }

    private void InvalidateTagLayers(string tag)
    {
        // The keys tagged in this process, and those a layer recorded with the tag (other processes, earlier runs).
        var keys = new HashSet<string>(_tags.Take(tag), StringComparer.Ordinal);
        foreach (var slot in _layers)
        {
            if (!slot.TryEnter())
            {
                slot.MissedTag(tag);
                continue;
            }

            try
            {
                keys.UnionWith(slot.Layer.InvalidateTag(tag));
                slot.Succeeded();
            }
            catch (Exception error)
            {
                slot.MissedTag(tag);
                slot.Failed("invalidate_tag", error);
            }
        }

        foreach (var key in keys)
            DeleteLayers(key);
    }

    public T GetOrCreate<T>(string key, Func<T> factory, TimeSpan? ttl = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrCreate(key, factory, static f => f(), new CacheEntryOptions(ttl));
    }

    public T GetOrCreate<TState, T>(string key, TState state, Func<TState, T> factory, CacheEntryOptions options = default)
    {
        Guard.Key(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (TryL1(default(StringKey), key, out _, out T value))
            return value;
        return GetOrCreateSlow(default(StringKey), key, state, factory, options);
    }

    public T GetOrCreate<TKey, TState, T>(in TKey key, TState state, Func<TState, T> factory, CacheEntryOptions options = default)
        where TKey : struct, ICacheKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (TryL1(in key, null, out _, out T value))
            return value;
        return GetOrCreateSlow(in key, key.ToKeyString(), state, factory, options);
    }

    private T GetOrCreateSlow<TKey, TState, T>(in TKey typedKey, string key, TState state, Func<TState, T> factory, CacheEntryOptions options)
        where TKey : struct, ICacheKey<TKey>
    {
        var ttl = ResolveOptions(options);
        // The leader's flight (or the unshared call) is one operation until its value is stored; a caller
        // that only waits for another's flight touches no layer.
        Enter();
        Flight<T>? flight;
        bool leader;
        try
        {
            flight = _flights.Join<T>(key, CancellationToken.None, out leader);
        }
        catch
        {
            Exit();
            throw;
        }

        if (flight is not null && !leader)
        {
            Exit();
            return flight.BlockUntilLanded();
        }

        try
        {
            return Fly(in typedKey, key, state, factory, ttl, options.Tags, flight);
        }
        finally
        {
            Exit();
        }
    }

    // The leader's (or an unshared caller's) lookup, factory call and store.
    private T Fly<TKey, TState, T>(in TKey typedKey, string key, TState state, Func<TState, T> factory, TimeSpan ttl, IReadOnlyList<string>? tags, Flight<T>? flight)
        where TKey : struct, ICacheKey<TKey>
    {
        if (flight is null)
        {
            // Another caller is computing this key with a different value type: run unshared.
            if (PeekL1(in typedKey, key, out T existing) || ReadLayers(in typedKey, key, FirstBelowL1, out existing))
                return existing;
            var unshared = factory(state);
            WriteLayers(in typedKey, key, unshared, ExpiryFor(ttl), tags, from: 0);
            return unshared;
        }

        T value;
        bool found;
        using var activity = StartFill();
        try
        {
            // The caller's L1 check is a moment old: a flight that just landed may have filled it.
            found = PeekL1(in typedKey, key, out value) || ReadLayers(in typedKey, key, FirstBelowL1, out value);
            if (!found)
                value = factory(state);
            activity?.SetTag("cache.hit", found);
        }
        catch (Exception error)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.GetType().Name);
            flight.Fail(error);
            _flights.Land(key, flight);
            throw;
        }

        // L1 first, so a caller arriving after the waiters wake finds the value there.
        var expiresAt = ExpiryFor(ttl);
        if (!found && _l1 is not null)
            StoreL1(in typedKey, key, value, expiresAt);
        flight.Complete(value);
        try
        {
            if (!found)
                WriteLayers(in typedKey, key, value, expiresAt, tags, FirstBelowL1);
        }
        finally
        {
            _flights.Land(key, flight);
        }

        return value;
    }

    private int FirstBelowL1 => _l1 is null ? 0 : 1;

    private bool PeekL1<TKey, T>(in TKey typedKey, string key, out T value)
        where TKey : struct, ICacheKey<TKey>
    {
        if (_l1 is not null)
        {
            var entry = _l1.Find(key, countMiss: false);
            if (entry is not null && Values.TryCast(entry.Value, out value))
            {
                AttachL1(in typedKey, entry);
                return true;
            }
        }

        value = default!;
        return false;
    }

    /// <summary>Reads layers <paramref name="from"/>..n; a hit is copied up with its remaining TTL. Counts a miss when nothing is found.</summary>
    private bool ReadLayers<TKey, T>(in TKey typedKey, string key, int from, out T value)
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
                hit = slot.Layer.Get<T>(key);
                slot.Succeeded();
            }
            catch (Exception error)
            {
                slot.Failed("get", error);
                continue;
            }

            if (!hit.Found || !IsLive(hit.ExpiresAt))
                continue;
            slot.Hits.Increment();
            Promote(in typedKey, key, hit.Value, hit.ExpiresAt, i);
            value = hit.Value;
            return true;
        }

        _metrics.Misses.Increment();
        value = default!;
        return false;
    }

    private void Promote<TKey, T>(in TKey typedKey, string key, T value, DateTimeOffset expiresAt, int hitLayer)
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
                slot.Layer.Set(key, value, expiresAt);
                slot.Wrote(key);
            }
            catch (Exception error)
            {
                slot.WriteFailed(key, "promote", error);
            }
        }
    }

    private void WriteLayers<TKey, T>(in TKey typedKey, string key, T value, DateTimeOffset expiresAt, IReadOnlyList<string>? tags, int from)
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
                    slot.Layer.Set(key, value, expiresAt, tags);
                else
                    slot.Layer.Set(key, value, expiresAt);
                slot.Wrote(key);
            }
            catch (Exception error)
            {
                slot.WriteFailed(key, "set", error);
            }
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
        if (!_rundown.Close())
            return;
        CacheRegistry.Forget(this);
        CachkaTelemetry.Unregister(this);
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
}

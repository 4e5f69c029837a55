namespace Cachka;

/// <summary>
/// A multi-layer cache (what <see cref="CacheRegistry.Get"/> returns). Every member has a native sync
/// and async form. A failing layer never fails a call: it is skipped and counted. Caller mistakes
/// (null or empty key, TTL &lt;= 0) throw at once.
/// </summary>
public interface ICache : IAsyncDisposable, IDisposable
{
    /// <summary>The cache's name (<see cref="CacheConfig.Name"/>).</summary>
    string Name { get; }

    /// <summary>The value, or default on a miss (use <see cref="TryGetAsync{T}"/> to tell a cached default apart).</summary>
    ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="GetAsync{T}"/>
    T? Get<T>(string key);

    /// <summary>Reads through the layers; a hit in a lower layer is copied up with its remaining TTL.</summary>
    ValueTask<CacheResult<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="TryGetAsync{T}"/>
    CacheResult<T> TryGet<T>(string key);

    /// <summary>Writes through to every layer. <paramref name="ttl"/> defaults to <see cref="CacheConfig.DefaultTtl"/>; &lt;= 0 throws.</summary>
    ValueTask SetAsync<T>(string key, T value, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SetAsync{T}(string, T, TimeSpan?, CancellationToken)"/>
    void Set<T>(string key, T value, TimeSpan? ttl = null);

    /// <summary>Writes through to every layer with tags.</summary>
    ValueTask SetAsync<T>(string key, T value, CacheEntryOptions options, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SetAsync{T}(string, T, CacheEntryOptions, CancellationToken)"/>
    void Set<T>(string key, T value, CacheEntryOptions options);

    /// <summary>Removes the key from every layer; true when some layer held it.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="DeleteAsync"/>
    bool Delete(string key);

    /// <summary>Removes expired entries from every layer; returns how many.</summary>
    ValueTask<int> CleanupExpiredAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="CleanupExpiredAsync"/>
    int CleanupExpired();

    /// <summary>
    /// The cached value, or the factory's result stored in every layer. Concurrent callers of one key
    /// run the factory once and share its result or exception; one caller's cancellation stops only
    /// its own wait (the factory's token is cancelled when every waiting caller has cancelled).
    /// </summary>
    ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="GetOrCreateAsync{T}(string, Func{CancellationToken, ValueTask{T}}, TimeSpan?, CancellationToken)"/>
    ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default);

    /// <summary>The cached value, or the factory's result stored in every layer; concurrent callers of one key run the factory once.</summary>
    T GetOrCreate<T>(string key, Func<T> factory, TimeSpan? ttl = null);

    /// <inheritdoc cref="GetOrCreate{T}(string, Func{T}, TimeSpan?)"/>
    T GetOrCreate<TState, T>(string key, TState state, Func<TState, T> factory, CacheEntryOptions options = default);

    /// <summary>
    /// An adaptive fill: the factory also gets a <see cref="CacheFactoryContext"/> on which it may set the entry's TTL
    /// and tags from its result, or decline to cache it (<see cref="CacheFactoryContext.DoNotCache"/>). Concurrent
    /// callers of the key share the one run and its decision.
    /// </summary>
    T GetOrCreate<TState, T>(string key, TState state, Func<TState, CacheFactoryContext, T> factory, CacheEntryOptions options = default);

    /// <inheritdoc cref="GetOrCreate{TState, T}(string, TState, Func{TState, CacheFactoryContext, T}, CacheEntryOptions)"/>
    ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="GetOrCreate{TState, T}(string, TState, Func{TState, T}, CacheEntryOptions)"/> with a typed key:
    /// an L1 hit compares the key's parts and never builds the string. Used by generated code.
    /// </summary>
    T GetOrCreate<TKey, TState, T>(in TKey key, TState state, Func<TState, T> factory, CacheEntryOptions options = default)
        where TKey : struct, ICacheKey<TKey> =>
        GetOrCreate(key.ToKeyString(), state, factory, options);

    /// <summary>The typed-key form of <see cref="GetOrCreateAsync{TState, T}(string, TState, Func{TState, CancellationToken, ValueTask{T}}, CacheEntryOptions, CancellationToken)"/>.</summary>
    ValueTask<T> GetOrCreateAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey> =>
        GetOrCreateAsync(key.ToKeyString(), state, factory, options, cancellationToken);

    /// <summary>As the typed <c>GetOrCreateAsync</c>, for <see cref="Task{T}"/>-returning callers: a hit returns one reused completed task.</summary>
    Task<T> GetOrCreateTaskAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey> =>
        GetOrCreateAsync(key.ToKeyString(), state, factory, options, cancellationToken).AsTask();

    /// <summary>The adaptive <see cref="GetOrCreate{TState, T}(string, TState, Func{TState, CacheFactoryContext, T}, CacheEntryOptions)"/> by a typed key (what generated code calls).</summary>
    T GetOrCreate<TKey, TState, T>(in TKey key, TState state, Func<TState, CacheFactoryContext, T> factory, CacheEntryOptions options = default)
        where TKey : struct, ICacheKey<TKey> =>
        GetOrCreate(key.ToKeyString(), state, factory, options);

    /// <summary>The adaptive <see cref="GetOrCreateAsync{TState, T}(string, TState, Func{TState, CacheFactoryContext, CancellationToken, ValueTask{T}}, CacheEntryOptions, CancellationToken)"/> by a typed key.</summary>
    ValueTask<T> GetOrCreateAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey> =>
        GetOrCreateAsync(key.ToKeyString(), state, factory, options, cancellationToken);

    /// <summary>As the adaptive typed-key <c>GetOrCreateAsync</c>, as a <see cref="Task{T}"/>.</summary>
    Task<T> GetOrCreateTaskAsync<TKey, TState, T>(in TKey key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options = default, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey> =>
        GetOrCreateAsync(key.ToKeyString(), state, factory, options, cancellationToken).AsTask();

    /// <summary>Removes every entry written with <paramref name="tag"/> from every layer.</summary>
    ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="InvalidateTagAsync"/>
    void InvalidateTag(string tag);

    /// <summary>Probes every layer with a short-lived key (then deletes it) and reports each layer's state.</summary>
    ValueTask<CacheHealth> HealthCheckAsync(CancellationToken cancellationToken = default);

    /// <summary>The cache's counters in the Prometheus text exposition format.</summary>
    string GetMetricsText();
}

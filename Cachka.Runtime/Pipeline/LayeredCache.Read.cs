using System.Runtime.CompilerServices;
using Cachka.Layers;
using Cachka.Telemetry;

namespace Cachka.Pipeline;

// Reads: L1 first, then each layer below it in turn; the first live hit is copied up with its remaining TTL.
internal sealed partial class LayeredCache
{
    public T? Get<T>(string key) => TryGet<T>(key).Value;

    public async ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default) =>
        (await TryGetAsync<T>(key, cancellationToken).ConfigureAwait(false)).Value;

    public CacheResult<T> TryGet<T>(string key)
    {
        if (TryL1(key, out T value))
            return new CacheResult<T>(true, value);
        Enter();
        try
        {
            return ReadThrough<StringKey, T>(default, key);
        }
        finally
        {
            Exit();
        }
    }

    public ValueTask<CacheResult<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        if (TryL1(key, out T value))
            return new ValueTask<CacheResult<T>>(new CacheResult<T>(true, value));
        Enter();
        return ExitAfter(ReadThroughAsync<StringKey, T>(default, key, cancellationToken));
    }

    // The string-keyed L1 lookup every public string-keyed read starts with (the key is checked first).
    private bool TryL1<T>(string key, out T value)
    {
        Guard.Key(key);
        return _l1.TryGet(default(StringKey), key, out _, out value);
    }

    /// <summary>Reads the layers below L1; a hit is copied into L1 and the layers above the one that held it.</summary>
    private CacheResult<T> ReadThrough<TKey, T>(in TKey typedKey, string key)
        where TKey : struct, ICacheKey<TKey>
    {
        using var activity = _below.Length > 0 ? StartSpan("cachka.get", key) : null;
        var start = StartBelow();
        var epoch = CoherenceEpoch;
        var found = ReadBelow<T>(key);
        if (found.Found)
            Promote(in typedKey, key, in found, epoch);
        EndBelow(CacheOperation.Get, start);
        Outcome(activity, found.Found, found.Layer);
        return found.ToResult();
    }

    /// <inheritdoc cref="ReadThrough{TKey, T}"/>
    // Pooled: awaited once, by the pipeline; a miss that reaches a remote layer allocates no state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<CacheResult<T>> ReadThroughAsync<TKey, T>(TKey typedKey, string key, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        using var activity = _below.Length > 0 ? StartSpan("cachka.get", key) : null;
        var start = StartBelow();
        var epoch = CoherenceEpoch;
        var found = await ReadBelowAsync<T>(key, cancellationToken).ConfigureAwait(false);
        if (found.Found)
            await PromoteAsync(typedKey, key, found, epoch, cancellationToken).ConfigureAwait(false);
        EndBelow(CacheOperation.Get, start);
        Outcome(activity, found.Found, found.Layer);
        return found.ToResult();
    }

    private BelowHit<T> ReadBelow<T>(string key)
    {
        for (var i = 0; i < _below.Length; i++)
        {
            if (IsLiveHit(_below[i], _below[i].Run<GetOperation<T>, CacheLayerHit<T>>(LayerAccess.Read(key), new(key)), out var hit))
                return new BelowHit<T>(hit, i);
        }

        return MissBelow<T>();
    }

    // Pooled: awaited once, by the pipeline; a miss that reaches a remote layer allocates no state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BelowHit<T>> ReadBelowAsync<T>(string key, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _below.Length; i++)
        {
            if (IsLiveHit(_below[i], await _below[i].RunAsync<GetOperation<T>, CacheLayerHit<T>>(LayerAccess.Read(key), new(key), cancellationToken).ConfigureAwait(false), out var hit))
                return new BelowHit<T>(hit, i);
        }

        return MissBelow<T>();
    }

    private bool IsLiveHit<T>(LayerSlot slot, in CacheLayerHit<T> read, out CacheLayerHit<T> hit)
    {
        hit = read;
        if (!read.Found || !IsLive(read.ExpiresAt))
            return false;
        slot.Hits.Increment();
        return true;
    }

    private BelowHit<T> MissBelow<T>()
    {
        _metrics.Misses.Increment();
        return default;
    }

    // Copies use the hit's own expiry, so no copy outlives the original; a copy read before a change made
    // elsewhere arrived is not kept (see LayeredCache.Coherence.cs).
    private void Promote<TKey, T>(in TKey typedKey, string key, in BelowHit<T> found, long epoch)
        where TKey : struct, ICacheKey<TKey>
    {
        if (StoreCopy(in typedKey, key, in found, epoch))
            WriteBelow(key, found.Hit.Value, found.Hit.ExpiresAt, tags: null, found.Layer, "promote");
    }

    /// <inheritdoc cref="Promote{TKey, T}"/>
    private ValueTask PromoteAsync<TKey, T>(TKey typedKey, string key, BelowHit<T> found, long epoch, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        return StoreCopy(in typedKey, key, in found, epoch)
            ? WriteBelowAsync(key, found.Hit.Value, found.Hit.ExpiresAt, tags: null, found.Layer, "promote", cancellationToken)
            : default;
    }

    /// <summary>A live hit in the layer at <see cref="Layer"/> below L1, or nothing (<c>default</c>).</summary>
    private readonly record struct BelowHit<T>(CacheLayerHit<T> Hit, int Layer)
    {
        public bool Found => Hit.Found;

        public CacheResult<T> ToResult() => Hit.Found ? new CacheResult<T>(true, Hit.Value) : CacheResult<T>.Miss;
    }
}

using System.Runtime.CompilerServices;
using Cachka.Internal;
using Cachka.Layers;
using Cachka.Telemetry;

namespace Cachka.Pipeline;

// Reads: L1 first, then each layer below it in turn; the first live hit is copied up with its remaining TTL.
internal sealed partial class LayeredCache
{
    public T? Get<T>(string key) => TryGet<T>(key).Value;

    public ValueTask<T?> GetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        if (TryL1(key, out T value))
            return new ValueTask<T?>(value);
        Enter();
        return ReadThroughAsync<StringKey, T, T?, AsValue<T>>(default, key, exit: true, cancellationToken);
    }

    public CacheResult<T> TryGet<T>(string key)
    {
        if (TryL1(key, out T value))
            return new CacheResult<T>(true, value);
        Enter();
        try
        {
            return ReadThrough<StringKey, T>(default, key).ToResult();
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
        return ReadThroughAsync<StringKey, T, CacheResult<T>, AsResult<T>>(default, key, exit: true, cancellationToken);
    }

    // The string-keyed L1 lookup every public string-keyed read starts with (the key is checked first).
    private bool TryL1<T>(string key, out T value)
    {
        Guard.Key(key);
        return _l1.TryGet(default(StringKey), key, out _, out value);
    }

    /// <summary>
    /// Reads the layers below L1; a hit is copied into L1 and the layers above the one that held it. A miss carries the
    /// first stale entry met (kept past its TTL by fail-safe) for a fill that may serve it.
    /// </summary>
    private BelowHit<T> ReadThrough<TKey, T>(in TKey typedKey, string key)
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
        return found;
    }

    /// <inheritdoc cref="ReadThrough{TKey, T}"/>
    /// <remarks>With nothing below L1 the miss is counted at once (no state machine on a memory-only cache's cold miss).</remarks>
    private ValueTask<BelowHit<T>> ReadThroughAsync<TKey, T>(TKey typedKey, string key, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey> =>
        _below.Length == 0
            ? new ValueTask<BelowHit<T>>(MissBelow<T>(default))
            : ReadThroughAsync<TKey, T, BelowHit<T>, AsFound<T>>(typedKey, key, exit: false, cancellationToken);

    /// <inheritdoc cref="ReadThrough{TKey, T}"/>
    /// <remarks>
    /// One state machine from the public read to the layer's call: the result is shaped here for the caller
    /// (<typeparamref name="TShape"/>) and, with <paramref name="exit"/>, the operation the caller entered ends here,
    /// so 64 concurrent reads of a remote layer each pay for one frame of the pipeline, not four.
    /// </remarks>
    private ValueTask<TResult> ReadThroughAsync<TKey, T, TResult, TShape>(TKey typedKey, string key, bool exit, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
        where TShape : struct, IReadShape<T, TResult>
    {
        // One layer below L1 (the common remote setup) with no span to keep current: the read's ending runs when the
        // layer's call completes, without a state machine (a span is the caller's current activity until the read ends,
        // which takes an async method).
        if (_below.Length != 1 || Tracing)
            return ReadThroughTracedAsync<TKey, T, TResult, TShape>(typedKey, key, exit, cancellationToken);
        var ending = new ReadEnding<TKey, T, TResult, TShape>(this, typedKey, key, exit, StartBelow(), CoherenceEpoch);
        return _below[0].ReadAsync<T, TResult, ReadEnding<TKey, T, TResult, TShape>>(key, in ending, cancellationToken);
    }

    /// <summary>The end of a read of the one layer below L1: the hit copied into L1, the duration, the caller's result.</summary>
    private readonly struct ReadEnding<TKey, T, TResult, TShape>(LayeredCache cache, TKey typedKey, string key, bool exit, long start, long epoch)
        : IContinuation<CacheLayerHit<T>, TResult>
        where TKey : struct, ICacheKey<TKey>
        where TShape : struct, IReadShape<T, TResult>
    {
        public TResult Continue(ValueTask<CacheLayerHit<T>> completed)
        {
            try
            {
                var found = cache.Live(Completed.Outcome(completed));
                // Promote: with one layer below L1 the only copy to make is L1's.
                if (found.Found)
                    cache.StoreCopy(in typedKey, key, in found, epoch);
                cache.EndBelow(CacheOperation.Get, start);
                return TShape.From(in found);
            }
            finally
            {
                if (exit)
                    cache.Exit();
            }
        }
    }

    /// <inheritdoc cref="ReadThroughAsync{TKey, T, TResult, TShape}"/>
    // Pooled: awaited once, by the pipeline or the caller.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> ReadThroughTracedAsync<TKey, T, TResult, TShape>(TKey typedKey, string key, bool exit, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
        where TShape : struct, IReadShape<T, TResult>
    {
        try
        {
            using var activity = _below.Length > 0 ? StartSpan("cachka.get", key) : null;
            var start = StartBelow();
            var epoch = CoherenceEpoch;
            var found = _below.Length == 1
                ? Live(await _below[0].RunAsync<GetOperation<T>, CacheLayerHit<T>>(LayerAccess.Read(key), new(key), cancellationToken).ConfigureAwait(false))
                : await ReadBelowAsync<T>(key, cancellationToken).ConfigureAwait(false);
            if (found.Found)
                await PromoteAsync(typedKey, key, found, epoch, cancellationToken).ConfigureAwait(false);
            EndBelow(CacheOperation.Get, start);
            Outcome(activity, found.Found, found.Layer);
            return TShape.From(in found);
        }
        finally
        {
            if (exit)
                Exit();
        }
    }

    // What a read below L1 returns to its caller: the hit itself (the pipeline), a CacheResult (TryGetAsync), the value (GetAsync).
    private interface IReadShape<T, TResult>
    {
        static abstract TResult From(in BelowHit<T> found);
    }

    private readonly struct AsFound<T> : IReadShape<T, BelowHit<T>>
    {
        public static BelowHit<T> From(in BelowHit<T> found) => found;
    }

    private readonly struct AsResult<T> : IReadShape<T, CacheResult<T>>
    {
        public static CacheResult<T> From(in BelowHit<T> found) => found.ToResult();
    }

    private readonly struct AsValue<T> : IReadShape<T, T?>
    {
        public static T? From(in BelowHit<T> found) => found.ToResult().Value;
    }

    private BelowHit<T> ReadBelow<T>(string key)
    {
        CacheLayerHit<T> stale = default;
        for (var i = 0; i < _below.Length; i++)
        {
            if (IsLiveHit(_below[i], _below[i].Run<GetOperation<T>, CacheLayerHit<T>>(LayerAccess.Read(key), new(key)), out var hit, ref stale))
                return new BelowHit<T>(hit, i);
        }

        return MissBelow(stale);
    }

    // Pooled: awaited once, by the pipeline; a miss that reaches a remote layer allocates no state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BelowHit<T>> ReadBelowAsync<T>(string key, CancellationToken cancellationToken)
    {
        CacheLayerHit<T> stale = default;
        for (var i = 0; i < _below.Length; i++)
        {
            if (IsLiveHit(_below[i], await _below[i].RunAsync<GetOperation<T>, CacheLayerHit<T>>(LayerAccess.Read(key), new(key), cancellationToken).ConfigureAwait(false), out var hit, ref stale))
                return new BelowHit<T>(hit, i);
        }

        return MissBelow(stale);
    }

    // The only layer below L1's answer, as ReadBelowAsync would return it.
    private BelowHit<T> Live<T>(in CacheLayerHit<T> read)
    {
        CacheLayerHit<T> stale = default;
        return IsLiveHit(_below[0], in read, out var hit, ref stale) ? new BelowHit<T>(hit, 0) : MissBelow(stale);
    }

    // A hit whose TTL is over is not live; if its layer keeps it (fail-safe), the first such is remembered as stale.
    private bool IsLiveHit<T>(LayerSlot slot, in CacheLayerHit<T> read, out CacheLayerHit<T> hit, ref CacheLayerHit<T> stale)
    {
        hit = read;
        if (!read.Found)
            return false;
        var now = _clock.UtcNow;
        if (read.ExpiresAt <= now)
        {
            if (!stale.Found && read.KeepUntil > now)
                stale = read;
            return false;
        }

        slot.Hits.Increment();
        return true;
    }

    private BelowHit<T> MissBelow<T>(CacheLayerHit<T> stale)
    {
        _metrics.Misses.Increment();
        return BelowHit<T>.Miss(stale);
    }

    // Copies use the hit's own expiry, so no copy outlives the original; a copy read before a change made
    // elsewhere arrived is not kept (see LayeredCache.Coherence.cs).
    private void Promote<TKey, T>(in TKey typedKey, string key, in BelowHit<T> found, long epoch)
        where TKey : struct, ICacheKey<TKey>
    {
        if (StoreCopy(in typedKey, key, in found, epoch))
            WriteBelow(key, found.Hit.Value, found.Times, tags: null, found.Layer, "promote");
    }

    /// <inheritdoc cref="Promote{TKey, T}"/>
    private ValueTask PromoteAsync<TKey, T>(TKey typedKey, string key, BelowHit<T> found, long epoch, CancellationToken cancellationToken)
        where TKey : struct, ICacheKey<TKey>
    {
        return StoreCopy(in typedKey, key, in found, epoch)
            ? WriteBelowAsync(key, found.Hit.Value, found.Times, tags: null, found.Layer, "promote", cancellationToken)
            : default;
    }

    /// <summary>
    /// A live hit in the layer at <see cref="Layer"/> below L1; or a miss (<c>default</c>), which may carry the first
    /// stale entry met (kept past its TTL by fail-safe) in <see cref="Hit"/> with <see cref="Layer"/> -1. One hit's size:
    /// it is returned through every read below L1.
    /// </summary>
    private readonly record struct BelowHit<T>(CacheLayerHit<T> Hit, int Layer)
    {
        public bool Found => Layer >= 0 && Hit.Found;

        public static BelowHit<T> Miss(in CacheLayerHit<T> stale) => new(stale, -1);

        public bool TryGetValue(out T value)
        {
            value = Hit.Value;
            return Found;
        }

        /// <summary>The live value, or, on a miss, the stale entry met (not found when there was none).</summary>
        public bool TryGetValue(out T value, out CacheLayerHit<T> stale)
        {
            stale = Layer < 0 ? Hit : default;
            return TryGetValue(out value);
        }

        /// <summary>The copies' instants: the hit's own (no copy outlives the original, nor is kept longer).</summary>
        public EntryTimes Times => new(Hit.ExpiresAt, Hit.KeepUntil, Hit.ExpiresAt);

        public CacheResult<T> ToResult() => Found ? new CacheResult<T>(true, Hit.Value) : CacheResult<T>.Miss;
    }
}

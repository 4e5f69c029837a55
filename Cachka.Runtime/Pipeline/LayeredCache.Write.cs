using System.Runtime.CompilerServices;
using Cachka.Internal;
using Cachka.Layers;
using Cachka.Telemetry;

namespace Cachka.Pipeline;

// Writes and deletes: through to every layer. A layer a write did not reach (it failed, its breaker was
// open, or the caller cancelled before it) is marked missed for the key, so it never serves its older value.
internal sealed partial class LayeredCache
{
    public void Set<T>(string key, T value, TimeSpan? ttl = null) => Set(key, value, new CacheEntryOptions(ttl));

    public ValueTask SetAsync<T>(string key, T value, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        SetAsync(key, value, new CacheEntryOptions(ttl), cancellationToken);

    public void Set<T>(string key, T value, CacheEntryOptions options)
    {
        var times = EnterWrite(key, in options);
        using var activity = StartSpan("cachka.set", key);
        try
        {
            Write(default(StringKey), key, value, times, options.Tags);
        }
        finally
        {
            Exit();
        }
    }

    public ValueTask SetAsync<T>(string key, T value, CacheEntryOptions options, CancellationToken cancellationToken = default)
    {
        var times = EnterWrite(key, in options, async: true);
        var changing = ChangingAsync(key);
        if (!changing.IsCompletedSuccessfully)
            return ExitAfter(SetAfterAsync(changing, key, value, times, options.Tags, cancellationToken));
        if (Tracing)
            return ExitAfter(SetTracedAsync(key, value, times, options.Tags, cancellationToken));
        return WriteAsync<StringKey, T>(default, key, value, times, options.Tags, cancellationToken, exit: true);
    }

    // A fill of the key was storing: the write goes on once it is done, so it reaches every layer after the fill's.
    private async ValueTask SetAfterAsync<T>(ValueTask changing, string key, T value, EntryTimes times, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        await changing.ConfigureAwait(false);
        using var activity = StartSpan("cachka.set", key);
        await WriteAsync<StringKey, T>(default, key, value, times, tags, cancellationToken).ConfigureAwait(false);
    }

    // The span is started inside an async method, so the caller's Activity.Current is left as it was.
    private async ValueTask SetTracedAsync<T>(string key, T value, EntryTimes times, IReadOnlyList<string>? tags, CancellationToken cancellationToken)
    {
        using var activity = StartSpan("cachka.set", key);
        await WriteAsync<StringKey, T>(default, key, value, times, tags, cancellationToken).ConfigureAwait(false);
    }

    public bool Delete(string key)
    {
        Guard.Key(key);
        Enter();
        using var activity = StartSpan("cachka.delete", key);
        var start = StartBelow();
        try
        {
            var removed = DeleteEverywhere(key);
            activity?.SetTag("cache.hit", removed);
            return removed;
        }
        finally
        {
            EndBelow(CacheOperation.Delete, start);
            Exit();
        }
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Guard.Key(key);
        Enter();
        return ExitAfter(DeleteObservedAsync(key, cancellationToken));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> DeleteObservedAsync(string key, CancellationToken cancellationToken)
    {
        using var activity = StartSpan("cachka.delete", key);
        var start = StartBelow();
        try
        {
            var removed = await DeleteEverywhereAsync(key, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("cache.hit", removed);
            return removed;
        }
        finally
        {
            EndBelow(CacheOperation.Delete, start);
        }
    }

    // Checks the key and options before anything is written, then enters the operation.
    // The async path announces the change itself (ChangingAsync), so it never blocks on a fill.
    private EntryTimes EnterWrite(string key, in CacheEntryOptions options, bool async = false)
    {
        Guard.Key(key);
        var policy = ResolvePolicy(options);
        Enter();
        if (!async)
            Changing(key);
        return TimesFor(in policy);
    }

    // Before a write or delete of the key reaches any layer: a fill running for it will not store its older result
    // (or, already storing, is waited for), and a copy read up from a lower layer before now is not kept (see
    // FillGuard and LayeredCache.Coherence.cs).
    private void Changing(string key)
    {
        Interlocked.Increment(ref _coherenceEpoch);
        _fillGuard.Changing(key);
    }

    /// <inheritdoc cref="Changing"/>
    private ValueTask ChangingAsync(string key)
    {
        Interlocked.Increment(ref _coherenceEpoch);
        return _fillGuard.ChangingAsync(key);
    }

    private void Write<TKey, T>(in TKey typedKey, string key, T value, in EntryTimes times, IReadOnlyList<string>? tags)
        where TKey : struct, ICacheKey<TKey>
    {
        _l1.Store(in typedKey, key, value, in times);
        WriteBelow(key, value, times, tags, _below.Length, "set");
    }

    private ValueTask WriteAsync<TKey, T>(TKey typedKey, string key, T value, EntryTimes times, IReadOnlyList<string>? tags, CancellationToken cancellationToken, bool exit = false)
        where TKey : struct, ICacheKey<TKey>
    {
        _l1.Store(in typedKey, key, value, in times);
        // One remote layer below L1: its write and the write's ending run as one pooled step when Redis answers.
        if (_below.Length == 1 && _below[0].Layer is IContinuedLayer)
        {
            _tags.Add(key, tags);
            return _below[0].WriteAsync(key, value, in times, tags, new WriteEnding(this, key, StartBelow(), exit, cancellationToken), cancellationToken);
        }

        return WriteBelowAsync(key, value, times, tags, _below.Length, "set", cancellationToken, exit);
    }

    /// <summary>The end of a write to the one layer below L1, as <see cref="WriteBelowAsync"/> ends one.</summary>
    private readonly struct WriteEnding(LayeredCache cache, string key, long start, bool exit, CancellationToken cancellationToken) : IContinuation<bool, bool>
    {
        public bool Continue(ValueTask<bool> completed)
        {
            try
            {
                try
                {
                    Completed.Outcome(completed);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    MissedFrom(cache._below, 0, key);
                    throw;
                }

                cache.EndBelow(CacheOperation.Set, start);
                return true;
            }
            finally
            {
                if (exit)
                    cache.Exit();
            }
        }
    }

    /// <summary>Writes the first <paramref name="count"/> layers below L1 (all of them for a write, those above the hit for a promotion).</summary>
    private void WriteBelow<T>(string key, T value, EntryTimes times, IReadOnlyList<string>? tags, int count, string operation)
    {
        _tags.Add(key, tags);
        var start = operation == "set" ? StartBelow() : 0;
        for (var i = 0; i < count; i++)
            _below[i].Run<SetOperation<T>, bool>(LayerAccess.Write(key, operation), new(key, value, times, tags));
        EndBelow(CacheOperation.Set, start);
    }

    /// <inheritdoc cref="WriteBelow{T}"/>
    // Pooled: awaited once, by the pipeline; a miss that reaches a remote layer allocates no state machine. With exit,
    // the operation the caller entered ends here (a write's one frame of the pipeline, as ReadThroughAsync's).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteBelowAsync<T>(string key, T value, EntryTimes times, IReadOnlyList<string>? tags, int count, string operation, CancellationToken cancellationToken, bool exit = false)
    {
        var i = 0;
        try
        {
            _tags.Add(key, tags);
            var start = operation == "set" ? StartBelow() : 0;
            for (; i < count; i++)
                await _below[i].RunAsync<SetOperation<T>, bool>(LayerAccess.Write(key, operation), new(key, value, times, tags), cancellationToken).ConfigureAwait(false);
            EndBelow(CacheOperation.Set, start);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            MissedFrom(_below, i, key);
            throw;
        }
        finally
        {
            if (exit)
                Exit();
        }
    }

    // removedBy: per layer, keys it has already removed itself (a tag invalidation), which it is not asked again.
    private bool DeleteEverywhere(string key, HashSet<string>?[]? removedBy = null)
    {
        Changing(key);
        var removed = false;
        for (var i = 0; i < _layers.Length; i++)
        {
            if (removedBy?[i]?.Contains(key) != true)
                removed |= _layers[i].Run<DeleteOperation, bool>(LayerAccess.Write(key, "delete"), new(key));
        }

        return removed;
    }

    /// <inheritdoc cref="DeleteEverywhere"/>
    // Pooled: awaited once, by the pipeline; a miss that reaches a remote layer allocates no state machine.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> DeleteEverywhereAsync(string key, CancellationToken cancellationToken, HashSet<string>?[]? removedBy = null)
    {
        await ChangingAsync(key).ConfigureAwait(false);
        var removed = false;
        var i = 0;
        try
        {
            for (; i < _layers.Length; i++)
            {
                if (removedBy?[i]?.Contains(key) != true)
                    removed |= await _layers[i].RunAsync<DeleteOperation, bool>(LayerAccess.Write(key, "delete"), new(key), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            MissedFrom(_layers, i, key);
            throw;
        }

        return removed;
    }

    // Removes the key from the layers below L1 only: what a fill wrote there after the key changed.
    private void DeleteBelow(string key)
    {
        foreach (var slot in _below)
            slot.Run<DeleteOperation, bool>(LayerAccess.Write(key, "delete"), new(key));
    }

    /// <inheritdoc cref="DeleteBelow"/>
    private async ValueTask DeleteBelowAsync(string key, CancellationToken cancellationToken)
    {
        var i = 0;
        try
        {
            for (; i < _below.Length; i++)
                await _below[i].RunAsync<DeleteOperation, bool>(LayerAccess.Write(key, "delete"), new(key), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            MissedFrom(_below, i, key);
            throw;
        }
    }

    // A cancelled write or delete leaves this layer, and the ones it never got to, in an unknown state.
    private static void MissedFrom(LayerSlot[] slots, int index, string key)
    {
        for (var i = index; i < slots.Length; i++)
            slots[i].Missed(key);
    }
}

using System.Threading.Tasks.Sources;
using Cachka.Internal;
using StackExchange.Redis;

namespace Cachka.Redis;

// Reads in a burst. While BatchFrom or more commands of this layer are in flight, an async read does not go alone: it
// joins the batch being formed, which goes as one MGET (one command, one slot, one reply to parse) as soon as a pool
// thread takes it up, or at once when it holds MaxBatch keys. Below that, each read goes at once, so a lone or lightly
// concurrent read never waits for others. Each caller gets its own key's value, or the failure its own GET would have
// met. A batch holds the keys of one cluster hash slot (outside a cluster, any key). Reads of overlapping callers may
// reach Redis in either order, as they may without batches. Writes are not batched: a script of SETs (Redis 7 has no
// multi-key SET with expiries) cost the server more than it saved the client.
internal sealed partial class RedisCacheLayer
{
    /// <summary>Commands in flight from which an async read joins a batch instead of going alone.</summary>
    internal const int BatchFrom = 4;

    /// <summary>The most keys one MGET asks for.</summary>
    internal const int MaxBatch = 64;

    private readonly Lock _batchLock = new();
    private ReadBatch? _forming;
    private long _batches;
    private long _batchedReads;
    private bool _spansSlots;

    /// <summary>Reads that went in a batch, and the MGETs that carried them.</summary>
    internal (long Reads, long Batches) BatchedReads => (Interlocked.Read(ref _batchedReads), Interlocked.Read(ref _batches));

    /// <summary>
    /// Joins the batch being formed, or starts one; false when the read should go alone: few commands in flight, a
    /// batch of another hash slot forming, or no slot free (at MaxConnections the read waits in line instead). The
    /// batch being formed holds a slot from its first read on, so it goes without waiting.
    /// </summary>
    private bool TryJoinBatch(RedisKey storageKey, out ValueTask<RedisValue> reply)
    {
        reply = default;
        if (InFlight < BatchFrom)
            return false;
        var hashSlot = _connection.HashSlot(storageKey);
        if (hashSlot < 0 && Volatile.Read(ref _spansSlots))
            return false; // a cluster whose layout StackExchange.Redis has not learned yet (see ReadBatch.IsCrossSlot)
        ReadBatch? started = null;
        ReadBatch? full = null;
        lock (_batchLock)
        {
            var batch = _forming;
            if (batch is null)
            {
                if (!TryTakeSlot())
                    return false;
                _forming = started = batch = new ReadBatch(this, hashSlot);
            }
            else if (batch.HashSlot != hashSlot)
            {
                return false;
            }

            reply = batch.Add(storageKey);
            if (batch.Count == MaxBatch)
            {
                _forming = null;
                full = batch;
            }
        }

        if (started is not null && started != full)
            ThreadPool.UnsafeQueueUserWorkItem(started, preferLocal: false);
        full?.Send();
        return true;
    }

    /// <summary>Keys read together: sent once, by whoever takes the batch out of <see cref="_forming"/>.</summary>
    private sealed class ReadBatch(RedisCacheLayer layer, int hashSlot) : IThreadPoolWorkItem
    {
        private readonly List<BatchedRead> _reads = new(8);
        private int _unanswered;

        public int HashSlot { get; } = hashSlot;

        public int Count => _reads.Count;

        public ValueTask<RedisValue> Add(RedisKey storageKey)
        {
            var read = new BatchedRead(storageKey);
            _reads.Add(read);
            return read.Reply;
        }

        // A pool thread takes the batch up: it goes unless it filled up and went already.
        public void Execute()
        {
            lock (layer._batchLock)
            {
                if (layer._forming != this)
                    return;
                layer._forming = null;
            }

            Send();
        }

        public void Send()
        {
            Interlocked.Increment(ref layer._batches);
            Interlocked.Add(ref layer._batchedReads, _reads.Count);
            Task<RedisValue[]> command;
            try
            {
                var keys = new RedisKey[_reads.Count];
                for (var i = 0; i < keys.Length; i++)
                    keys[i] = _reads[i].Key;
                command = layer._database.StringGetAsync(keys);
            }
            catch (Exception error)
            {
                command = Task.FromException<RedisValue[]>(error);
            }

            // Done at once (refused before it was sent), it runs on the thread that sent it, which may be a caller's:
            // no read's continuation runs there then.
            if (command.IsCompleted)
                Deliver(command, inlineFirst: false);
            else
                command.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Deliver(command, inlineFirst: true));
        }

        // Runs once the MGET has completed. The slot goes back first; each read then completes on a pool thread of its
        // own (the first on this one, when it is the reply's), as the replies of separate GETs would.
        private void Deliver(Task<RedisValue[]> command, bool inlineFirst)
        {
            RedisValue[]? values = null;
            Exception? failure = null;
            try
            {
                values = Completed.Outcome(new ValueTask<RedisValue[]>(command));
                if (values.Length != _reads.Count)
                    throw new RedisException($"MGET of {_reads.Count} keys answered {values.Length} values.");
            }
            catch (Exception error)
            {
                failure = error;
            }

            if (IsCrossSlot(failure))
            {
                ReadEachAlone();
                return;
            }

            layer.ReleaseSlot();
            for (var i = _reads.Count - 1; i >= 0; i--)
                _reads[i].Complete(failure is null ? values![i] : RedisValue.Null, failure, inline: inlineFirst && i == 0);
        }

        // The keys span hash slots of a cluster that StackExchange.Redis did not place them in yet (it learns a
        // cluster's layout after connecting, and until then says every key has no slot). From now on only keys it
        // places in a slot are batched; these are read again, each with a GET of its own, under the batch's slot.
        private bool IsCrossSlot(Exception? failure)
        {
            if (failure is not RedisServerException { Message: var message } || !message.StartsWith("CROSSSLOT", StringComparison.Ordinal))
                return false;
            Volatile.Write(ref layer._spansSlots, true);
            return true;
        }

        private void ReadEachAlone()
        {
            _unanswered = _reads.Count;
            foreach (var read in _reads)
            {
                Task<RedisValue> get;
                try
                {
                    get = layer._database.StringGetAsync(read.Key);
                }
                catch (Exception error)
                {
                    get = Task.FromException<RedisValue>(error);
                }

                get.ContinueWith(
                    (answered, state) => Answer((BatchedRead)state!, answered),
                    read,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }

        private void Answer(BatchedRead read, Task<RedisValue> answered)
        {
            var value = RedisValue.Null;
            Exception? failure = null;
            try
            {
                value = Completed.Outcome(new ValueTask<RedisValue>(answered));
            }
            catch (Exception error)
            {
                failure = error;
            }

            if (Interlocked.Decrement(ref _unanswered) == 0)
                layer.ReleaseSlot();
            read.Complete(value, failure, inline: false);
        }
    }

    /// <summary>One caller's read in a batch, and its reply (awaited once, by the read's continuation).</summary>
    private sealed class BatchedRead(RedisKey storageKey) : IValueTaskSource<RedisValue>, IThreadPoolWorkItem
    {
        private ManualResetValueTaskSourceCore<RedisValue> _core;
        private RedisValue _value;
        private Exception? _failure;

        public RedisKey Key { get; } = storageKey;

        public ValueTask<RedisValue> Reply => new(this, _core.Version);

        public void Complete(RedisValue value, Exception? failure, bool inline)
        {
            _value = value;
            _failure = failure;
            if (inline)
                Execute();
            else
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }

        public void Execute()
        {
            if (_failure is null)
                _core.SetResult(_value);
            else
                _core.SetException(_failure);
        }

        public RedisValue GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}

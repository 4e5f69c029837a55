using System.Threading.Tasks.Sources;
using Cachka.Internal;
using StackExchange.Redis;

namespace Cachka.Redis;

// Commands in a burst. While BatchFrom or more commands of this layer are in flight, an async read or write does not go
// alone: it joins the batch of its kind being formed, which goes as soon as a pool thread takes it up, or at once when it
// holds MaxBatch. Below that, each goes at once, so a lone or lightly concurrent call never waits for others. A batch
// holds one slot of MaxConnections, however many callers it carries.
// - Reads go as one MGET (one command, one reply to parse). Each caller gets its own key's value, or the failure its
//   own GET would have met. A read batch holds the keys of one cluster hash slot (outside a cluster, any key).
// - Writes go as their SETs written to the socket together (one IBatch): each keeps its own SET, expiry and reply, so
//   each caller gets its own write's outcome. Redis 7 has no multi-key SET with expiries; a script of SETs cost the
//   server what it saved the client (measured: docs/benchmarks.md).
// Calls of overlapping callers may reach Redis in either order, as they may without batches.
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

    private WriteBatch? _formingWrites;
    private long _writeBatches;
    private long _batchedWrites;

    /// <summary>Writes that went in a batch, and the batches that carried them.</summary>
    internal (long Writes, long Batches) BatchedWrites => (Interlocked.Read(ref _batchedWrites), Interlocked.Read(ref _writeBatches));

    /// <summary>
    /// Queues the write's SET on the batch being formed, or starts one; false when it should go alone: few commands in
    /// flight, or no slot free for a new batch (at MaxConnections the write waits in line instead).
    /// </summary>
    private bool TryJoinWrites(in PreparedWrite write, out WriteBatch? batch, out Task<bool> sent)
    {
        batch = null;
        sent = null!;
        if (InFlight < BatchFrom)
            return false;
        WriteBatch? started = null;
        var full = false;
        lock (_batchLock)
        {
            batch = _formingWrites;
            if (batch is null)
            {
                if (!TryTakeSlot())
                    return false;
                _formingWrites = started = batch = new WriteBatch(this);
            }

            sent = batch.Add(in write);
            if (batch.Count == MaxBatch)
            {
                _formingWrites = null;
                full = true;
            }
        }

        if (full)
            batch.Send();
        else if (started is not null)
            ThreadPool.UnsafeQueueUserWorkItem(started, preferLocal: false);
        return true;
    }

    /// <summary>
    /// SETs written to the socket together: queued on one <see cref="IBatch"/> as callers join, sent once, by whoever
    /// takes the batch out of <see cref="_formingWrites"/>. Its slot is released when every write has been answered.
    /// </summary>
    private sealed class WriteBatch(RedisCacheLayer layer) : IThreadPoolWorkItem
    {
        private readonly IBatch _commands = layer._database.CreateBatch();

        // One per write not answered yet, and one for the sender until the batch has gone: a write refused before it
        // was sent may be answered first.
        private int _unanswered = 1;

        public int Count { get; private set; }

        // Under the layer's batch lock.
        public Task<bool> Add(in PreparedWrite write)
        {
            Count++;
            Interlocked.Increment(ref _unanswered);
            try
            {
                return _commands.StringSetAsync(write.StorageKey, write.Blob, write.Ttl);
            }
            catch (Exception error)
            {
                return Task.FromException<bool>(error);
            }
        }

        // A pool thread takes the batch up: it goes unless it filled up and went already.
        public void Execute()
        {
            lock (layer._batchLock)
            {
                if (layer._formingWrites != this)
                    return;
                layer._formingWrites = null;
            }

            Send();
        }

        // Once the batch is out of _formingWrites: nobody adds to it any more.
        public void Send()
        {
            Interlocked.Increment(ref layer._writeBatches);
            Interlocked.Add(ref layer._batchedWrites, Count);
            try
            {
                _commands.Execute();
            }
            catch (Exception)
            {
                // No server to send to: StackExchange.Redis failed every SET of the batch before throwing, so each
                // caller gets that failure from its own write (and a pool thread must not be left with an exception).
            }
            finally
            {
                Answered();
            }
        }

        public void Answered()
        {
            if (Interlocked.Decrement(ref _unanswered) == 0)
                layer.ReleaseSlot();
        }
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

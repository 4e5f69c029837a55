using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace Cachka.Internal;

/// <summary>
/// What runs once an awaited call has completed, with that call. It is always complete when passed; its outcome is
/// read once, through <see cref="Completed.Outcome{T}"/>.
/// </summary>
internal interface IContinuation<TInner, TResult>
{
    TResult Continue(ValueTask<TInner> completed);
}

/// <summary>The call's own result, unchanged.</summary>
internal readonly struct Unchanged<T> : IContinuation<T, T>
{
    public T Continue(ValueTask<T> completed) => Completed.Outcome(completed);
}

/// <summary>The outcome of a call a continuation was handed.</summary>
internal static class Completed
{
    /// <summary>
    /// The value of <paramref name="completed"/>, or its exception thrown. Never blocks: a continuation runs only once
    /// its call has completed (checked in debug builds), so this reads a result; it does not wait for one.
    /// </summary>
    public static T Outcome<T>(ValueTask<T> completed)
    {
        Debug.Assert(completed.IsCompleted, "a continuation runs only once its call has completed");
        return completed.GetAwaiter().GetResult();
    }
}

/// <summary>
/// A step that awaits one call and then runs <typeparamref name="TNext"/>, without an async method: a pooled
/// <see cref="IValueTaskSource{TResult}"/> that registers itself on the call and completes with what the step returns.
/// Continuations compose (a remote read's is three, each handing its outcome to the next: the layer's decoding, the
/// slot's guard, the pipeline's ending), so a read that reaches Redis costs its caller one pooled step and no state
/// machine of Cachka's: with many reads in flight the runtime's pools of async state machines are empty and each frame would
/// be an allocation and a resumption. The pool here is per step type and holds as many as are in flight (bounded).
/// </summary>
/// <remarks>
/// The step runs in the execution context of the call that started it (as an async method's continuation would), so
/// a log scope or an AsyncLocal the caller set is seen by a failure logged in it. As with any pooled ValueTask, the
/// result may be awaited once.
/// </remarks>
internal sealed class Continued<TInner, TResult, TNext> : IValueTaskSource<TResult>, IValueTaskSource
    where TNext : struct, IContinuation<TInner, TResult>
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<Continued<TInner, TResult, TNext>> s_pool = new();
    private static int s_pooled;
    private static readonly ContextCallback s_continueInContext = static state => ((Continued<TInner, TResult, TNext>)state!).Continue();

    private readonly Action _onCompleted;
    private ManualResetValueTaskSourceCore<TResult> _core;
    private ValueTask<TInner> _inner;
    private TNext _next;
    private ExecutionContext? _context;

    private Continued() => _onCompleted = OnCompleted;

    /// <summary>
    /// <paramref name="next"/> run once <paramref name="inner"/> completes (at once if it has). An exception
    /// <paramref name="next"/> throws is the returned task's, never thrown from here.
    /// </summary>
    public static ValueTask<TResult> After(ValueTask<TInner> inner, in TNext next)
    {
        if (inner.IsCompleted)
        {
            try
            {
                return new ValueTask<TResult>(next.Continue(inner));
            }
            catch (Exception error)
            {
                return ValueTask.FromException<TResult>(error);
            }
        }

        var step = Start(inner, in next, out var version);
        return new ValueTask<TResult>(step, version);
    }

    /// <summary>As <see cref="After"/>, for a caller that takes no result (a write's <see cref="ValueTask"/>).</summary>
    public static ValueTask AfterWithoutResult(ValueTask<TInner> inner, in TNext next)
    {
        if (inner.IsCompleted)
        {
            try
            {
                next.Continue(inner);
                return default;
            }
            catch (Exception error)
            {
                return ValueTask.FromException(error);
            }
        }

        var step = Start(inner, in next, out var version);
        return new ValueTask(step, version);
    }

    private static Continued<TInner, TResult, TNext> Start(ValueTask<TInner> inner, in TNext next, out short version)
    {
        var step = Rent();
        step._inner = inner;
        step._next = next;
        step._context = ExecutionContext.Capture();
        version = step._core.Version;
        inner.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(step._onCompleted);
        return step;
    }

    // Already in the caller's context (a thread pool thread and a caller without AsyncLocals share the default one):
    // run the step as it is, without entering the context again.
    private void OnCompleted()
    {
        if (_context is { } context && !ReferenceEquals(context, ExecutionContext.Capture()))
            ExecutionContext.Run(context, s_continueInContext, this);
        else
            Continue();
    }

    private void Continue()
    {
        TResult result;
        try
        {
            result = _next.Continue(_inner);
        }
        catch (Exception error)
        {
            Clear();
            _core.SetException(error);
            return;
        }

        Clear();
        _core.SetResult(result);
    }

    private void Clear()
    {
        _inner = default;
        _next = default;
        _context = null;
    }

    public TResult GetResult(short token)
    {
        // A second await of the same result, or a read before it is there, throws and leaves the step alone.
        if (token != _core.Version || _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
            return _core.GetResult(token);
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Return(this);
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private static Continued<TInner, TResult, TNext> Rent()
    {
        if (s_pool.TryDequeue(out var step))
        {
            Interlocked.Decrement(ref s_pooled);
            return step;
        }

        return new Continued<TInner, TResult, TNext>();
    }

    private static void Return(Continued<TInner, TResult, TNext> step)
    {
        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            s_pool.Enqueue(step);
            return;
        }

        Interlocked.Decrement(ref s_pooled);
    }
}

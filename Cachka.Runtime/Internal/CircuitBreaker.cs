namespace Cachka.Internal;

/// <summary>
/// One breaker per remote layer (see readme.md): CLOSED until <c>threshold</c> consecutive failures,
/// then OPEN (calls skip the layer) for <c>window</c>, then HALF_OPEN, where exactly one probe call is
/// let through: its success closes the breaker, its failure reopens it. A probe that never reports
/// back is replaced after another window.
/// </summary>
internal sealed class CircuitBreaker(int threshold, TimeSpan window, TimeProvider time)
{
    private const int Closed = 0, Open = 1, HalfOpen = 2;

    private int _state;
    private int _failures;
    private long _openedAt;
    private long _probeStartedAt;
    private int _probing;

    public string State => _state switch
    {
        Open => "OPEN",
        HalfOpen => "HALF_OPEN",
        _ => "CLOSED",
    };

    public int ConsecutiveFailures => Volatile.Read(ref _failures);

    /// <summary>Whether a call may use the layer now. In HALF_OPEN only one caller (the probe) gets true.</summary>
    public bool TryEnter()
    {
        switch (Volatile.Read(ref _state))
        {
            case Closed:
                return true;
            case Open:
                if (time.GetElapsedTime(Volatile.Read(ref _openedAt)) < window)
                    return false;
                Interlocked.CompareExchange(ref _state, HalfOpen, Open);
                return TryTakeProbe();
            default:
                return TryTakeProbe();
        }
    }

    public void Succeeded()
    {
        if (Volatile.Read(ref _state) == Closed)
        {
            if (Volatile.Read(ref _failures) != 0)
                Volatile.Write(ref _failures, 0);
            return;
        }

        Volatile.Write(ref _failures, 0);
        Volatile.Write(ref _probing, 0);
        Volatile.Write(ref _state, Closed);
    }

    public void Failed()
    {
        var state = Volatile.Read(ref _state);
        var failures = Interlocked.Increment(ref _failures);
        if (state == HalfOpen || (state == Closed && failures >= threshold))
        {
            Volatile.Write(ref _openedAt, time.GetTimestamp());
            Volatile.Write(ref _probing, 0);
            Volatile.Write(ref _state, Open);
        }
    }

    private bool TryTakeProbe()
    {
        if (Interlocked.CompareExchange(ref _probing, 1, 0) == 0)
        {
            Volatile.Write(ref _probeStartedAt, time.GetTimestamp());
            return true;
        }

        // A probe that never reported back (its caller was cancelled) must not hold the layer off forever.
        var started = Volatile.Read(ref _probeStartedAt);
        if (time.GetElapsedTime(started) >= window && Interlocked.CompareExchange(ref _probeStartedAt, time.GetTimestamp(), started) == started)
            return true;
        return false;
    }
}

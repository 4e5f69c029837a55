namespace Cachka.Pipeline;

/// <summary>
/// The periodic maintenance of one cache: a <see cref="TimeProvider"/> timer starts a pass every
/// interval (never two at once); a pass asks each layer to drop expired entries and compact. A failing
/// layer is logged and retried next time; the loop never dies. Stopping cancels the pass and waits for it.
/// </summary>
internal sealed class Maintenance(Func<CancellationToken, Task> pass, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _idle = new(initialState: true);
    private ITimer? _timer;
    private Task _current = Task.CompletedTask;
    private bool _running;
    private bool _stopped;
    private int _passes;

    /// <summary>Completed passes (tests).</summary>
    public int Passes => Volatile.Read(ref _passes);

    public void Start(TimeSpan? interval, bool runNow)
    {
        if (interval is { } every)
            _timer = time.CreateTimer(static state => ((Maintenance)state!).Trigger(), this, every, every);
        if (runNow)
            Trigger();
    }

    /// <summary>Starts a pass unless one is running or the cache is stopping; returns the running pass.</summary>
    public Task Trigger()
    {
        lock (_gate)
        {
            if (_stopped || _running)
                return _current;
            _running = true;
            _idle.Reset();
            _current = Task.Run(RunAsync);
            return _current;
        }
    }

    private async Task RunAsync()
    {
        try
        {
            await pass(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // RunMaintenanceAsync logs per layer; nothing may end the loop.
        }
        finally
        {
            Interlocked.Increment(ref _passes);
            lock (_gate)
                _running = false;
            _idle.Set();
        }
    }

    public async Task StopAsync()
    {
        Task current;
        lock (_gate)
        {
            _stopped = true;
            current = _current;
        }

        _stop.Cancel();
        if (_timer is not null)
            await _timer.DisposeAsync().ConfigureAwait(false);
        await current.ConfigureAwait(false);
    }

    public void Stop()
    {
        lock (_gate)
            _stopped = true;
        _stop.Cancel();
        _timer?.Dispose();
        _idle.Wait(TimeSpan.FromSeconds(30));
    }
}

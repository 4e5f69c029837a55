using Cachka.Benchmarks.Shared;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using ZiggyCreatures.Caching.Fusion;

namespace Cachka.Benchmarks.Stampede;

/// <summary>
/// One stampede round: <see cref="Callers"/> callers released at once on a key nobody has read yet,
/// each asking the cache for it with a factory that takes about a millisecond. The result is how many
/// times the factory ran (1 is perfect protection, <see cref="Callers"/> is none).
/// </summary>
internal static class StampedeRounds
{
    public const int Callers = 64;
    public const int Rounds = 20;

    private static int s_round;

    /// <summary>A key no round has used, so every round starts cold.</summary>
    public static string ColdKey() => "stampede:" + Interlocked.Increment(ref s_round);

    /// <summary>Sync callers, each on its own thread (blocking callers must not starve the thread pool).</summary>
    public static int RunSync(Func<string, Func<User>, User> call)
    {
        var key = ColdKey();
        var runs = 0;
        var factory = () =>
        {
            Interlocked.Increment(ref runs);
            Thread.Sleep(1);
            return new User(1, "fresh");
        };

        using var gate = new ManualResetEventSlim();
        var threads = new Thread[Callers];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(() =>
            {
                gate.Wait();
                call(key, factory);
            });
            threads[i].Start();
        }

        gate.Set();
        foreach (var thread in threads)
            thread.Join();
        return runs;
    }

    public static async Task<int> RunAsync(Func<string, Func<CancellationToken, Task<User>>, Task<User>> call)
    {
        var key = ColdKey();
        var runs = 0;
        Func<CancellationToken, Task<User>> factory = async ct =>
        {
            Interlocked.Increment(ref runs);
            await Task.Delay(1, ct).ConfigureAwait(false);
            return new User(1, "fresh");
        };

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = new Task[Callers];
        for (var i = 0; i < callers.Length; i++)
        {
            callers[i] = Task.Run(async () =>
            {
                await gate.Task.ConfigureAwait(false);
                await call(key, factory).ConfigureAwait(false);
            });
        }

        gate.SetResult();
        await Task.WhenAll(callers).ConfigureAwait(false);
        return runs;
    }

    // ---- how each cache is asked ----

    public static User CachkaSync(ICache cache, string key, Func<User> factory) => cache.GetOrCreate(key, factory);

    public static Task<User> CachkaAsync(ICache cache, string key, Func<CancellationToken, Task<User>> factory) =>
        cache.GetOrCreateAsync(key, factory, static (f, ct) => new ValueTask<User>(f(ct))).AsTask();

    public static User FusionSync(FusionCache cache, string key, Func<User> factory) => cache.GetOrSet<User>(key, (_, _) => factory());

    public static Task<User> FusionAsync(FusionCache cache, string key, Func<CancellationToken, Task<User>> factory) =>
        cache.GetOrSetAsync<User>(key, (_, ct) => factory(ct)).AsTask();

    public static Task<User> HybridAsync(HybridCache cache, string key, Func<CancellationToken, Task<User>> factory) =>
        cache.GetOrCreateAsync(key, factory, static (f, ct) => new ValueTask<User>(f(ct))).AsTask();

    public static User MemorySync(IMemoryCache cache, string key, Func<User> factory) =>
        cache.GetOrCreate(key, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Peers.Ttl;
            return factory();
        })!;

    public static async Task<User> MemoryAsync(IMemoryCache cache, string key, Func<CancellationToken, Task<User>> factory) =>
        (await cache.GetOrCreateAsync(key, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Peers.Ttl;
            return factory(CancellationToken.None);
        }).ConfigureAwait(false))!;
}

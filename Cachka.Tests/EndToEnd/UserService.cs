namespace Cachka.Tests.EndToEnd;

public sealed record User(int Id, string Name);

/// <summary>A service as users write it: [Cached] partial methods over uncached bodies, routed to a test's cache.</summary>
public sealed partial class UserService(ICache cache)
{
    private int _calls;

    [CacheSource]
    private ICache Cache { get; } = cache;

    public int Calls => Volatile.Read(ref _calls);

    [Cached(Ttl = 60)]
    public partial User GetUser(int id);

    private User GetUserCore(int id)
    {
        Interlocked.Increment(ref _calls);
        return new User(id, "user-" + id);
    }
}

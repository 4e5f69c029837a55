using Cachka.Benchmarks.Shared;

namespace Cachka.Benchmarks.Wrappers;

/// <summary>The service a user writes: the generator implements these three methods.</summary>
public sealed partial class CachedUserService(ICache cache)
{
    [CacheSource]
    private readonly ICache _cache = cache;

    [Cached(Ttl = 1800, SimplifiedSelfSerialization = true)]
    public partial User GetUser(int id);

    [Cached(Ttl = 1800, SimplifiedSelfSerialization = true)]
    public partial ValueTask<User> GetUserValueTaskAsync(int id, CancellationToken cancellationToken = default);

    [Cached(Ttl = 1800, SimplifiedSelfSerialization = true)]
    public partial Task<User> GetUserTaskAsync(int id, CancellationToken cancellationToken = default);

    private static User GetUserCore(int id) => new(id, "user " + id);

    private static ValueTask<User> GetUserValueTaskAsyncCore(int id, CancellationToken cancellationToken) => new(new User(id, "user " + id));

    private static Task<User> GetUserTaskAsyncCore(int id, CancellationToken cancellationToken) => Task.FromResult(new User(id, "user " + id));
}

using Cachka.Tests.Runtime;

namespace Cachka.Tests.EndToEnd;

public sealed class GeneratedWrapperTests
{
    [Test]
    public void A_sync_cached_method_runs_its_body_once_per_key()
    {
        using var cache = TestCaches.Memory();
        var service = new UserService(cache);

        var first = service.GetUser(1);
        var second = service.GetUser(1);
        service.GetUser(2);

        Assert.That(second, Is.SameAs(first));
        Assert.That(service.Calls, Is.EqualTo(2));
    }
}

namespace Cachka.Tests.EndToEnd;

/// <summary>What a generated method's hits allocate, measured on this thread.</summary>
internal static class Allocations
{
    /// <summary>Warms 100 keys (and the JIT), then counts the bytes this thread allocates over 1,000 hits.</summary>
    public static long ByHits<T>(Func<int, T> call)
    {
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 100; i++)
                call(i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 10; round++)
        {
            for (var i = 0; i < 100; i++)
                call(i);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}

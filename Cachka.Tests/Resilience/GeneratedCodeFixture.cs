using Cachka.Tests.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Cachka.Tests.Resilience;

/// <summary>
/// A cache on a fake clock for tests of generated code: memory only, or memory + a SQLite file in a directory of its
/// own (removed afterwards). Created before the derived fixture's own set-up, disposed after its tests.
/// </summary>
internal abstract class GeneratedCodeFixture(bool withSqlite)
{
    private string? _directory;

    protected FakeTimeProvider Clock { get; private set; } = null!;

    protected LayeredCache Cache { get; private set; } = null!;

    [SetUp]
    public void CreateCache()
    {
        Clock = TestCaches.Clock();
        CacheLayerConfig[] layers = [new MemoryCacheConfig { Ttl = TimeSpan.FromHours(2) }];
        if (withSqlite)
        {
            _directory = Path.Combine(Path.GetTempPath(), "cachka-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_directory);
            layers = [.. layers, new SqliteCacheConfig { DbPath = Path.Combine(_directory, "generated.db") }];
        }

        Cache = TestCaches.With(Clock, layers);
    }

    [TearDown]
    public void DisposeCache()
    {
        Cache.Dispose();
        if (_directory is null)
            return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

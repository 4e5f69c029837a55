using NUnit.Framework.Interfaces;

[assembly: Cachka.Tests.NoStrayCacheFile]

namespace Cachka.Tests;

/// <summary>
/// Fails a test after which a <c>cache.db</c> appeared in the working directory: a test's cache must name its
/// layers (the default, memory + SQLite <c>cache.db</c>, writes there), or put its database in a temp directory.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class NoStrayCacheFileAttribute : Attribute, ITestAction
{
    private static readonly string[] s_files = ["cache.db", "cache.db-wal", "cache.db-shm"];
    private bool _existedBefore;

    public ActionTargets Targets => ActionTargets.Test;

    public void BeforeTest(ITest test) => _existedBefore = Stray().Length > 0;

    public void AfterTest(ITest test)
    {
        if (_existedBefore)
            return;
        var stray = Stray();
        if (stray.Length == 0)
            return;
        foreach (var file in stray)
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
        }

        Assert.Fail($"{test.FullName} left {string.Join(", ", stray)} in the working directory: give its CacheConfig explicit Layers (the default is memory + SQLite cache.db).");
    }

    private static string[] Stray() =>
        s_files.Select(name => Path.Combine(Environment.CurrentDirectory, name)).Where(File.Exists).ToArray();
}

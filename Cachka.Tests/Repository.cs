namespace Cachka.Tests;

/// <summary>
/// Files of this repository, found from where the tests run. Never from <c>[CallerFilePath]</c>:
/// a CI build (<c>ContinuousIntegrationBuild</c>) maps source paths to <c>/_/</c>, so compile-time
/// paths name no real file.
/// </summary>
internal static class Repository
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The directory that holds <c>Cachka.slnx</c>.</summary>
    public static string Root => s_root.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Cachka.slnx")))
                return directory.FullName;
        }

        throw new InvalidOperationException("Cachka.slnx not found above " + AppContext.BaseDirectory);
    }
}

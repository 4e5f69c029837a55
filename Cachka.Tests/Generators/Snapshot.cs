using System.Text.RegularExpressions;

namespace Cachka.Tests.Generators;

/// <summary>
/// A small snapshot check: compares text with <c>Snapshots/{name}.verified.cs</c> next to the test.
/// A mismatch writes <c>{name}.received.cs</c> beside it and fails; <c>CACHKA_ACCEPT_SNAPSHOTS=1</c>
/// accepts the received text as the new verified file.
/// </summary>
internal static partial class Snapshot
{
    public const string AcceptVariable = "CACHKA_ACCEPT_SNAPSHOTS";

    public static void Match(string actual, string name)
    {
        var directory = Repository.PathOf("Cachka.Tests", "Generators", "Snapshots");
        var verified = Path.Combine(directory, name + ".verified.cs");
        var received = Path.Combine(directory, name + ".received.cs");
        actual = Scrub(actual);

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(verified) ? File.ReadAllText(verified).ReplaceLineEndings("\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {verified}; wrote {received}. Review it, then rerun with {AcceptVariable}=1 to accept."
            : $"Generated code differs from {verified}; wrote {received}. Diff them; rerun with {AcceptVariable}=1 to accept an intended change.");
    }

    // The generator's version changes with every release; the snapshots should not.
    private static string Scrub(string text) => VersionPattern().Replace(text.ReplaceLineEndings("\n"), "GeneratedCode(\"Cachka.Generators\", \"{version}\")");

    [GeneratedRegex("GeneratedCode\\(\"Cachka\\.Generators\", \"[^\"]*\"\\)")]
    private static partial Regex VersionPattern();
}

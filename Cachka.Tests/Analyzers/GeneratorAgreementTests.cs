using Cachka.Analyzers;
using Cachka.Tests.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Tests.Analyzers;

/// <summary>
/// The contract between the generator and the analyzers, checked with both running: every [Cached]
/// method the generator skips gets an analyzer error, and code the analyzers accept compiles.
/// </summary>
public class GeneratorAgreementTests
{
    private const string Prelude = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;

        namespace N;

        public sealed record User(int Id, string Name);
        public sealed class Filter { public string Text { get; set; } = ""; }

        """;

    [TestCase("public partial int Get(int id);", TestName = "Agreement: no body")]
    [TestCase("public partial int Get(int id); private string GetCore(int id) => \"\";", TestName = "Agreement: body returns another type")]
    [TestCase("public partial int Get(int id); private int GetCore(long id) => 0;", TestName = "Agreement: body takes other parameter types")]
    [TestCase("public partial void Get(int id); private void GetCore(int id) { }", TestName = "Agreement: void")]
    [TestCase("public partial Task Get(int id); private Task GetCore(int id) => Task.CompletedTask;", TestName = "Agreement: non-generic Task")]
    [TestCase("public partial ValueTask Get(int id); private ValueTask GetCore(int id) => default;", TestName = "Agreement: non-generic ValueTask")]
    [TestCase("public partial IAsyncEnumerable<int> Get(int id); private IAsyncEnumerable<int> GetCore(int id) => null!;", TestName = "Agreement: IAsyncEnumerable")]
    [TestCase("public partial ref int Get(int id); private ref int GetCore(int id) => throw null!;", TestName = "Agreement: ref return")]
    [TestCase("public partial Span<int> Get(int id); private Span<int> GetCore(int id) => default;", TestName = "Agreement: ref struct return")]
    [TestCase("public partial int Get(ref int id); private int GetCore(ref int id) => id;", TestName = "Agreement: ref parameter")]
    [TestCase("public partial int Get(out int id); private int GetCore(out int id) { id = 0; return 0; }", TestName = "Agreement: out parameter")]
    [TestCase("public partial int Get(in int id); private int GetCore(in int id) => id;", TestName = "Agreement: in parameter")]
    [TestCase("public partial int Get(ReadOnlySpan<char> id); private int GetCore(ReadOnlySpan<char> id) => 0;", TestName = "Agreement: span parameter")]
    [TestCase("public partial T Get<T>(int id); private T GetCore<T>(int id) => default!;", TestName = "Agreement: generic method")]
    [TestCase("[Cached(Ttl = 0)] public partial int Get(int id); private int GetCore(int id) => id;", TestName = "Agreement: zero ttl")]
    [TestCase("[Cached(Implementation = \"Nope\")] public partial int Get(int id); private int GetCore(int id) => id;", TestName = "Agreement: missing named implementation")]
    [TestCase("public static partial int Get(int id); private int GetCore(int id) => id;", TestName = "Agreement: instance body of a static method")]
    [TestCase("[Cached(Jitter = -1)] public partial int Get(int id); private int GetCore(int id) => id;", TestName = "Agreement: negative jitter")]
    [TestCase("[Cached(EagerRefreshThreshold = 1.2)] public partial int Get(int id); private int GetCore(int id) => id;", TestName = "Agreement: eager refresh threshold above 1")]
    [TestCase("[Cached(FactorySoftTimeoutMs = 500, FactoryHardTimeoutMs = 100)] public partial int Get(int id); private int GetCore(int id) => id;", TestName = "Agreement: soft timeout above the hard one")]
    [TestCase("[Cached(Tags = [\"user:{userId}\"])] public partial int Get(int id); private int GetCore(int id) => id;", TestName = "Agreement: tag naming nothing")]
    [TestCase("[Cached(Tags = [\"user:{ct}\"])] public partial Task<int> Get(int id, CancellationToken ct); private Task<int> GetCore(int id, CancellationToken ct) => Task.FromResult(id);", TestName = "Agreement: tag naming the token")]
    [TestCase("[Cached(Tags = [\"user:{id\"])] public partial int Get(int id); private int GetCore(int id) => id;", TestName = "Agreement: tag with bad braces")]
    [TestCase("public partial int Get(int id); private int GetCore(CacheFactoryContext c, int id) => id;", TestName = "Agreement: context in the wrong place")]
    [TestCase("[Cached(Tags = [\"r:{Region}\"])] public partial int Get(int id, [NotCacheKey] int Region = 0); private int GetCore(int id, int Region) => id;", TestName = "Agreement: tag naming a NotCacheKey parameter that hides a CacheKey member")]
    public Task A_method_the_generator_skips_has_an_analyzer_error(string members) =>
        AssertAgreementAsync(Prelude + "public partial class S\n{\n    [CacheKey] public int Region { get; set; }\n\n    " + WithCached(members) + "\n}\n", expectSkip: true);

    [TestCase("public class S\n{\n    [Cached] public static partial int Get(int id);\n    private static int GetCore(int id) => id;\n}", TestName = "Agreement: type not partial")]
    [TestCase("public class Outer\n{\n    public partial class S\n    {\n        [Cached] public static partial int Get(int id);\n        private static int GetCore(int id) => id;\n    }\n}", TestName = "Agreement: container not partial")]
    [TestCase("public ref partial struct S\n{\n    [Cached] public static partial int Get(int id);\n    private static int GetCore(int id) => id;\n}", TestName = "Agreement: ref struct")]
    [TestCase("file partial class S\n{\n    [Cached] public static partial int Get(int id);\n    private static int GetCore(int id) => id;\n}", TestName = "Agreement: file-local type")]
    public Task A_type_the_generator_skips_has_an_analyzer_error(string type) =>
        AssertAgreementAsync(Prelude + type + "\n", expectSkip: true);

    [TestCase("public partial Task<User?> GetAsync(int id, CancellationToken ct = default); private Task<User?> GetAsyncCore(int id, CancellationToken ct) => Task.FromResult<User?>(null);", TestName = "Agreement: Task of a record")]
    [TestCase("public partial ValueTask<string> GetAsync(Guid id, [NotCacheKey] string? trace = null); private ValueTask<string> GetAsyncCore(Guid id, string? trace) => new(\"\");", TestName = "Agreement: ValueTask with a [NotCacheKey]")]
    [TestCase("public static partial int[] Get(int[] ids, List<string?> names, DayOfWeek? day, DateOnly on); private static int[] GetCore(int[] ids, List<string?> names, DayOfWeek? day, DateOnly on) => ids;", TestName = "Agreement: key types")]
    [TestCase("public partial int Get(int id); private static int GetCore(int id) => id;", TestName = "Agreement: static body of an instance method")]
    [TestCase("[Cached(Implementation = nameof(Compute))] public partial long Get(int id); private long Compute(int id) => id;", TestName = "Agreement: named implementation")]
    [TestCase("public partial int Get(int id); private int GetCore(long id) => 0; private int GetCore(int id) => id;", TestName = "Agreement: overloaded bodies")]
    [TestCase("[Cached(Tags = [\"user:{id}:{Region}\", \"all\"], Jitter = 5, FailSafeMaxDuration = 60, FactorySoftTimeoutMs = 10, FactoryHardTimeoutMs = 20, EagerRefreshThreshold = 0.5)] public partial int Get(int id); private int GetCore(int id) => id;", TestName = "Agreement: tags and options")]
    [TestCase("public partial ValueTask<int> Get(int id, CancellationToken ct); private ValueTask<int> GetCore(int id, CacheFactoryContext c, CancellationToken ct) => new(id);", TestName = "Agreement: adaptive body")]
    public Task Code_the_analyzers_accept_compiles(string members) =>
        AssertAgreementAsync(Prelude + "public partial class S\n{\n    [CacheKey] public int Region { get; set; }\n\n    " + WithCached(members) + "\n}\n", expectSkip: false);

    [TestCase("public class Query(int id) { private readonly int _id = id; }", "[Cached] public static partial int Get(Query q); private static int GetCore(Query q) => 0;", true, TestName = "Agreement: class with a private field runs uncached")]
    [TestCase("public record Open(int Id);", "[Cached] public static partial int Get(Open q); private static int GetCore(Open q) => 0;", true, TestName = "Agreement: record that is not sealed runs uncached")]
    [TestCase("public sealed class Node { public Node? Parent { get; set; } }", "[Cached] public static partial int Get(Node q); private static int GetCore(Node q) => 0;", true, TestName = "Agreement: back-reference runs uncached")]
    [TestCase("public sealed class Captured(int id) { public int Twice => id * 2; }", "[Cached] public static partial int Get(Captured q); private static int GetCore(Captured q) => 0;", true, TestName = "Agreement: captured primary constructor parameter runs uncached")]
    [TestCase("", "[Cached] public static partial int Get(System.IO.Stream q); private static int GetCore(System.IO.Stream q) => 0;", true, TestName = "Agreement: Stream runs uncached")]
    [TestCase("", "[Cached] public static partial int Get(Dictionary<string, int> q); private static int GetCore(Dictionary<string, int> q) => 0;", true, TestName = "Agreement: Dictionary runs uncached")]
    [TestCase("", "[Cached] public partial int Get(int q); private int GetCore(int q) => q;", true, TestName = "Agreement: instance method without identity runs uncached")]
    [TestCase("public sealed class Options { private int _level; }", "[CacheKey] public Options Settings { get; } = new(); [Cached] public partial int Get(int q); private int GetCore(int q) => q;", true, TestName = "Agreement: CacheKey member without a key form runs uncached")]
    [TestCase("", "[CacheKey] public int this[int i] => i; [Cached] public partial int Get(int q); private int GetCore(int q) => q;", true, TestName = "Agreement: CacheKey on an indexer only runs uncached")]
    [TestCase("public sealed record Point(int X, int? Y, string? Label) { public int Sum() => X + (Y ?? 0); }", "[Cached] public static partial int Get(Point q, Point[] many); private static int GetCore(Point q, Point[] many) => 0;", false, TestName = "Agreement: sealed record is cached")]
    [TestCase("public struct Window { public DateTime From; public TimeSpan Length { get; init; } }", "[Cached] public static partial int Get(Window q, Window? r); private static int GetCore(Window q, Window? r) => 0;", false, TestName = "Agreement: struct is cached")]
    [TestCase("", "[Cached] public static partial int Get((int A, string? B) q, List<(Guid, DayOfWeek)> r); private static int GetCore((int A, string? B) q, List<(Guid, DayOfWeek)> r) => 0;", false, TestName = "Agreement: tuples are cached")]
    [TestCase("public sealed class Tenant(string name) { public string Name { get; } = name; }", "[CacheKey] public Tenant Owner { get; } = new(\"t\"); [Cached] public partial int Get(int q); private int GetCore(int q) => q;", false, TestName = "Agreement: instance method with a keyable CacheKey member is cached")]
    [TestCase("", "[Cached(SimplifiedSelfSerialization = true)] public partial int Get(int q); private int GetCore(int q) => q;", false, TestName = "Agreement: SimplifiedSelfSerialization is cached")]
    public async Task A_method_runs_uncached_exactly_when_the_analyzers_warn_about_its_key(string types, string members, bool uncached)
    {
        var compilation = GeneratorHarness.Compile(Prelude + types + "\npublic partial class S\n{\n    " + members + "\n}\n");
        var driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var generated = string.Concat(driver.GetRunResult().GeneratedTrees.Select(t => t.ToString()));
        var warnings = (await output.WithAnalyzers([new CachedMethodAnalyzer(), new CacheMemberAnalyzer()]).GetAnalyzerDiagnosticsAsync())
            .Select(d => d.Id)
            .Where(id => id is DiagnosticDescriptors.KeyTypeNotEncodableId or DiagnosticDescriptors.InstanceWithoutCacheKeyId)
            .ToList();

        Assert.That(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty);
        Assert.That(generated.Contains("GetOrCreate", StringComparison.Ordinal), Is.EqualTo(!uncached), generated);
        Assert.That(generated.Contains("// Not cached:", StringComparison.Ordinal), Is.EqualTo(uncached), generated);
        Assert.That(warnings, uncached ? Is.Not.Empty : Is.Empty);
    }

    [Test]
    public async Task A_stubbed_method_compiles_so_the_analyzers_report_the_missing_body()
    {
        var compilation = GeneratorHarness.Compile(Prelude + "public partial class Svc\n{\n    [Cached(Ttl = 60, SimplifiedSelfSerialization = true)]\n    public partial int Get(int id);\n}\n");
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);

        var compilerErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var analyzerErrors = await output
            .WithAnalyzers([new CachedMethodAnalyzer(), new CacheMemberAnalyzer()])
            .GetAnalyzerDiagnosticsAsync();

        Assert.That(compilerErrors, Is.Empty, "the command-line compiler would stop before the analyzers:\n" + string.Join("\n", compilerErrors));
        Assert.That(analyzerErrors.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id), Is.EqualTo(new[] { "CACHKA002" }));
    }

    private const string Targets = """
        public partial class T
        {
            [CacheKey] public string Region { get; set; } = "";
            [Cached] public partial User? Get(int id);
            private User? GetCore(int id) => null;
            [Cached] public static partial int Count(long id);
            private static int CountCore(long id) => 0;

        """;

    [TestCase("[InvalidatesCached(nameof(Get))] public partial void Set(long id); private void SetCore(long id) { }", TestName = "Agreement: invalidation parameter of another type")]
    [TestCase("[InvalidatesCached(nameof(Get))] public partial void Set(int key); private void SetCore(int key) { }", TestName = "Agreement: invalidation parameter missing")]
    [TestCase("[InvalidatesCached(nameof(Get))] public static partial void Set(int id); private static void SetCore(int id) { }", TestName = "Agreement: static invalidation of an instance key")]
    [TestCase("[InvalidatesCached(\"Nope\")] public partial void Set(int id); private void SetCore(int id) { }", TestName = "Agreement: invalidation target missing")]
    [TestCase("[InvalidatesCached(nameof(GetCore))] public partial void Set(int id); private void SetCore(int id) { }", TestName = "Agreement: invalidation target not cached")]
    [TestCase("[InvalidatesTag(\"u:{nope}\")] public partial void Set(int id); private void SetCore(int id) { }", TestName = "Agreement: invalidation tag naming nothing")]
    [TestCase("[InvalidatesTag(\"u:{s}\")] public partial void Set(System.IO.Stream s); private void SetCore(System.IO.Stream s) { }", TestName = "Agreement: invalidation tag without a key form")]
    [TestCase("[InvalidatesTag(\"u\")] public partial void Set(int id);", TestName = "Agreement: invalidation without a body")]
    [TestCase("[InvalidatesTag(\"u\")] public partial void Set(int id); private int SetCore(int id) => id;", TestName = "Agreement: invalidation body of another type")]
    [TestCase("[InvalidatesTag(\"u\")] public partial IAsyncEnumerable<int> Set(int id); private IAsyncEnumerable<int> SetCore(int id) => null!;", TestName = "Agreement: invalidating stream")]
    [TestCase("[InvalidatesTag(\"u\")] public partial void Set<TX>(TX id); private void SetCore<TX>(TX id) { }", TestName = "Agreement: generic invalidating method")]
    public Task An_invalidating_method_the_generator_skips_has_an_analyzer_error(string members) => AssertInvalidationAgreementAsync(members, expectSkip: true);

    [TestCase("[InvalidatesCached(nameof(Get))] [InvalidatesTag(\"u:{id}:{Region}\")] public partial void Set(int id, string name); private void SetCore(int id, string name) { }", TestName = "Agreement: sync invalidation")]
    [TestCase("[InvalidatesCached(nameof(Count))] public static partial Task<int> SetAsync(long id, CancellationToken ct); private static Task<int> SetAsyncCore(long id, CancellationToken ct) => Task.FromResult(0);", TestName = "Agreement: async static invalidation")]
    [TestCase("[InvalidatesTag(\"u:{id}\")] public partial ValueTask SetAsync(int id); private static ValueTask SetAsyncCore(int id) => default;", TestName = "Agreement: tag invalidation with a static body")]
    public Task An_invalidating_method_the_analyzers_accept_compiles(string members) => AssertInvalidationAgreementAsync(members, expectSkip: false);

    private static async Task AssertInvalidationAgreementAsync(string members, bool expectSkip)
    {
        var compilation = GeneratorHarness.Compile(Prelude + Targets + "    " + members + "\n}\n");
        var driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var implemented = driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources)
            .Any(s => s.HintName.EndsWith(".invalidates.g.cs", StringComparison.Ordinal));
        var compilerErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var analyzerErrors = await AnalyzerErrorsAsync(output);

        Assert.That(implemented, Is.EqualTo(!expectSkip), "whether the generator implemented the invalidating method");
        if (expectSkip)
        {
            Assert.That(analyzerErrors, Is.Not.Empty, "no analyzer error; compiler says:\n" + string.Join("\n", compilerErrors));
            Assert.That(analyzerErrors.Select(d => d.Id), Is.All.StartsWith("CACHKA"));
        }
        else
        {
            Assert.That(analyzerErrors, Is.Empty, string.Join("\n", analyzerErrors));
            Assert.That(compilerErrors, Is.Empty, string.Join("\n", compilerErrors));
        }
    }

    private static async Task<List<Diagnostic>> AnalyzerErrorsAsync(Compilation output) =>
        (await output
            .WithAnalyzers([new CachedMethodAnalyzer(), new CacheMemberAnalyzer(), new InvalidationAnalyzer()])
            .GetAnalyzerDiagnosticsAsync())
        .Where(d => d.Severity == DiagnosticSeverity.Error)
        .ToList();

    private static string WithCached(string members) => members.StartsWith('[') ? members : "[Cached] " + members;

    private static async Task AssertAgreementAsync(string source, bool expectSkip)
    {
        var compilation = GeneratorHarness.Compile(source);
        compilation = compilation.WithOptions(compilation.Options.WithAllowUnsafe(true));
        var driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var generated = driver.GetRunResult().GeneratedTrees.Select(t => t.ToString()).ToList();

        var skipped = output.GetDiagnostics().Where(d => d.Id == "CS8795").ToList();
        var compilerErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var analyzerErrors = await AnalyzerErrorsAsync(output);

        if (expectSkip)
        {
            // The generator did not implement the method: it left it out (CS8795), wrote a throwing stub,
            // or the declaration cannot compile at all (a partial method in a type that is not partial).
            // Either way a CACHKA error must say why.
            var stubbed = generated.Count > 0 && generated.All(t => t.Contains("NotSupportedException", StringComparison.Ordinal) && !t.Contains("GetOrCreate", StringComparison.Ordinal));
            Assert.That(skipped.Count > 0 || stubbed || (generated.Count == 0 && compilerErrors.Count > 0), Is.True,
                "the generator implemented the method:\n" + string.Join("\n", generated));
            Assert.That(analyzerErrors, Is.Not.Empty, "no analyzer error; compiler says:\n" + string.Join("\n", compilerErrors));
            Assert.That(analyzerErrors.Select(d => d.Id), Is.All.StartsWith("CACHKA"));
        }
        else
        {
            Assert.That(analyzerErrors, Is.Empty, string.Join("\n", analyzerErrors));
            Assert.That(skipped, Is.Empty, "the generator skipped a method the analyzers accept");
            Assert.That(compilerErrors, Is.Empty, string.Join("\n", compilerErrors));
        }
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Tests.Architecture;

/// <summary>
/// The runtime's house rules, read from its sources: every namespace names its folder, and a folder
/// references only the folders below it (the table in <see cref="Allowed"/>, drawn in docs/architecture.md).
/// A reference is any name in a file that binds to a type declared in another folder of the runtime.
/// </summary>
public sealed class RuntimeLayoutTests
{
    // Folder -> the runtime folders its files may name. The root folder is the public surface: every folder
    // but Internal may use its types (configs, results, ICache), and it builds the caches and layers.
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [""] = ["*"],
        ["DependencyInjection"] = ["*"],
        ["Hybrid"] = ["", "Pipeline", "Telemetry", "Serialization", "Internal"],
        ["Generated"] = ["", "Pipeline", "Keys", "Serialization", "Internal"],
        ["Configuration"] = ["", "Layers", "Serialization", "Internal"],
        ["Pipeline"] = ["", "Layers", "Layers/Memory", "Telemetry", "Internal"],
        ["Telemetry"] = ["", "Layers", "Internal"],
        ["Layers"] = ["", "Internal"],
        ["Layers/Memory"] = ["", "Layers", "Internal"],
        ["Layers/Distributed"] = ["", "Layers", "Serialization"],
        ["Layers/Sqlite"] = ["", "Layers", "Serialization", "Encryption", "Keys", "Internal"],
        ["Serialization"] = ["", "Encryption", "Internal"],
        ["Encryption"] = ["", "Internal"],
        ["Keys"] = ["", "Internal"],
        ["Internal"] = [],
    };

    private static readonly Lazy<Layout> s_layout = new(Layout.Read);

    [Test]
    public void Every_namespace_names_its_folder()
    {
        var wrong = new List<string>();
        foreach (var (file, folder, ns) in s_layout.Value.Namespaces)
        {
            var expected = folder switch
            {
                "" => "Cachka",
                "DependencyInjection" => "Microsoft.Extensions.DependencyInjection", // where AddCachka is found, by convention
                _ => "Cachka." + folder.Replace('/', '.'),
            };
            if (ns != expected)
                wrong.Add($"{file}: namespace {ns}, expected {expected}");
        }

        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void Every_folder_has_a_place_in_the_dependency_table()
    {
        var unknown = s_layout.Value.Folders.Where(folder => !Allowed.ContainsKey(folder)).ToList();
        Assert.That(unknown, Is.Empty, "add the folder to RuntimeLayoutTests.Allowed and docs/architecture.md");
    }

    [Test]
    public void Every_folder_is_on_the_architecture_map()
    {
        var map = File.ReadAllText(Repository.PathOf("docs", "architecture.md"));
        var missing = s_layout.Value.Folders.Where(folder => folder.Length > 0 && !map.Contains("| `" + folder + "/` |", StringComparison.Ordinal)).ToList();
        Assert.That(missing, Is.Empty, "docs/architecture.md has a row per runtime folder");
    }

    [Test]
    public void Folders_reference_only_the_folders_below_them()
    {
        var wrong = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (file, from, to, name) in s_layout.Value.References)
        {
            if (from == to || !Allowed.TryGetValue(from, out var allowed) || allowed.Contains("*") || allowed.Contains(to))
                continue;
            wrong.Add($"{(from.Length == 0 ? "(root)" : from)} -> {(to.Length == 0 ? "(root)" : to)}: {file} names {name}");
        }

        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void The_dependency_table_has_no_cycles_below_the_root()
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var folder in Allowed.Keys)
            Assert.That(Visit(folder, state, []), Is.Null);
    }

    private static string? Visit(string folder, Dictionary<string, int> state, List<string> path)
    {
        if (folder.Length == 0 || folder == "DependencyInjection")
            return null; // the edges of the library: nothing below refers back to them except the root's public types
        if (state.TryGetValue(folder, out var s))
            return s == 1 ? string.Join(" -> ", path.Append(folder)) : null;
        state[folder] = 1;
        path.Add(folder);
        foreach (var next in Allowed[folder])
        {
            if (next != "*" && Visit(next, state, path) is { } cycle)
                return cycle;
        }

        path.RemoveAt(path.Count - 1);
        state[folder] = 2;
        return null;
    }

    private sealed record Layout(
        IReadOnlyList<(string File, string Folder, string Namespace)> Namespaces,
        IReadOnlySet<string> Folders,
        IReadOnlyList<(string File, string From, string To, string Name)> References)
    {
        public static Layout Read()
        {
            var root = Repository.PathOf("Cachka.Runtime");
            var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                .Where(path => !IsBuildOutput(root, path))
                .ToList();
            var trees = files.Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), new CSharpParseOptions(LanguageVersion.Preview), path)).ToList();
            var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(path => !Path.GetFileName(path).Equals("Cachka.Runtime.dll", StringComparison.OrdinalIgnoreCase))
                .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
            var compilation = CSharpCompilation.Create("LayoutProbe", trees, references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

            var namespaces = new List<(string, string, string)>();
            var folders = new HashSet<string>(StringComparer.Ordinal);
            var found = new List<(string, string, string, string)>();
            foreach (var tree in trees)
            {
                var file = Path.GetRelativePath(root, tree.FilePath).Replace('\\', '/');
                var folder = FolderOf(root, tree.FilePath);
                var syntax = tree.GetCompilationUnitRoot();
                foreach (var declaration in syntax.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
                    namespaces.Add((file, folder, declaration.Name.ToString()));
                if (!syntax.DescendantNodes().OfType<BaseTypeDeclarationSyntax>().Any())
                    continue; // global usings and the like
                folders.Add(folder);

                var model = compilation.GetSemanticModel(tree);
                foreach (var name in syntax.DescendantNodes().OfType<SimpleNameSyntax>())
                {
                    var symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                    var type = symbol as INamedTypeSymbol ?? symbol?.ContainingType;
                    while (type?.ContainingType is { } outer)
                        type = outer;
                    if (type is null || !SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation.Assembly))
                        continue;
                    foreach (var location in type.Locations)
                    {
                        if (location.SourceTree is { } declared && FolderOf(root, declared.FilePath) is var to && to != folder)
                            found.Add((file, folder, to, type.Name));
                    }
                }
            }

            return new Layout(namespaces, folders, found);
        }

        private static bool IsBuildOutput(string root, string path)
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            return relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal);
        }

        private static string FolderOf(string root, string path)
        {
            var directory = Path.GetDirectoryName(Path.GetRelativePath(root, path))!.Replace('\\', '/');
            return directory;
        }
    }
}

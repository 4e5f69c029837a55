using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Generators;

/// <summary>
/// What a compilation declares, as an object shared by the compilations of one assembly that declare the same: the same
/// options and references (the same objects), and the same syntax trees in the same order, where a tree may be replaced
/// by one that differs only inside bodies the parser never reads (a keystroke in a method body, the usual edit in an
/// IDE). The parser reads declarations only, so what it made of a method under one object holds under it.
/// </summary>
/// <remarks>
/// The syntax providers run every transform again on each new compilation (they combine each tree's nodes with the
/// compilation), so without this a keystroke anywhere parses every <c>[Cached]</c> method again. The <c>[Cached]</c>
/// pipeline's transform looks its node up before it binds anything; ForAttributeWithMetadataName (the invalidation
/// pipelines) binds each node's symbol and attributes before its transform runs.
/// </remarks>
internal sealed class Declarations
{
    private readonly CompilationOptions _options;
    private readonly MetadataReference[] _references;
    private readonly SyntaxTree[] _trees;

    private Declarations(CompilationOptions options, MetadataReference[] references, SyntaxTree[] trees)
    {
        _options = options;
        _references = references;
        _trees = trees;
    }

    private static readonly ConditionalWeakTable<Compilation, Declarations> s_ofCompilation = new();

    // Whether a type is declared, by metadata name: the compilation's lookup walks namespaces that are new objects in each
    // compilation, and its answer is the same in every compilation that declares the same.
    private readonly ConcurrentDictionary<string, bool> _declaresType = new(StringComparer.Ordinal);

    /// <summary>Whether the compilation or its references declare the type (one <c>GetTypeByMetadataName</c> while its declarations stay the same).</summary>
    public static bool DeclaresType(Compilation compilation, string metadataName, CancellationToken cancellationToken)
    {
        var declarations = Of(compilation, cancellationToken);
        if (declarations._declaresType.TryGetValue(metadataName, out var declared))
            return declared;
        return declarations._declaresType[metadataName] = compilation.GetTypeByMetadataName(metadataName) is not null;
    }

    // Each assembly's latest object, which its next compilation (an edit's) is compared with. Weak: the compilations
    // and the syntax nodes parsed under an object keep it. It keeps the trees it was made with (of which an edit leaves
    // the edited file's previous version alive until the next edit that changes declarations).
    private static readonly Dictionary<string, WeakReference<Declarations>> s_latest = new(StringComparer.Ordinal);
    private static int s_pruneAt = 256;

    /// <summary>The compilation's declarations: the same object as its assembly's previous compilation's when they declare the same.</summary>
    public static Declarations Of(Compilation compilation, CancellationToken cancellationToken)
    {
        if (s_ofCompilation.TryGetValue(compilation, out var known))
            return known;

        var options = compilation.Options;
        var references = compilation.References.ToArray();
        var trees = compilation.SyntaxTrees.ToArray();
        var assembly = compilation.AssemblyName ?? "";
        Declarations? latest = null;
        lock (s_latest)
        {
            if (s_latest.TryGetValue(assembly, out var weak))
                weak.TryGetTarget(out latest);
        }

        // A script's submissions see their previous submissions' declarations, which are not compared here.
        var declarations = latest is not null && compilation.ScriptCompilationInfo is null && latest.DeclareAlike(options, references, trees, cancellationToken)
            ? latest
            : new Declarations(options, references, trees);
        if (declarations != latest)
        {
            lock (s_latest)
            {
                s_latest[assembly] = new WeakReference<Declarations>(declarations);
                if (s_latest.Count >= s_pruneAt)
                    Prune();
            }
        }

        return s_ofCompilation.GetValue(compilation, _ => declarations);
    }

    private static void Prune()
    {
        foreach (var assembly in s_latest.Where(entry => !entry.Value.TryGetTarget(out _)).Select(entry => entry.Key).ToList())
            s_latest.Remove(assembly);
        s_pruneAt = Math.Max(256, s_latest.Count * 2);
    }

    private bool DeclareAlike(CompilationOptions options, MetadataReference[] references, SyntaxTree[] trees, CancellationToken cancellationToken)
    {
        if (trees.Length != _trees.Length || references.Length != _references.Length || !options.Equals(_options))
            return false;
        for (var i = 0; i < references.Length; i++)
        {
            if (!ReferenceEquals(references[i], _references[i]))
                return false;
        }

        for (var i = 0; i < trees.Length; i++)
        {
            if (!ReferenceEquals(trees[i], _trees[i]) && !DeclareAlike(_trees[i], trees[i], cancellationToken))
                return false;
        }

        return true;
    }

    /// <summary>
    /// Whether two versions of a file declare the same. The compiler's top-level equivalence compares everything but the
    /// contents of blocks, expression bodies and non-constant field initializers (nullable directives included, which
    /// change what a declaration's types mean). The parser reads one body: the key of a type with a primary constructor
    /// holds the parameters its members' bodies capture, so those types compare whole. The path names file-local types.
    /// </summary>
    internal static bool DeclareAlike(SyntaxTree before, SyntaxTree after, CancellationToken cancellationToken)
    {
        if (!string.Equals(before.FilePath, after.FilePath, StringComparison.Ordinal) || !before.Options.Equals(after.Options))
            return false;
        var beforeRoot = before.GetRoot(cancellationToken);
        var afterRoot = after.GetRoot(cancellationToken);
        if (!SyntaxFactory.AreEquivalent(beforeRoot, afterRoot, topLevel: true))
            return false;

        var beforeTypes = PrimaryConstructorTypes(beforeRoot);
        var afterTypes = PrimaryConstructorTypes(afterRoot);
        if (beforeTypes.Count != afterTypes.Count)
            return false;
        for (var i = 0; i < beforeTypes.Count; i++)
        {
            if (!SyntaxFactory.AreEquivalent(beforeTypes[i], afterTypes[i], topLevel: false))
                return false;
        }

        return true;
    }

    // Types can be declared in a namespace or a type only, never in a body: the walk stays out of members.
    private static List<TypeDeclarationSyntax> PrimaryConstructorTypes(SyntaxNode root)
    {
        var types = new List<TypeDeclarationSyntax>();
        foreach (var node in root.DescendantNodes(static node => node is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax))
        {
            if (node is TypeDeclarationSyntax { ParameterList: not null } type)
                types.Add(type);
        }

        return types;
    }
}

/// <summary>
/// What a transform made of each syntax node, kept with the declarations it was read under and returned as is (the same
/// object, which the pipeline compares first by reference) while the compilation declares the same.
/// </summary>
internal sealed class ParsedByNode<T>
    where T : class
{
    private sealed class Parsed(Declarations declarations, T value)
    {
        public Declarations Declarations { get; } = declarations;

        public T Value { get; } = value;
    }

    private readonly ConditionalWeakTable<SyntaxNode, StrongBox<Parsed?>> _latest = new();

    public T Get<TContext>(TContext context, SyntaxNode node, SemanticModel model, Func<TContext, CancellationToken, T> parse, CancellationToken cancellationToken)
    {
        var declarations = Declarations.Of(model.Compilation, cancellationToken);
        var latest = _latest.GetValue(node, static _ => new StrongBox<Parsed?>());
        if (latest.Value is { } parsed && parsed.Declarations == declarations)
            return parsed.Value;
        var value = parse(context, cancellationToken);
        latest.Value = new Parsed(declarations, value);
        return value;
    }
}

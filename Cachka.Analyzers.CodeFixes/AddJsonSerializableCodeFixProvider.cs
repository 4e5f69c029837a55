using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Cachka.Analyzers.CodeFixes;

/// <summary>
/// CACHKA017: adds <c>[JsonSerializable(typeof(T))]</c> for the cached result to a <c>JsonSerializerContext</c> of the
/// project that the generator registers (the first by name), or creates <c>CachedJsonContext</c> when there is none.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddJsonSerializableCodeFixProvider)), Shared]
public sealed class AddJsonSerializableCodeFixProvider : CodeFixProvider
{
    private const string NewContextName = "CachedJsonContext";
    private const string AttributeName = "global::System.Text.Json.Serialization.JsonSerializable";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ResultWithoutJsonMetadataId);

    // Several results fixed at once would each add the same new file: one at a time.
    public override FixAllProvider? GetFixAllProvider() => null;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var diagnostic = context.Diagnostics[0];
        if (!diagnostic.Properties.TryGetValue(DiagnosticDescriptors.JsonValueTypeProperty, out var valueType) || valueType is null)
        {
            return;
        }

        var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (semanticModel is null || root is null)
        {
            return;
        }

        var target = FindContext(semanticModel.Compilation, context.CancellationToken);
        if (target is not null)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Add [JsonSerializable(typeof(" + Short(valueType) + "))] to '" + target.Name + "'",
                    cancellationToken => AddToContextAsync(context.Document.Project.Solution, target, valueType, cancellationToken),
                    equivalenceKey: DiagnosticDescriptors.ResultWithoutJsonMetadataId),
                diagnostic);
            return;
        }

        var method = root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>();
        var ns = method is null ? null : semanticModel.GetDeclaredSymbol(method, context.CancellationToken)?.ContainingNamespace;
        context.RegisterCodeFix(
            CodeAction.Create(
                "Create '" + NewContextName + "' with [JsonSerializable(typeof(" + Short(valueType) + "))]",
                cancellationToken => Task.FromResult(CreateContext(context.Document, ns, valueType)),
                equivalenceKey: DiagnosticDescriptors.ResultWithoutJsonMetadataId),
            diagnostic);
    }

    private static string Short(string fullyQualified) => fullyQualified.Replace("global::", string.Empty);

    // The registrable contexts declared in source, first by fully qualified name (deterministic).
    private static INamedTypeSymbol? FindContext(Compilation compilation, CancellationToken cancellationToken) =>
        JsonMetadataTypes.FindContexts(compilation, cancellationToken)
            .Select(found => found.Context)
            .Where(context => JsonMetadataTypes.DescribeUnregistrable(context) is null && context.DeclaringSyntaxReferences.Length > 0)
            .OrderBy(context => context.ToDisplayString(), System.StringComparer.Ordinal)
            .FirstOrDefault();

    private static async Task<Solution> AddToContextAsync(Solution solution, INamedTypeSymbol target, string valueType, CancellationToken cancellationToken)
    {
        // The declaration that already lists [JsonSerializable] types (a partial context may have several parts).
        ClassDeclarationSyntax? declaration = null;
        foreach (var reference in target.DeclaringSyntaxReferences)
        {
            if (await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is ClassDeclarationSyntax candidate)
            {
                declaration ??= candidate;
                if (candidate.AttributeLists.Count > 0)
                {
                    declaration = candidate;
                    break;
                }
            }
        }

        var document = declaration is null ? null : solution.GetDocument(declaration.SyntaxTree);
        if (declaration is null || document is null)
        {
            return solution;
        }

        var list = AttributeList(valueType, EndOfLine(declaration));
        ClassDeclarationSyntax updated;
        if (declaration.AttributeLists.Count == 0)
        {
            updated = declaration.WithoutLeadingTrivia()
                .WithAttributeLists(SyntaxFactory.SingletonList(list.WithLeadingTrivia(declaration.GetLeadingTrivia())));
        }
        else
        {
            var last = declaration.AttributeLists[declaration.AttributeLists.Count - 1];
            var indentation = last.GetLeadingTrivia().Where(trivia => trivia.IsKind(SyntaxKind.WhitespaceTrivia));
            updated = declaration.WithAttributeLists(declaration.AttributeLists.Add(list.WithLeadingTrivia(indentation)));
        }

        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root is null ? solution : document.WithSyntaxRoot(root.ReplaceNode(declaration, updated)).Project.Solution;
    }

    // The file's own line ending, so the fix does not mix CRLF into an LF file or the reverse.
    private static SyntaxTrivia EndOfLine(SyntaxNode node)
    {
        foreach (var trivia in node.SyntaxTree.GetRoot().DescendantTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                return trivia;
            }
        }

        return SyntaxFactory.EndOfLine("\n");
    }

    private static AttributeListSyntax AttributeList(string valueType, SyntaxTrivia endOfLine) =>
        SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.Attribute(
                    SyntaxFactory.ParseName(AttributeName).WithAdditionalAnnotations(Simplifier.Annotation),
                    SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(
                        SyntaxFactory.AttributeArgument(
                            SyntaxFactory.TypeOfExpression(SyntaxFactory.ParseTypeName(valueType).WithAdditionalAnnotations(Simplifier.Annotation))))))))
            .WithTrailingTrivia(endOfLine);

    private static Solution CreateContext(Document document, INamespaceSymbol? ns, string valueType)
    {
        var namespaceLine = ns is null || ns.IsGlobalNamespace ? string.Empty : "namespace " + ns.ToDisplayString() + ";\n\n";
        var text =
            "using System.Text.Json.Serialization;\n\n"
            + namespaceLine
            + "/// <summary>JSON metadata for the values Cachka stores in SQLite and Redis without reflection (trimmed and Native AOT builds).</summary>\n"
            + "[JsonSerializable(typeof(" + valueType + "))]\n"
            + "internal sealed partial class " + NewContextName + " : JsonSerializerContext\n"
            + "{\n"
            + "}\n";
        // The type is written fully qualified and simplified when the fix is applied.
        var root = SyntaxFactory.ParseCompilationUnit(text);
        root = root.ReplaceNodes(
            root.DescendantNodes().OfType<TypeOfExpressionSyntax>(),
            (_, typeOf) => typeOf.WithType(typeOf.Type.WithAdditionalAnnotations(Simplifier.Annotation)));
        return document.Project.AddDocument(NewContextName + ".cs", root, document.Folders).Project.Solution;
    }
}

using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Cachka.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Analyzers.CodeFixes;

/// <summary>
/// CACHKA010: marks a field or property that distinguishes instances with [CacheKey], one action per
/// member of the type whose value has a key form.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MarkCacheKeyCodeFixProvider)), Shared]
public sealed class MarkCacheKeyCodeFixProvider : CodeFixProvider
{
    private const string CacheKeyName = "Cachka.CacheKeyAttribute";
    private const string CacheSourceName = "Cachka.CacheSourceAttribute";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.InstanceWithoutCacheKeyId);

    public override FixAllProvider? GetFixAllProvider() => null;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        var diagnostic = context.Diagnostics[0];
        if (root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
            || semanticModel?.GetDeclaredSymbol(method, context.CancellationToken) is not { ContainingType: { } type })
        {
            return;
        }

        foreach (var member in type.GetMembers())
        {
            if (Candidate(member, semanticModel.Compilation, context.CancellationToken) is not { } declaration)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Mark '" + member.Name + "' [CacheKey] (instances that differ in it get their own entries)",
                    cancellationToken => MarkAsync(context.Document.Project.Solution, declaration, cancellationToken),
                    equivalenceKey: "MarkCacheKey:" + member.Name),
                diagnostic);
        }
    }

    // The declaration to annotate when the member is a readable instance field or property of the type,
    // declared in source by the user, not already a key or a cache source, whose type has a key form.
    private static MemberDeclarationSyntax? Candidate(ISymbol member, Compilation compilation, CancellationToken cancellationToken)
    {
        ITypeSymbol type;
        switch (member)
        {
            case IFieldSymbol { IsStatic: false, IsConst: false, IsImplicitlyDeclared: false } field:
                type = field.Type;
                break;
            case IPropertySymbol { IsStatic: false, IsIndexer: false, GetMethod: not null, IsImplicitlyDeclared: false } property:
                type = property.Type;
                break;
            default:
                return null;
        }

        if (member.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() is CacheKeyName or CacheSourceName)
            || KeyShapes.Of(type, compilation, out _, cancellationToken) is not { CheckedAtRunTime: false }
            || member.DeclaringSyntaxReferences.Length != 1)
        {
            return null;
        }

        return member.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) switch
        {
            PropertyDeclarationSyntax property => property,
            VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: FieldDeclarationSyntax field } } => field,
            _ => null,
        };
    }

    private static async Task<Solution> MarkAsync(Solution solution, MemberDeclarationSyntax declaration, CancellationToken cancellationToken)
    {
        var document = solution.GetDocument(declaration.SyntaxTree);
        var root = await declaration.SyntaxTree.GetRootAsync(cancellationToken).ConfigureAwait(false);
        var semanticModel = document is null ? null : await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (document is null || semanticModel is null)
        {
            return solution;
        }

        var attribute = semanticModel.Compilation.GetTypeByMetadataName(CacheKeyName);
        var inScope = attribute is not null
            && semanticModel.LookupNamespacesAndTypes(declaration.SpanStart, name: "CacheKeyAttribute").Contains(attribute, SymbolEqualityComparer.Default);
        // Parsed, not built: tokens from SyntaxFactory carry elastic trivia, which the fix's formatting
        // would turn into a line break after the attribute.
        var list = SyntaxFactory.ParseMemberDeclaration("[" + (inScope ? "CacheKey" : "global::Cachka.CacheKey") + "] int __;")!.AttributeLists[0].WithoutTrivia();

        MemberDeclarationSyntax updated;
        if (declaration.AttributeLists.Count > 0)
        {
            updated = declaration.WithAttributeLists(declaration.AttributeLists.Add(list.WithTrailingTrivia(SyntaxFactory.Space)));
        }
        else
        {
            var leading = declaration.GetLeadingTrivia();
            updated = declaration.WithoutLeadingTrivia()
                .WithAttributeLists(SyntaxFactory.SingletonList(list.WithLeadingTrivia(leading).WithTrailingTrivia(SyntaxFactory.Space)));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(declaration, updated)).Project.Solution;
    }
}

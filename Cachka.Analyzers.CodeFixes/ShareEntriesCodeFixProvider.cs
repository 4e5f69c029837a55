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

namespace Cachka.Analyzers.CodeFixes;

/// <summary>CACHKA010: states that all instances may share entries with SimplifiedSelfSerialization = true.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ShareEntriesCodeFixProvider)), Shared]
public sealed class ShareEntriesCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.InstanceWithoutCacheKeyId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        var diagnostic = context.Diagnostics[0];
        if (root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
            || semanticModel is null
            || FindCachedAttribute(method, semanticModel, context.CancellationToken) is not { } attribute)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Let all instances share entries (SimplifiedSelfSerialization = true)",
                _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(attribute, WithSharing(attribute)))),
                equivalenceKey: DiagnosticDescriptors.InstanceWithoutCacheKeyId),
            diagnostic);
    }

    private static AttributeSyntax? FindCachedAttribute(MethodDeclarationSyntax method, SemanticModel semanticModel, CancellationToken cancellationToken)
    {
        foreach (var list in method.AttributeLists)
        {
            foreach (var attribute in list.Attributes)
            {
                if (semanticModel.GetSymbolInfo(attribute, cancellationToken).Symbol is IMethodSymbol constructor
                    && constructor.ContainingType.ToDisplayString() == "Cachka.CachedAttribute")
                {
                    return attribute;
                }
            }
        }

        return null;
    }

    private static AttributeSyntax WithSharing(AttributeSyntax attribute)
    {
        var argument = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName("SimplifiedSelfSerialization"), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)),
            nameColon: null,
            SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression));

        // An explicit 'SimplifiedSelfSerialization = false' is replaced, anything else is kept.
        if (attribute.ArgumentList is { } existing)
        {
            foreach (var current in existing.Arguments)
            {
                if (current.NameEquals?.Name.Identifier.ValueText == "SimplifiedSelfSerialization")
                {
                    return attribute.ReplaceNode(current, argument.WithTriviaFrom(current));
                }
            }

            var separator = SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space);
            var separators = existing.Arguments.Count == 0
                ? existing.Arguments.GetSeparators()
                : existing.Arguments.GetSeparators().Append(separator);
            return attribute.WithArgumentList(existing.WithArguments(SyntaxFactory.SeparatedList(existing.Arguments.Append(argument), separators)));
        }

        return attribute.WithArgumentList(SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(argument)));
    }
}

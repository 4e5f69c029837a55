using System.Collections.Generic;
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

/// <summary>
/// CACHKA001, CACHKA025: adds 'partial' to the [Cached] (or invalidating) method and to every containing type that lacks it. A
/// method that had a body becomes a partial declaration and its body moves to the &lt;Name&gt;Core method.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider)), Shared]
public sealed class MakePartialCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.NotPartialId, DiagnosticDescriptors.InvalidationNotPartialId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var diagnostic = context.Diagnostics[0];
        if (root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method)
        {
            return;
        }

        diagnostic.Properties.TryGetValue(DiagnosticDescriptors.ImplementationNameProperty, out var implementationName);
        var movesBody = !method.Modifiers.Any(SyntaxKind.PartialKeyword) && (method.Body is not null || method.ExpressionBody is not null);
        if (movesBody && (implementationName is null || !SyntaxFacts.IsValidIdentifier(implementationName)))
        {
            return;
        }

        var title = movesBody ? "Make partial and move the body to '" + implementationName + "'" : "Make partial";
        context.RegisterCodeFix(
            CodeAction.Create(
                title,
                cancellationToken => Task.FromResult(context.Document.WithSyntaxRoot(MakePartial(root, method, movesBody ? implementationName : null, cancellationToken))),
                equivalenceKey: diagnostic.Id),
            diagnostic);
    }

    private static SyntaxNode MakePartial(SyntaxNode root, MethodDeclarationSyntax method, string? bodyName, CancellationToken cancellationToken)
    {
        var types = method.Ancestors().OfType<TypeDeclarationSyntax>().Where(type => !type.Modifiers.Any(SyntaxKind.PartialKeyword)).ToList();
        root = root.TrackNodes(types.Cast<SyntaxNode>().Append(method));

        var current = root.GetCurrentNode(method)!;
        if (bodyName is not null)
        {
            root = root.ReplaceNode(current, new SyntaxNode[] { ToDefinition(current), ToBody(current, bodyName) });
        }
        else if (!current.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            root = root.ReplaceNode(current, ModifierSyntax.AddPartial(current));
        }

        foreach (var type in types)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var currentType = root.GetCurrentNode(type)!;
            root = root.ReplaceNode(currentType, ModifierSyntax.AddPartial(currentType));
        }

        return root;
    }

    // The declaration the generator implements: same attributes, comments and signature, no body, no 'async'.
    private static MethodDeclarationSyntax ToDefinition(MethodDeclarationSyntax method)
    {
        var lastToken = method.GetLastToken();
        var parameters = method.ParameterList.WithCloseParenToken(method.ParameterList.CloseParenToken.WithTrailingTrivia());
        var definition = method
            .WithBody(null)
            .WithExpressionBody(null)
            .WithParameterList(parameters)
            .WithSemicolonToken(SyntaxFactory.Token(SyntaxKind.SemicolonToken).WithTrailingTrivia(lastToken.TrailingTrivia));
        var async = definition.Modifiers.IndexOf(SyntaxKind.AsyncKeyword);
        if (async >= 0)
        {
            var removed = definition.Modifiers[async];
            var modifiers = definition.Modifiers.RemoveAt(async);
            if (async == 0 && modifiers.Count > 0)
            {
                modifiers = modifiers.Replace(modifiers[0], modifiers[0].WithLeadingTrivia(removed.LeadingTrivia));
            }

            definition = definition.WithModifiers(modifiers);
        }

        return ModifierSyntax.AddPartial(definition);
    }

    // The uncached body: private, static and async as before, parameters without attributes or defaults.
    private static MethodDeclarationSyntax ToBody(MethodDeclarationSyntax method, string name)
    {
        var indentation = method.GetLeadingTrivia().LastOrDefault(trivia => trivia.IsKind(SyntaxKind.WhitespaceTrivia));
        var leading = indentation.IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(SyntaxFactory.EndOfLine("\n"), indentation)
            : SyntaxFactory.TriviaList(SyntaxFactory.EndOfLine("\n"));

        var modifiers = new List<SyntaxToken> { SyntaxFactory.Token(SyntaxKind.PrivateKeyword) };
        foreach (var kind in new[] { SyntaxKind.StaticKeyword, SyntaxKind.UnsafeKeyword, SyntaxKind.AsyncKeyword })
        {
            if (method.Modifiers.Any(kind))
            {
                modifiers.Add(SyntaxFactory.Token(kind));
            }
        }

        var parameters = method.ParameterList.Parameters.Select(parameter => parameter
            .WithAttributeLists(default)
            .WithDefault(null)
            .WithIdentifier(parameter.Default is null ? parameter.Identifier : parameter.Identifier.WithTrailingTrivia())
            .WithModifiers(SyntaxFactory.TokenList(parameter.Modifiers.Where(modifier => !modifier.IsKind(SyntaxKind.ParamsKeyword) && !modifier.IsKind(SyntaxKind.ThisKeyword)))));
        var parameterList = method.ParameterList.WithParameters(SyntaxFactory.SeparatedList(parameters, method.ParameterList.Parameters.GetSeparators()));

        return method
            .WithAttributeLists(default)
            .WithModifiers(SyntaxFactory.TokenList(modifiers.Select(modifier => modifier.WithTrailingTrivia(SyntaxFactory.Space))))
            .WithReturnType(method.ReturnType.WithoutLeadingTrivia())
            .WithIdentifier(SyntaxFactory.Identifier(name).WithTriviaFrom(method.Identifier))
            .WithParameterList(parameterList)
            .WithLeadingTrivia(leading);
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Analyzers.CodeFixes;

/// <summary>Adds modifiers without disturbing the declaration's comments and indentation.</summary>
internal static class ModifierSyntax
{
    /// <summary>Adds 'partial' as the last modifier; a method without accessibility also gets 'private' (a partial method with a return value needs one).</summary>
    public static TNode AddPartial<TNode>(TNode node)
        where TNode : MemberDeclarationSyntax
    {
        if (node.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return node;
        }

        var needsAccessibility = node is MethodDeclarationSyntax && !HasAccessibility(node.Modifiers);
        var modifiers = node.Modifiers;
        if (modifiers.Count == 0)
        {
            var next = FirstTokenAfterModifiers(node);
            var trivia = next.LeadingTrivia;
            node = node.ReplaceToken(next, next.WithLeadingTrivia());
            modifiers = needsAccessibility
                ? SyntaxFactory.TokenList(
                    SyntaxFactory.Token(trivia, SyntaxKind.PrivateKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space)),
                    SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                : SyntaxFactory.TokenList(SyntaxFactory.Token(trivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space)));
            return (TNode)node.WithModifiers(modifiers);
        }

        if (needsAccessibility)
        {
            var first = modifiers[0];
            modifiers = modifiers
                .Replace(first, first.WithLeadingTrivia())
                .Insert(0, SyntaxFactory.Token(first.LeadingTrivia, SyntaxKind.PrivateKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space)));
        }

        return (TNode)node.WithModifiers(modifiers.Add(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space)));
    }

    public static bool HasAccessibility(SyntaxTokenList modifiers) =>
        modifiers.Any(SyntaxKind.PublicKeyword)
        || modifiers.Any(SyntaxKind.PrivateKeyword)
        || modifiers.Any(SyntaxKind.ProtectedKeyword)
        || modifiers.Any(SyntaxKind.InternalKeyword);

    private static SyntaxToken FirstTokenAfterModifiers(MemberDeclarationSyntax node) => node switch
    {
        MethodDeclarationSyntax method => method.ReturnType.GetFirstToken(),
        TypeDeclarationSyntax type => type.Keyword,
        _ => node.GetFirstToken(),
    };
}

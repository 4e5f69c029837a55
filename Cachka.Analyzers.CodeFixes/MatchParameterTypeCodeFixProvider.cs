using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Analyzers.CodeFixes;

/// <summary>
/// CACHKA024: declares the invalidating method's parameter with the type the target keys it as, and the same-named
/// parameter of its body (declared in the same type and file) too, so the body still matches.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MatchParameterTypeCodeFixProvider)), Shared]
public sealed class MatchParameterTypeCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidationParameterTypeId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var diagnostic = context.Diagnostics[0];
        if (root is null
            || diagnostic.AdditionalLocations.Count == 0
            || !diagnostic.Properties.TryGetValue(DiagnosticDescriptors.ParameterTypeProperty, out var typeText) || typeText is null
            || root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan).FirstAncestorOrSelf<ParameterSyntax>() is not { Type: { } oldType } parameter
            || parameter.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method)
        {
            return;
        }

        var name = parameter.Identifier.ValueText;
        context.RegisterCodeFix(
            CodeAction.Create(
                "Declare '" + name + "' as '" + typeText + "'",
                _ => Task.FromResult(context.Document.WithSyntaxRoot(Retype(root, method, name, oldType.ToString(), typeText))),
                equivalenceKey: DiagnosticDescriptors.InvalidationParameterTypeId),
            diagnostic);
    }

    // The parameter of the method and of each same-type method named <Name>Core (or by Implementation) with the old type.
    private static SyntaxNode Retype(SyntaxNode root, MethodDeclarationSyntax method, string name, string oldType, string newType)
    {
        var bodyNames = new HashSet<string> { method.Identifier.ValueText + "Core" };
        foreach (var argument in method.AttributeLists.SelectMany(l => l.Attributes).SelectMany(a => a.ArgumentList?.Arguments ?? default))
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == "Implementation" && argument.Expression is LiteralExpressionSyntax literal)
            {
                bodyNames.Add(literal.Token.ValueText);
            }
            else if (argument.NameEquals?.Name.Identifier.ValueText == "Implementation"
                && argument.Expression is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 1 } nameOf
                && nameOf.ArgumentList.Arguments[0].Expression is IdentifierNameSyntax named)
            {
                bodyNames.Add(named.Identifier.ValueText);
            }
        }

        var methods = new List<MethodDeclarationSyntax> { method };
        if (method.Parent is TypeDeclarationSyntax type)
        {
            methods.AddRange(type.Members.OfType<MethodDeclarationSyntax>().Where(m => m != method && bodyNames.Contains(m.Identifier.ValueText)));
        }

        var parameters = methods
            .SelectMany(m => m.ParameterList.Parameters)
            .Where(p => p.Identifier.ValueText == name && p.Type is not null && p.Type.ToString() == oldType)
            .ToList();
        return root.ReplaceNodes(parameters, (original, _) => original.WithType(SyntaxFactory.ParseTypeName(newType).WithTriviaFrom(original.Type!)));
    }
}

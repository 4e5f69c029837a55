using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Analyzers.CodeFixes;

/// <summary>CACHKA002, CACHKA026 (when the body is missing): adds the body as a private stub with the method's signature.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddImplementationCodeFixProvider)), Shared]
public sealed class AddImplementationCodeFixProvider : CodeFixProvider
{
    private const string IndentUnit = "    ";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ImplementationNotFoundId, DiagnosticDescriptors.InvalidationBodyId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var diagnostic = context.Diagnostics[0];
        if (root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
            || !diagnostic.Properties.TryGetValue(DiagnosticDescriptors.ImplementationNameProperty, out var name)
            || name is null
            || !SyntaxFacts.IsValidIdentifier(name)
            || (diagnostic.Id == DiagnosticDescriptors.InvalidationBodyId && !diagnostic.Properties.ContainsKey(DiagnosticDescriptors.BodyMissingProperty)))
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                (diagnostic.Id == DiagnosticDescriptors.InvalidationBodyId ? "Add the body '" : "Add the uncached body '") + name + "'",
                _ => Task.FromResult(context.Document.WithSyntaxRoot(root.InsertNodesAfter(method, new[] { CreateStub(method, name) }))),
                equivalenceKey: diagnostic.Id),
            diagnostic);
    }

    private static MemberDeclarationSyntax CreateStub(MethodDeclarationSyntax method, string name)
    {
        var indentation = method.GetLeadingTrivia().LastOrDefault(trivia => trivia.IsKind(SyntaxKind.WhitespaceTrivia)).ToString();
        var text = new StringBuilder();
        text.Append('\n').Append(indentation).Append("private ");
        if (method.Modifiers.Any(SyntaxKind.StaticKeyword))
        {
            text.Append("static ");
        }

        text.Append(method.ReturnType.WithoutTrivia().ToString()).Append(' ').Append(name).Append('(');
        var first = true;
        foreach (var parameter in method.ParameterList.Parameters)
        {
            if (!first)
            {
                text.Append(", ");
            }

            first = false;
            foreach (var modifier in parameter.Modifiers)
            {
                if (!modifier.IsKind(SyntaxKind.ParamsKeyword) && !modifier.IsKind(SyntaxKind.ThisKeyword))
                {
                    text.Append(modifier.ValueText).Append(' ');
                }
            }

            text.Append(parameter.Type?.WithoutTrivia().ToString()).Append(' ').Append(parameter.Identifier.ValueText);
        }

        text.Append(")\n")
            .Append(indentation).Append("{\n")
            .Append(indentation).Append(IndentUnit).Append("throw new global::System.NotImplementedException();\n")
            .Append(indentation).Append("}\n");
        return SyntaxFactory.ParseMemberDeclaration(text.ToString())!;
    }
}

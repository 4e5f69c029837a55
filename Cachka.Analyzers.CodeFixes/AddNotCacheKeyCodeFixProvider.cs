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

/// <summary>CACHKA007, CACHKA011 and CACHKA015 on a parameter: leaves it out of the key with [NotCacheKey].</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddNotCacheKeyCodeFixProvider)), Shared]
public sealed class AddNotCacheKeyCodeFixProvider : CodeFixProvider
{
    private const string AttributeMetadataName = "Cachka.NotCacheKeyAttribute";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.KeyTypeNotEncodableId, DiagnosticDescriptors.ContextParameterInKeyId, DiagnosticDescriptors.KeyCheckedAtRunTimeId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            // CACHKA007 on a [CacheKey] member is fixed by the user's choice of type, not by this attribute.
            if (root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<ParameterSyntax>() is not { } parameter)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Leave '" + parameter.Identifier.ValueText + "' out of the cache key with [NotCacheKey]",
                    cancellationToken => AddAttributeAsync(context.Document, root, parameter, cancellationToken),
                    equivalenceKey: "AddNotCacheKey"),
                diagnostic);
        }
    }

    private static async Task<Document> AddAttributeAsync(Document document, SyntaxNode root, ParameterSyntax parameter, CancellationToken cancellationToken)
    {
        var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var attribute = semanticModel?.Compilation.GetTypeByMetadataName(AttributeMetadataName);
        var inScope = attribute is not null
            && semanticModel!.LookupNamespacesAndTypes(parameter.SpanStart, name: "NotCacheKeyAttribute").Contains(attribute, SymbolEqualityComparer.Default);
        NameSyntax name = inScope
            ? SyntaxFactory.IdentifierName("NotCacheKey")
            : SyntaxFactory.ParseName("global::Cachka.NotCacheKey");

        var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(name)))
            .WithLeadingTrivia(parameter.GetLeadingTrivia())
            .WithTrailingTrivia(SyntaxFactory.Space);
        var updated = parameter.WithoutLeadingTrivia().WithAttributeLists(parameter.AttributeLists.Insert(0, list));
        if (parameter.AttributeLists.Count > 0)
        {
            updated = parameter.WithAttributeLists(parameter.AttributeLists.Add(list.WithLeadingTrivia()));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(parameter, updated));
    }
}

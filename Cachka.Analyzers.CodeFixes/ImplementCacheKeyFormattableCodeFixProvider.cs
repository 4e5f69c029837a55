using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Cachka.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace Cachka.Analyzers.CodeFixes;

/// <summary>
/// CACHKA007: implements Cachka.ICacheKeyFormattable on the user's own type with a key text written
/// from every piece of its state (each instance field, and each captured primary constructor
/// parameter) through CacheKeyBuilder, which escapes and separates them injectively. Offered only when
/// every piece has a direct key form: a key text that leaves state out would bring the collision back.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ImplementCacheKeyFormattableCodeFixProvider)), Shared]
public sealed class ImplementCacheKeyFormattableCodeFixProvider : CodeFixProvider
{
    private const string InterfaceName = "Cachka.ICacheKeyFormattable";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.KeyTypeNotEncodableId);

    public override FixAllProvider? GetFixAllProvider() => null;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || semanticModel is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan);
            var symbol = node.FirstAncestorOrSelf<ParameterSyntax>() is { } parameter
                ? semanticModel.GetDeclaredSymbol(parameter, context.CancellationToken)
                : node.FirstAncestorOrSelf<PropertyDeclarationSyntax>() is { } property
                    ? semanticModel.GetDeclaredSymbol(property, context.CancellationToken)
                    : node.FirstAncestorOrSelf<VariableDeclaratorSyntax>() is { } variable
                        ? semanticModel.GetDeclaredSymbol(variable, context.CancellationToken)
                        : null;
            var type = symbol switch
            {
                IParameterSymbol p => p.Type,
                IPropertySymbol p => p.Type,
                IFieldSymbol f => f.Type,
                _ => null,
            };
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
            }

            if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named
                || named.DeclaringSyntaxReferences.Length == 0
                || named.DeclaringSyntaxReferences[0].GetSyntax(context.CancellationToken) is not TypeDeclarationSyntax declaration
                || KeyText(named, semanticModel.Compilation, context.CancellationToken) is not { } body)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Implement Cachka.ICacheKeyFormattable on '" + named.Name + "' from all of its state",
                    cancellationToken => ImplementAsync(context.Document.Project.Solution, declaration, body, cancellationToken),
                    equivalenceKey: "ImplementCacheKeyFormattable:" + named.Name),
                diagnostic);
        }
    }

    // The statements of FormatCacheKey, or null when a piece of state has no direct key form (or is
    // declared in a base type the fix cannot see into).
    private static string? KeyText(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        if (type.BaseType is { SpecialType: not (SpecialType.System_Object or SpecialType.System_ValueType) })
        {
            return null;
        }

        var state = new List<(string Expression, ITypeSymbol Type)>();
        foreach (var member in type.GetMembers())
        {
            // A captured primary constructor parameter's hidden field is read through the parameter (below).
            if (member is IFieldSymbol { IsStatic: false, IsConst: false } field && !(field.IsImplicitlyDeclared && field.AssociatedSymbol is null))
            {
                if (field.AssociatedSymbol is IEventSymbol)
                {
                    return null;
                }

                state.Add((field.AssociatedSymbol is IPropertySymbol property ? property.Name : field.Name, field.Type));
            }
        }

        foreach (var parameter in KeyShapes.CapturedParameters(type, compilation, cancellationToken))
        {
            state.Add((parameter.Name, parameter.Type));
        }

        var text = new StringBuilder();
        text.Append("var key = new global::Cachka.Keys.CacheKeyBuilder(stackalloc char[128]);\n");
        for (var i = 0; i < state.Count; i++)
        {
            if (i > 0)
            {
                text.Append("key.AppendSeparator();\n");
            }

            if (Append(state[i].Expression, state[i].Type) is not { } statement)
            {
                return null;
            }

            text.Append(statement).Append('\n');
        }

        return text.Append("return key.ToString();").ToString();
    }

    private static string? Append(string expression, ITypeSymbol type)
    {
        if (KeyShapes.IsScalar(type))
        {
            return "key.Append(" + expression + ");";
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            return "key.Append((" + underlying.ToDisplayString() + ")" + expression + ");";
        }

        if (KeyShapes.IsFormattable(type))
        {
            return "key.AppendFormattable(" + expression + ");";
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            && Append(expression + ".GetValueOrDefault()", nullable.TypeArguments[0]) is { } inner)
        {
            return "if (" + expression + ".HasValue) " + inner + " else key.AppendNull();";
        }

        return null;
    }

    private static async Task<Solution> ImplementAsync(Solution solution, TypeDeclarationSyntax declaration, string body, CancellationToken cancellationToken)
    {
        var document = solution.GetDocument(declaration.SyntaxTree);
        var semanticModel = document is null ? null : await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var root = await declaration.SyntaxTree.GetRootAsync(cancellationToken).ConfigureAwait(false);
        if (document is null || semanticModel is null)
        {
            return solution;
        }

        var @interface = semanticModel.Compilation.GetTypeByMetadataName(InterfaceName);
        var inScope = @interface is not null
            && semanticModel.LookupNamespacesAndTypes(declaration.SpanStart, name: "ICacheKeyFormattable").Contains(@interface, SymbolEqualityComparer.Default);
        var baseType = SyntaxFactory.SimpleBaseType(inScope ? SyntaxFactory.IdentifierName("ICacheKeyFormattable") : SyntaxFactory.ParseName("global::Cachka.ICacheKeyFormattable"));

        var method = (MethodDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration(
            "\n/// <summary>The key text: every piece of this value's state, escaped and separated by Cachka.</summary>\n"
            + "public string FormatCacheKey()\n{\n" + body + "\n}\n")!;
        var updated = declaration;
        if (updated.BaseList is { } list)
        {
            updated = updated.WithBaseList(list.AddTypes(baseType));
        }
        else
        {
            // The base list goes after the name, type parameters and any primary constructor parameters.
            var last = updated.ParameterList is { } parameters ? (SyntaxNode)parameters : updated.TypeParameterList is { } typeParameters ? typeParameters : null;
            var trailing = last?.GetTrailingTrivia() ?? updated.Identifier.TrailingTrivia;
            updated = last is not null
                ? updated.ReplaceNode(last, last.WithoutTrailingTrivia())
                : updated.WithIdentifier(updated.Identifier.WithTrailingTrivia());
            updated = updated.WithBaseList(SyntaxFactory.BaseList(SyntaxFactory.SingletonSeparatedList<BaseTypeSyntax>(baseType))
                .WithColonToken(SyntaxFactory.Token(SyntaxKind.ColonToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space))
                .WithTrailingTrivia(trailing));
        }

        if (updated is RecordDeclarationSyntax { OpenBraceToken.RawKind: (int)SyntaxKind.None } record)
        {
            // A record declared with ';' gets a body for the method.
            updated = record.WithSemicolonToken(default)
                .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken))
                .WithCloseBraceToken(SyntaxFactory.Token(SyntaxKind.CloseBraceToken));
        }

        updated = updated.AddMembers(method.WithAdditionalAnnotations(Formatter.Annotation));
        var changed = document.WithSyntaxRoot(root.ReplaceNode(declaration, updated));
        return (await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false)).Project.Solution;
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;

namespace Cachka.Analyzers.CodeFixes;

/// <summary>
/// CACHKA028 and CACHKA029: rewrites <c>cache.GetOrCreate(key, () =&gt; Load(id), ttl)</c> as
/// <c>cache.GetOrCreate(key, id, static id =&gt; Load(id), new CacheEntryOptions(ttl))</c> (several captured variables
/// travel as a tuple, read as <c>state.name</c>). Not offered on a state overload, or when the lambda captures
/// <c>this</c> or declares its parameters' types.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PassStateCodeFixProvider)), Shared]
public sealed class PassStateCodeFixProvider : CodeFixProvider
{
    private const int MaxTupleElements = 7;

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.CapturingFactoryId, DiagnosticDescriptors.FactoryReadsChangingVariableId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<LambdaExpressionSyntax>() is not { } lambda
                || Rewrite(lambda, model, context.CancellationToken) is not { } rewrite)
            {
                continue;
            }

            var names = string.Join(", ", rewrite.Captured.Select(static s => "'" + s.Name + "'"));
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Pass " + names + " as state to a static lambda",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(rewrite.Invocation, rewrite.Replacement))),
                    equivalenceKey: "PassStateToStaticLambda"),
                diagnostic);
        }
    }

    private sealed class Rewritten(InvocationExpressionSyntax invocation, InvocationExpressionSyntax replacement, List<ISymbol> captured)
    {
        public InvocationExpressionSyntax Invocation { get; } = invocation;

        public InvocationExpressionSyntax Replacement { get; } = replacement;

        public List<ISymbol> Captured { get; } = captured;
    }

    private static Rewritten? Rewrite(LambdaExpressionSyntax lambda, SemanticModel model, CancellationToken cancellationToken)
    {
        if (lambda.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } }
            || model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation
            || CapturingFactoryAnalyzer.FactoryMethod(operation.TargetMethod, CapturingFactoryAnalyzer.FactoryMethods(model.Compilation)) is not { } method
            || !CapturingFactoryAnalyzer.IsStateless(method)
            || CapturingFactoryAnalyzer.FactoryLambda(operation) is not { } factory
            || factory.Syntax != lambda
            || CapturingFactoryAnalyzer.Captured(factory, model) is not { } captured
            || captured.Count > MaxTupleElements
            || captured.Any(static s => s is IParameterSymbol { IsThis: true })
            || (captured.Count > 1 && captured.Any(static s => !IsTupleElementName(s.Name)))
            || (lambda is ParenthesizedLambdaExpressionSyntax parenthesized && parenthesized.ParameterList.Parameters.Any(static p => p.Type is not null)))
        {
            return null;
        }

        // One variable is the state and the lambda's parameter of the same name (it shadows the variable, so the body
        // stays as written); several travel as a tuple whose element names are the variables', read as state.name.
        var single = captured.Count == 1;
        var stateName = single ? captured[0].Name : FreeName(lambda, "state");
        ExpressionSyntax state = single
            ? Identifier(captured[0].Name)
            : SyntaxFactory.TupleExpression(SyntaxFactory.SeparatedList(captured.Select(static s => SyntaxFactory.Argument(Identifier(s.Name)))));
        var body = single ? lambda.Body : ReadFromState(lambda.Body, captured, stateName, model, cancellationToken);

        var parameters = new List<ParameterSyntax> { SyntaxFactory.Parameter(SyntaxFactory.Identifier(Escaped(stateName))) };
        parameters.AddRange(lambda switch
        {
            SimpleLambdaExpressionSyntax simple => [simple.Parameter.WithoutTrivia()],
            ParenthesizedLambdaExpressionSyntax withList => withList.ParameterList.Parameters.Select(static p => p.WithoutTrivia()),
            _ => [],
        });
        var modifiers = SyntaxFactory.TokenList(SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        if (lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword))
        {
            modifiers = modifiers.Add(SyntaxFactory.Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }

        var arrow = lambda.ArrowToken;
        LambdaExpressionSyntax replacementLambda = parameters.Count == 1
            ? SyntaxFactory.SimpleLambdaExpression(parameters[0]).WithModifiers(modifiers).WithArrowToken(arrow).WithBody((CSharpSyntaxNode)body)
            : SyntaxFactory.ParenthesizedLambdaExpression()
                .WithParameterList(SyntaxFactory.ParameterList(SyntaxFactory.SeparatedList(parameters)))
                .WithModifiers(modifiers).WithArrowToken(arrow).WithBody((CSharpSyntaxNode)body);
        replacementLambda = replacementLambda.WithTriviaFrom(lambda);

        var arguments = Arguments(invocation.ArgumentList, operation, state, replacementLambda);
        var expression = TypeArguments(invocation.Expression, captured, model);
        // New tokens carry no spacing of their own: the formatter spaces the call (the lambda's body stays as written).
        var replacement = invocation.WithExpression(expression).WithArgumentList(invocation.ArgumentList.WithArguments(arguments))
            .WithAdditionalAnnotations(Formatter.Annotation);
        return new Rewritten(invocation, replacement, captured);
    }

    // key, state, factory, options (from ttl), cancellationToken: each as the call wrote it, named where it was named.
    private static SeparatedSyntaxList<ArgumentSyntax> Arguments(ArgumentListSyntax list, IInvocationOperation operation, ExpressionSyntax state, LambdaExpressionSyntax lambda)
    {
        var named = list.Arguments.Any(static a => a.NameColon is not null);
        var arguments = new List<ArgumentSyntax>();
        foreach (var argument in list.Arguments)
        {
            var ordinal = operation.Arguments.FirstOrDefault(a => a.Syntax == argument)?.Parameter?.Ordinal;
            switch (ordinal)
            {
                case 1:
                    arguments.Add(Named(SyntaxFactory.Argument(state), named ? "state" : null));
                    arguments.Add(argument.WithExpression(lambda));
                    break;
                case 2:
                    var options = SyntaxFactory.ObjectCreationExpression(
                            SyntaxFactory.ParseTypeName("global::Cachka.CacheEntryOptions").WithAdditionalAnnotations(Simplifier.Annotation))
                        .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(argument.Expression.WithoutTrivia()))));
                    arguments.Add(argument.NameColon is null ? argument.WithExpression(options) : Named(argument.WithExpression(options), "options"));
                    break;
                default:
                    arguments.Add(argument);
                    break;
            }
        }

        return SyntaxFactory.SeparatedList(arguments);
    }

    private static ArgumentSyntax Named(ArgumentSyntax argument, string? name) =>
        name is null ? argument : argument.WithNameColon(SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(name)));

    // GetOrCreate<T>(...) becomes GetOrCreate<TState, T>(...); without type arguments, inference finds both.
    private static ExpressionSyntax TypeArguments(ExpressionSyntax expression, List<ISymbol> captured, SemanticModel model)
    {
        var name = expression switch
        {
            MemberAccessExpressionSyntax access => access.Name,
            MemberBindingExpressionSyntax binding => binding.Name,
            SimpleNameSyntax simple => simple,
            _ => null,
        };
        if (name is not GenericNameSyntax generic)
        {
            return expression;
        }

        var position = expression.SpanStart;
        var types = captured.Select(s => (Name: s.Name, Type: TypeOf(s)!)).ToList();
        var stateType = types.Count == 1
            ? types[0].Type.ToMinimalDisplayString(model, position)
            : "(" + string.Join(", ", types.Select(t => t.Type.ToMinimalDisplayString(model, position) + " " + Escaped(t.Name))) + ")";
        var updated = generic.WithTypeArgumentList(generic.TypeArgumentList.WithArguments(
            generic.TypeArgumentList.Arguments.Insert(0, SyntaxFactory.ParseTypeName(stateType))));
        return expression.ReplaceNode(generic, updated);
    }

    private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        ILocalSymbol local => local.Type,
        IParameterSymbol parameter => parameter.Type,
        _ => null,
    };

    private static SyntaxNode ReadFromState(SyntaxNode body, List<ISymbol> captured, string stateName, SemanticModel model, CancellationToken cancellationToken)
    {
        var reads = body.DescendantNodesAndSelf()
            .OfType<IdentifierNameSyntax>()
            .Where(identifier => model.GetSymbolInfo(identifier, cancellationToken).Symbol is { } symbol && captured.Contains(symbol, SymbolEqualityComparer.Default))
            .ToList();
        return body.ReplaceNodes(reads, (original, _) => SyntaxFactory.MemberAccessExpression(
                SyntaxKind.SimpleMemberAccessExpression, Identifier(stateName), SyntaxFactory.IdentifierName(original.Identifier.WithoutTrivia()))
            .WithTriviaFrom(original));
    }

    // "state", or "state1", "state2"... when the lambda already uses the name.
    private static string FreeName(SyntaxNode lambda, string name)
    {
        var used = new HashSet<string>(lambda.DescendantTokens().Where(static t => t.IsKind(SyntaxKind.IdentifierToken)).Select(static t => t.ValueText));
        var candidate = name;
        for (var i = 1; used.Contains(candidate); i++)
        {
            candidate = name + i;
        }

        return candidate;
    }

    // A tuple element takes its variable's name unless the name is one of the tuple's own members (Item2, Rest, ToString...),
    // which state.name could not then read.
    private static bool IsTupleElementName(string name) =>
        name is not ("Rest" or "ToString" or "GetHashCode" or "Equals" or "GetType" or "CompareTo" or "Deconstruct")
        && !(name.StartsWith("Item", System.StringComparison.Ordinal) && name.Length > 4 && name.Substring(4).All(char.IsDigit));

    private static IdentifierNameSyntax Identifier(string name) => SyntaxFactory.IdentifierName(Escaped(name));

    private static string Escaped(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.AwaitKeyword ? "@" + name : name;
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Cachka.Analyzers;

/// <summary>
/// CACHKA028: <c>cache.GetOrCreate(key, () =&gt; Load(id))</c> allocates a closure and a delegate on every call, a hit
/// too; the overload with a state argument and a static lambda allocates nothing (a state overload's lambda that still
/// captures, often <c>this</c>, is reported too). Reported where the lambda captures
/// only what it reads (a variable it assigns could not become state). CACHKA029 instead when a captured variable changes
/// after the call: a factory run after its call has returned would read the later value.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CapturingFactoryAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.CapturingFactory, DiagnosticDescriptors.FactoryReadsChangingVariable);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (FactoryMethods(start.Compilation) is not { Length: > 0 } methods)
            {
                return;
            }

            start.RegisterOperationAction(operation => Analyze(operation, methods), OperationKind.Invocation);
        });
    }

    /// <summary>
    /// The <c>ICache.GetOrCreate</c> and <c>GetOrCreateAsync</c> overloads that take a factory delegate: the stateless
    /// ones (<c>GetOrCreate&lt;T&gt;(string, Func&lt;T&gt;, TimeSpan?)</c>, <c>GetOrCreateAsync&lt;T&gt;(string,
    /// Func&lt;CancellationToken, ValueTask&lt;T&gt;&gt;, TimeSpan?, CancellationToken)</c>) and those with a state argument.
    /// Empty when the compilation does not reference Cachka.
    /// </summary>
    internal static ImmutableArray<IMethodSymbol> FactoryMethods(Compilation compilation)
    {
        if (compilation.GetTypeByMetadataName(KnownSymbols.CacheName) is not { } cache)
        {
            return ImmutableArray<IMethodSymbol>.Empty;
        }

        return cache.GetMembers()
            .OfType<IMethodSymbol>()
            .Where(static m => m.Name is "GetOrCreate" or "GetOrCreateAsync" or "GetOrCreateTaskAsync"
                && m.Parameters.Any(static p => p.Name == FactoryParameter && p.Type.TypeKind == TypeKind.Delegate))
            .ToImmutableArray();
    }

    private const string FactoryParameter = "factory";

    /// <summary>Whether the overload's factory takes no state (the one the code fix rewrites into a state overload).</summary>
    internal static bool IsStateless(IMethodSymbol method) => method.TypeParameters.Length == 1;

    /// <summary>The overload a call binds to (through <c>ICache</c> or a type that implements it), or null.</summary>
    internal static IMethodSymbol? FactoryMethod(IMethodSymbol called, ImmutableArray<IMethodSymbol> methods)
    {
        var definition = called.OriginalDefinition;
        foreach (var method in methods)
        {
            if (SymbolEqualityComparer.Default.Equals(definition, method)
                || (definition.Name == method.Name
                    && SymbolEqualityComparer.Default.Equals(definition.ContainingType.FindImplementationForInterfaceMember(method), definition)))
            {
                return method;
            }
        }

        return null;
    }

    /// <summary>
    /// The variables a non-static lambda captures, in the order data flow analysis lists them, when it captures something and
    /// assigns none of it; otherwise null. <c>this</c> appears as the method's this parameter.
    /// </summary>
    internal static List<ISymbol>? Captured(IAnonymousFunctionOperation lambda, SemanticModel model)
    {
        if (lambda.Symbol.IsStatic || lambda.Syntax is null)
        {
            return null;
        }

        var flow = model.AnalyzeDataFlow(lambda.Syntax);
        if (flow is not { Succeeded: true })
        {
            return null;
        }

        var span = lambda.Syntax.Span;
        var captured = new List<ISymbol>();
        foreach (var symbol in flow.CapturedInside)
        {
            if (!symbol.DeclaringSyntaxReferences.Any(reference => reference.SyntaxTree == lambda.Syntax.SyntaxTree && span.Contains(reference.Span)))
            {
                if (flow.WrittenInside.Contains(symbol, SymbolEqualityComparer.Default))
                {
                    return null;
                }

                captured.Add(symbol);
            }
        }

        return captured.Count == 0 ? null : captured;
    }

    /// <summary>The factory argument of a call, as the lambda it is, or null.</summary>
    internal static IAnonymousFunctionOperation? FactoryLambda(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name == FactoryParameter)
            {
                var value = argument.Value;
                while (value is IConversionOperation conversion)
                {
                    value = conversion.Operand;
                }

                return value is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda } ? lambda : null;
            }
        }

        return null;
    }

    private static void Analyze(OperationAnalysisContext context, ImmutableArray<IMethodSymbol> methods)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (FactoryMethod(invocation.TargetMethod, methods) is null
            || FactoryLambda(invocation) is not { } lambda
            || invocation.SemanticModel is not { } model
            || Captured(lambda, model) is not { } captured)
        {
            return;
        }

        var names = captured.Select(static symbol => symbol is IParameterSymbol { IsThis: true } ? "this" : symbol.Name).ToList();
        var state = names.Count == 1 ? "'" + names[0] + "'" : "(" + string.Join(", ", names) + ")";
        var changing = captured.Where(symbol => ChangesAfter(symbol, invocation.Syntax, lambda.Syntax, model, context.CancellationToken)).ToList();
        var descriptor = changing.Count > 0 ? DiagnosticDescriptors.FactoryReadsChangingVariable : DiagnosticDescriptors.CapturingFactory;
        var listed = changing.Count > 0 ? changing.Select(static symbol => symbol.Name) : names;
        context.ReportDiagnostic(Diagnostic.Create(
            descriptor, lambda.Syntax.GetLocation(), invocation.TargetMethod.Name, string.Join(", ", listed.Select(static name => "'" + name + "'")), state));
    }

    /// <summary>
    /// Whether the code assigns the local or parameter after the call: at a later place in its method, or anywhere in a
    /// loop around the call that the variable outlives (a for loop's variable is one for every iteration).
    /// </summary>
    internal static bool ChangesAfter(ISymbol symbol, SyntaxNode invocation, SyntaxNode lambda, SemanticModel model, CancellationToken cancellationToken)
    {
        if (symbol is not (ILocalSymbol or IParameterSymbol { IsThis: false })
            || symbol.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not { } declaration
            || symbol.ContainingSymbol.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not { } scope
            || scope.SyntaxTree != invocation.SyntaxTree)
        {
            return false;
        }

        foreach (var identifier in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != symbol.Name
                || lambda.Span.Contains(identifier.Span)
                || !IsWritten(identifier)
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, symbol))
            {
                continue;
            }

            if (identifier.SpanStart >= invocation.Span.End)
            {
                return true;
            }

            foreach (var loop in invocation.Ancestors())
            {
                if (LoopBody(loop) is { } body && loop.Span.Contains(identifier.Span) && !body.Span.Contains(declaration.Span))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsWritten(IdentifierNameSyntax identifier) => identifier.Parent switch
    {
        AssignmentExpressionSyntax assignment => assignment.Left == identifier,
        PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } => true,
        ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
        _ => false,
    };

    // The statement a loop repeats; a variable declared in it is a new one in each iteration.
    private static SyntaxNode? LoopBody(SyntaxNode node) => node switch
    {
        ForStatementSyntax loop => loop.Statement,
        CommonForEachStatementSyntax loop => loop.Statement,
        WhileStatementSyntax loop => loop.Statement,
        DoStatementSyntax loop => loop.Statement,
        _ => null,
    };
}

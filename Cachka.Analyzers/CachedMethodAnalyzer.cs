using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Cachka.CodeAnalysis;
using Cachka.Serialization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Analyzers;

/// <summary>
/// Reports every problem with a <c>[Cached]</c> method that the generator would silently skip or
/// implement badly: shape (partial, body, return type, parameters), keys and serializability.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CachedMethodAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NotPartial,
        DiagnosticDescriptors.ImplementationNotFound,
        DiagnosticDescriptors.ImplementationSignatureMismatch,
        DiagnosticDescriptors.UnsupportedReturnType,
        DiagnosticDescriptors.UnsupportedParameter,
        DiagnosticDescriptors.GenericMethod,
        DiagnosticDescriptors.KeyTypeNotEncodable,
        DiagnosticDescriptors.KeyCheckedAtRunTime,
        DiagnosticDescriptors.ResultNotSerializable,
        DiagnosticDescriptors.InvalidTtl,
        DiagnosticDescriptors.InvalidOption,
        DiagnosticDescriptors.InvalidTag,
        DiagnosticDescriptors.InstanceWithoutCacheKey,
        DiagnosticDescriptors.ContextParameterInKey,
        DiagnosticDescriptors.InvalidTarget,
        DiagnosticDescriptors.CacheSourceIgnored);

    public override void Initialize(AnalysisContext context)
    {
        // Not None: see GeneratedCode; declarations in generated files are skipped by hand.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.Create(start.Compilation);
            if (known is null)
            {
                return;
            }

            var caches = new CompilationCaches(known);
            start.RegisterSymbolAction(symbolContext => AnalyzeMethod(symbolContext, caches), SymbolKind.Method);
            start.RegisterSyntaxNodeAction(
                nodeContext => AnalyzeFunction(nodeContext, caches),
                SyntaxKind.LocalFunctionStatement,
                SyntaxKind.ParenthesizedLambdaExpression,
                SyntaxKind.SimpleLambdaExpression);
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, CompilationCaches caches)
    {
        var known = caches.Known;
        var method = (IMethodSymbol)context.Symbol;

        // A partial method is analyzed once, through its defining declaration.
        if (method.PartialDefinitionPart is not null)
        {
            return;
        }

        // Most methods have no attributes at all: skip them without binding any.
        if (!HasAttributeSyntax(method, context.CancellationToken) || known.FindCached(method) is not { } cached)
        {
            return;
        }

        var cancellationToken = context.CancellationToken;
        var tree = method.Locations[0].SourceTree;
        if (tree is null || caches.IsGenerated(tree, context.Options, cancellationToken))
        {
            return;
        }

        var attributeSyntax = cached.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var invalidTarget = DescribeInvalidTarget(method);
        if (invalidTarget is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidTarget,
                attributeSyntax?.GetLocation() ?? method.Locations[0],
                invalidTarget));
            return;
        }

        var declaration = FindDeclaration(method, cancellationToken);
        var location = method.Locations[0];
        var name = method.Name;
        var implementationName = ImplementationLookup.GetImplementationName(method, cached);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.ImplementationNameProperty, implementationName);

        var isPartial = declaration is null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword);
        var notPartial = DescribeMissingPartial(method, isPartial, caches, cancellationToken);
        if (notPartial is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotPartial, location, properties, name, notPartial));
        }

        if (method.IsGenericMethod)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GenericMethod, location, name));
        }

        var returnLocation = declaration?.ReturnType.GetLocation() ?? location;
        var valueType = ResultTypes.GetCachedValueType(method, out var unsupportedReturn);
        if (unsupportedReturn is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedReturnType, returnLocation, name, unsupportedReturn));
        }

        AnalyzeParameters(context, known, method);
        AnalyzeTtl(context, cached, attributeSyntax, method);
        AnalyzeOptions(context, cached, attributeSyntax, method);
        AnalyzeTags(context, known, cached, attributeSyntax, method);

        // A non-partial method with a body is its own body (CACHKA001's fix moves it); a generic one is already an error.
        var hasOwnBody = declaration is { Body: not null } or { ExpressionBody: not null };
        if ((isPartial || !hasOwnBody) && !method.IsGenericMethod)
        {
            var body = ImplementationLookup.Find(method, implementationName, out var mismatch);
            if (body is null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ImplementationNotFound,
                    location,
                    properties,
                    name,
                    implementationName,
                    TypeFacts.Display(method.ContainingType)));
            }
            else if (mismatch is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ImplementationSignatureMismatch,
                    location,
                    additionalLocations: body.Locations.Length > 0 && body.Locations[0].IsInSource ? new[] { body.Locations[0] } : null,
                    name,
                    body.Name,
                    mismatch));
            }
        }

        if (valueType is not null)
        {
            var problem = JsonRoundTrip.FindProblem(valueType);
            if (problem is not null)
            {
                var reason = FidelityRules.ErrorType(problem.Rule);
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ResultNotSerializable,
                    returnLocation,
                    ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.FidelityReasonProperty, reason),
                    name,
                    reason,
                    problem.Detail,
                    FidelityRules.Advice(problem.Rule)));
            }
        }

        if (!method.IsStatic && !IsSimplifiedSelfSerialization(cached) && !caches.HasCacheKeyMembers(method.ContainingType))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InstanceWithoutCacheKey,
                location,
                name,
                TypeFacts.Display(method.ContainingType)));
        }

        if (method.IsStatic && caches.FindInstanceOnlyCacheSource(method.ContainingType) is { } instanceSource)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.CacheSourceIgnored,
                location,
                instanceSource.Name,
                "the static method '" + name + "' can only use a static [CacheSource] member and uses CacheRegistry.Get() instead; make the member static or the method an instance method"));
        }
    }

    private static bool HasAttributeSyntax(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var part in method.PartialImplementationPart is { } implementation ? new[] { method, implementation } : new[] { method })
        {
            foreach (var reference in part.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not BaseMethodDeclarationSyntax { AttributeLists.Count: 0 }
                    and not LocalFunctionStatementSyntax { AttributeLists.Count: 0 })
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static void AnalyzeParameters(SymbolAnalysisContext context, KnownSymbols known, IMethodSymbol method)
    {
        if (method.IsVararg)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedParameter, method.Locations[0], "__arglist", method.Name, "is a variable argument list"));
        }

        foreach (var parameter in method.Parameters)
        {
            var location = parameter.Locations.Length > 0 ? parameter.Locations[0] : method.Locations[0];
            var unsupported = DescribeUnsupportedParameter(parameter);
            if (unsupported is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, method.Name, unsupported));
                continue;
            }

            var type = parameter.Type;
            if (KeyTypes.IsCancellationToken(type) || known.HasNotCacheKey(parameter) || type.TypeKind == TypeKind.Error)
            {
                continue;
            }

            var shape = KeyTypes.Shape(type, context.Compilation, out var whyNot, context.CancellationToken);
            var typeName = TypeFacts.Display(type);
            if (shape is { CheckedAtRunTime: true })
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.KeyCheckedAtRunTime, location, "Parameter", parameter.Name, typeName, "mark the parameter [NotCacheKey]"));
            }
            else if (shape is null)
            {
                context.ReportDiagnostic(KeyTypes.IsContextLike(type)
                    ? Diagnostic.Create(DiagnosticDescriptors.ContextParameterInKey, location, parameter.Name, typeName)
                    : Diagnostic.Create(
                        DiagnosticDescriptors.KeyTypeNotEncodable,
                        location,
                        "Parameter",
                        parameter.Name,
                        typeName,
                        whyNot,
                        "'" + method.Name + "' calls its body every time",
                        KeyTypes.DescribeFix(type, "mark the parameter [NotCacheKey]")));
            }
        }
    }

    private static string? DescribeUnsupportedParameter(IParameterSymbol parameter)
    {
        switch (parameter.RefKind)
        {
            case RefKind.None:
                break;
            case RefKind.Ref:
                return "is passed by 'ref'";
            case RefKind.Out:
                return "is an 'out' parameter";
            case RefKind.In:
                return "is passed by 'in'";
            default:
                return "is passed by 'ref readonly'";
        }

        if (parameter.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return "is a pointer";
        }

        return parameter.Type.IsRefLikeType
            ? "is of the ref struct type '" + TypeFacts.Display(parameter.Type) + "', which cannot be kept for the key or the body call"
            : null;
    }

    private static void AnalyzeTtl(SymbolAnalysisContext context, AttributeData cached, AttributeSyntax? attributeSyntax, IMethodSymbol method)
    {
        foreach (var argument in cached.NamedArguments)
        {
            if (argument.Key != "Ttl" || argument.Value.Value is not int ttl || ttl > 0)
            {
                continue;
            }

            var location = AttributeArguments.Of(attributeSyntax, "Ttl", method.Locations[0]);
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidTtl,
                location,
                method.Name,
                ttl.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private static void AnalyzeOptions(SymbolAnalysisContext context, AttributeData cached, AttributeSyntax? attributeSyntax, IMethodSymbol method)
    {
        foreach (var problem in EntryOptionRules.Problems(EntryOptionValues.Read(cached)))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidOption,
                AttributeArguments.Of(attributeSyntax, problem.Property, method.Locations[0]),
                problem.Property,
                method.Name,
                problem.Value,
                problem.Advice));
        }
    }

    // CACHKA020: every tag is a valid template whose names are parts of the key (what the generator writes from the key struct).
    private static void AnalyzeTags(SymbolAnalysisContext context, KnownSymbols known, AttributeData cached, AttributeSyntax? attributeSyntax, IMethodSymbol method)
    {
        foreach (var argument in cached.NamedArguments)
        {
            if (argument.Key != "Tags" || argument.Value.Kind != TypedConstantKind.Array || argument.Value.IsNull)
            {
                continue;
            }

            var literals = AttributeArguments.Strings(attributeSyntax, "Tags");
            var values = argument.Value.Values;
            var membersCount = !method.IsStatic && !IsSimplifiedSelfSerialization(cached);
            for (var i = 0; i < values.Length; i++)
            {
                var template = values[i].Value as string;
                var problem = AttributeArguments.DescribeTagProblem(template, name => WhyNotKeyPart(known, method, name, membersCount));
                if (problem is null)
                {
                    continue;
                }

                var location = literals.Count == values.Length ? literals[i].GetLocation() : AttributeArguments.Of(attributeSyntax, "Tags", method.Locations[0]);
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTag, location, template ?? string.Empty, method.Name, problem));
            }
        }
    }

    private static string? WhyNotKeyPart(KnownSymbols known, IMethodSymbol method, string name, bool membersCount)
    {
        foreach (var parameter in method.Parameters)
        {
            if (parameter.Name != name)
            {
                continue;
            }

            if (KeyTypes.IsCancellationToken(parameter.Type))
            {
                return "names the CancellationToken parameter '" + name + "', which is not part of the key; name a key parameter or a [CacheKey] member";
            }

            return known.HasNotCacheKey(parameter)
                ? "names the [NotCacheKey] parameter '" + name + "', which is not part of the key (different values share the entry, so the tag would be the first caller's); name a key parameter or a [CacheKey] member, or remove [NotCacheKey]"
                : null;
        }

        if (AttributeArguments.FindCacheKeyMember(known, method.ContainingType, name, out _) is not null)
        {
            return membersCount
                ? null
                : "names the [CacheKey] member '" + name + "', which is not part of the key of '" + method.Name + "' ("
                    + (method.IsStatic ? "a static method" : "it sets SimplifiedSelfSerialization") + "); name a key parameter";
        }

        return "names '" + name + "', which is neither a parameter nor a [CacheKey] member of '" + method.Name + "' (the text between braces must be a name exactly; write {{ and }} for literal braces); "
            + AttributeArguments.Usable(method, p => !KeyTypes.IsCancellationToken(p.Type) && !known.HasNotCacheKey(p), known, membersCount);
    }

    private static void AnalyzeFunction(SyntaxNodeAnalysisContext context, CompilationCaches caches)
    {
        var attributeLists = context.Node switch
        {
            LocalFunctionStatementSyntax local => local.AttributeLists,
            LambdaExpressionSyntax lambda => lambda.AttributeLists,
            _ => default,
        };
        if (attributeLists.Count == 0 || caches.IsGenerated(context.Node.SyntaxTree, context.Options, context.CancellationToken))
        {
            return;
        }

        foreach (var list in attributeLists)
        {
            foreach (var attribute in list.Attributes)
            {
                if (!MayBeCachedAttribute(attribute.Name)
                    || context.SemanticModel.GetSymbolInfo(attribute, context.CancellationToken).Symbol is not IMethodSymbol constructor
                    || !SymbolEqualityComparer.Default.Equals(constructor.ContainingType, caches.Known.Cached))
                {
                    continue;
                }

                var target = context.Node is LocalFunctionStatementSyntax function
                    ? "the local function '" + function.Identifier.ValueText + "'"
                    : "a lambda";
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTarget, attribute.GetLocation(), target));
            }
        }
    }

    // Cheap syntactic filter before asking the semantic model (aliases of the attribute are not seen).
    private static bool MayBeCachedAttribute(NameSyntax name)
    {
        var identifier = name switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => string.Empty,
        };
        return identifier is "Cached" or "CachedAttribute";
    }

    private static string? DescribeInvalidTarget(IMethodSymbol method)
    {
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.TypeKind == TypeKind.Interface)
            {
                return "a member of the interface '" + TypeFacts.Display(type) + "'";
            }

            if (type.IsRefLikeType)
            {
                return "a member of the ref struct '" + TypeFacts.Display(type) + "'";
            }

            if (type.IsFileLocal)
            {
                return "a member of the file-local type '" + TypeFacts.Display(type) + "'";
            }
        }

        switch (method.MethodKind)
        {
            case MethodKind.Ordinary:
                break;
            case MethodKind.PropertyGet:
            case MethodKind.PropertySet:
            case MethodKind.EventAdd:
            case MethodKind.EventRemove:
            case MethodKind.EventRaise:
                return "the accessor '" + method.Name + "'";
            case MethodKind.UserDefinedOperator:
            case MethodKind.Conversion:
                return "an operator";
            case MethodKind.ExplicitInterfaceImplementation:
                return "the explicit interface implementation '" + method.Name + "'";
            case MethodKind.LocalFunction:
                return "the local function '" + method.Name + "'";
            default:
                return "'" + method.Name + "'";
        }

        if (method.IsAbstract)
        {
            return "the abstract method '" + method.Name + "'";
        }

        return method.IsExtern ? "the extern method '" + method.Name + "'" : null;
    }

    private static MethodDeclarationSyntax? FindDeclaration(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax declaration)
            {
                return declaration;
            }
        }

        return null;
    }

    /// <summary>What must be made partial (the end of CACHKA001's and CACHKA025's message), or null.</summary>
    internal static string? DescribeMissingPartial(IMethodSymbol method, bool methodIsPartial, CompilationCaches caches, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        if (!methodIsPartial)
        {
            missing.Add("the method '" + method.Name + "'");
        }

        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (!caches.IsPartial(type, cancellationToken))
            {
                missing.Add("the type '" + type.Name + "'");
            }
        }

        if (missing.Count == 0)
        {
            return null;
        }

        return missing.Count == 1
            ? missing[0]
            : string.Join(", ", missing.Take(missing.Count - 1)) + " and " + missing[missing.Count - 1];
    }

    private static bool IsSimplifiedSelfSerialization(AttributeData cached)
    {
        foreach (var argument in cached.NamedArguments)
        {
            if (argument.Key == "SimplifiedSelfSerialization" && argument.Value.Value is true)
            {
                return true;
            }
        }

        return false;
    }
}

using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Cachka.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Analyzers;

/// <summary>
/// Reports every problem with an <c>[InvalidatesCached]</c>/<c>[InvalidatesTag]</c> method that the generator would
/// silently skip: its shape (partial, body, return type, parameters), its targets and its tag templates.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InvalidationAnalyzer : DiagnosticAnalyzer
{
    private const string InvalidatesCachedName = "Cachka.InvalidatesCachedAttribute";
    private const string InvalidatesTagName = "Cachka.InvalidatesTagAttribute";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.InvalidTag,
        DiagnosticDescriptors.InvalidationTargetNotFound,
        DiagnosticDescriptors.InvalidationTargetAmbiguous,
        DiagnosticDescriptors.InvalidationParameterMissing,
        DiagnosticDescriptors.InvalidationParameterType,
        DiagnosticDescriptors.InvalidationNotPartial,
        DiagnosticDescriptors.InvalidationBody,
        DiagnosticDescriptors.InvalidationUnsupported,
        DiagnosticDescriptors.CacheSourceIgnored);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownSymbols.Create(start.Compilation);
            var invalidatesCached = start.Compilation.GetTypeByMetadataName(InvalidatesCachedName);
            var invalidatesTag = start.Compilation.GetTypeByMetadataName(InvalidatesTagName);
            if (known is null || (invalidatesCached is null && invalidatesTag is null))
            {
                return;
            }

            var caches = new CompilationCaches(known);
            start.RegisterSymbolAction(c => AnalyzeMethod(c, caches, invalidatesCached, invalidatesTag), SymbolKind.Method);
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, CompilationCaches caches, INamedTypeSymbol? invalidatesCached, INamedTypeSymbol? invalidatesTag)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.PartialDefinitionPart is not null)
        {
            return;
        }

        var attributes = method.GetAttributes()
            .Where(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, invalidatesCached) || SymbolEqualityComparer.Default.Equals(a.AttributeClass, invalidatesTag))
            .ToList();
        var cancellationToken = context.CancellationToken;
        if (attributes.Count == 0 || method.Locations[0].SourceTree is not { } tree || caches.IsGenerated(tree, context.Options, cancellationToken))
        {
            return;
        }

        var name = method.Name;
        var location = method.Locations[0];
        if (Unsupported(method, caches.Known) is { } unsupported)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidationUnsupported, location, name, unsupported));
            return;
        }

        // An implementing part the user wrote leaves the generator nothing to write: the attributes would do nothing.
        if (method.PartialImplementationPart is { Locations.Length: > 0 } implementingPart
            && implementingPart.Locations[0].SourceTree is { } implementationTree
            && !caches.IsGenerated(implementationTree, context.Options, cancellationToken))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidationUnsupported, location, name,
                "has an implementing declaration of its own, so the generator cannot write the one that invalidates; move its body to '"
                + name + ImplementationLookup.CoreSuffix + "' and delete the implementing declaration"));
            return;
        }

        var declaration = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        var implementation = attributes.SelectMany(a => a.NamedArguments).Where(a => a.Key == "Implementation").Select(a => a.Value.Value as string).FirstOrDefault(n => n is not null)
            ?? name + ImplementationLookup.CoreSuffix;
        var properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.ImplementationNameProperty, implementation);
        var isPartial = declaration is null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword);
        if (CachedMethodAnalyzer.DescribeMissingPartial(method, isPartial, caches, cancellationToken) is { } what)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidationNotPartial, location, properties, name, what));
        }

        // A non-partial method with a body is its own body (the make-partial fix moves it).
        var hasOwnBody = declaration is { Body: not null } or { ExpressionBody: not null };
        if (isPartial || !hasOwnBody)
        {
            var body = ImplementationLookup.Find(method, implementation, out var mismatch, allowContext: false);
            if (body is null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidationBody,
                    location,
                    properties.Add(DiagnosticDescriptors.BodyMissingProperty, "true"),
                    name,
                    "declare a method '" + implementation + "' in '" + TypeFacts.Display(method.ContainingType)
                        + "' with the same parameters and return type, or name an existing one with Implementation = \"...\" on the attribute"));
            }
            else if (mismatch is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidationBody,
                    location,
                    additionalLocations: body.Locations.Length > 0 && body.Locations[0].IsInSource ? new[] { body.Locations[0] } : null,
                    properties,
                    name,
                    "'" + body.Name + "' does not match it: " + mismatch + "; it must take the same parameter types in the same order and return the same type"));
            }
        }

        // A static method invalidates tags in the registry's cache: not in an instance [CacheSource]'s, where the entries are.
        if (method.IsStatic && attributes.Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, invalidatesTag))
            && caches.FindInstanceOnlyCacheSource(method.ContainingType) is { } instanceSource)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.CacheSourceIgnored,
                location,
                instanceSource.Name,
                "the static method '" + name + "' can only use a static [CacheSource] member and invalidates its tags in CacheRegistry.Get() instead; make the member static or the method an instance method"));
        }

        foreach (var attribute in attributes)
        {
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            var argument = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
            var argumentLocation = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null)?.Expression.GetLocation() ?? syntax?.GetLocation() ?? location;
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, invalidatesCached))
            {
                AnalyzeTarget(context, method, argument, argumentLocation);
            }
            else
            {
                var problem = AttributeArguments.DescribeTagProblem(argument, n => WhyNotTagValue(context.Compilation, caches.Known, method, n, cancellationToken));
                if (problem is not null)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidTag, argumentLocation, argument ?? string.Empty, name, problem));
                }
            }
        }
    }

    private static void AnalyzeTarget(SymbolAnalysisContext context, IMethodSymbol method, string? target, Location location)
    {
        var resolution = InvalidationTargets.Resolve(method, target);
        var descriptor = resolution.Problem switch
        {
            TargetProblem.NotFound => DiagnosticDescriptors.InvalidationTargetNotFound,
            TargetProblem.Ambiguous => DiagnosticDescriptors.InvalidationTargetAmbiguous,
            TargetProblem.Missing => DiagnosticDescriptors.InvalidationParameterMissing,
            TargetProblem.TypeDiffers => DiagnosticDescriptors.InvalidationParameterType,
            _ => null,
        };
        if (descriptor is null)
        {
            return;
        }

        var additional = resolution.Parameter is { Locations.Length: > 0 } parameter && parameter.Locations[0].IsInSource ? new[] { parameter.Locations[0] } : null;

        // The target's parameter type as written there, for the fix that declares this parameter the same way.
        var properties = ImmutableDictionary<string, string?>.Empty;
        if (resolution.Problem == TargetProblem.TypeDiffers
            && resolution.Target?.Parameters.FirstOrDefault(p => p.Name == resolution.Parameter?.Name) is { } keyParameter
            && keyParameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) is ParameterSyntax { Type: { } written })
        {
            properties = properties.Add(DiagnosticDescriptors.ParameterTypeProperty, written.WithoutTrivia().ToString());
        }

        var diagnostic = resolution.Problem == TargetProblem.NotFound
            ? Diagnostic.Create(descriptor, location, additional, properties, method.Name, target ?? "", TypeFacts.Display(method.ContainingType), resolution.Detail)
            : Diagnostic.Create(descriptor, location, additional, properties, method.Name, resolution.Target?.Name ?? target ?? "", resolution.Detail);
        context.ReportDiagnostic(diagnostic);
    }

    // {name} of [InvalidatesTag]: a parameter (not a token) or, in an instance method, a [CacheKey] member, with a key form.
    private static string? WhyNotTagValue(Compilation compilation, KnownSymbols known, IMethodSymbol method, string name, CancellationToken cancellationToken)
    {
        ITypeSymbol? type = null;
        string what;
        var parameter = method.Parameters.FirstOrDefault(p => p.Name == name && !KeyTypes.IsCancellationToken(p.Type));
        if (parameter is not null)
        {
            type = parameter.Type;
            what = "the parameter '" + name + "'";
        }
        else if (!method.IsStatic && AttributeArguments.FindCacheKeyMember(known, method.ContainingType, name, out var memberType) is not null)
        {
            type = memberType;
            what = "the [CacheKey] member '" + name + "'";
        }
        else
        {
            return method.Parameters.Any(p => p.Name == name)
                ? "names the CancellationToken parameter '" + name + "', which has no key text; name another parameter or a [CacheKey] member"
                : "names '" + name + "', which is neither a parameter nor " + (method.IsStatic ? "(in a static method) " : "") + "a [CacheKey] member of '" + method.Name
                    + "' (the text between braces must be a name exactly; write {{ and }} for literal braces); "
                    + AttributeArguments.Usable(method, p => !KeyTypes.IsCancellationToken(p.Type), known, !method.IsStatic);
        }

        if (type is null || KeyTypes.Shape(type, compilation, out var whyNot, cancellationToken) is not null)
        {
            return null;
        }

        return "names " + what + " of type '" + TypeFacts.Display(type) + "', which has no key text: " + whyNot + "; use a keyable value";
    }

    private static string? Unsupported(IMethodSymbol method, KnownSymbols known)
    {
        if (known.FindCached(method) is not null)
        {
            return "is [Cached] itself; put the invalidation on the method that changes the data";
        }

        if (method.MethodKind != MethodKind.Ordinary || method.IsAbstract || method.IsExtern)
        {
            return "is not an ordinary method with a body (an accessor, operator, abstract, extern or interface member)";
        }

        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || type.IsRefLikeType || type.IsFileLocal)
            {
                return "is declared in '" + TypeFacts.Display(type) + "', which is not a class, struct or record the generator can extend";
            }
        }

        if (method.IsGenericMethod)
        {
            return "is generic; declare a non-generic method";
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            return "returns by reference; return a value";
        }

        if (method.ReturnType is INamedTypeSymbol { Name: "IAsyncEnumerable" or "IAsyncEnumerator" } stream && TypeFacts.Is(stream.OriginalDefinition, "System.Collections.Generic", stream.MetadataName))
        {
            return "returns a stream, whose body has not run when it returns; return a Task or a materialized result";
        }

        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                return "takes '" + parameter.Name + "' by reference; take its parameters by value";
            }
        }

        return null;
    }
}

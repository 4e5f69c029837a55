using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Generators;

/// <summary>Turns <c>[Cached]</c> partial methods into cached calls (pipeline wiring only).</summary>
[Generator(LanguageNames.CSharp)]
public sealed class CachedMethodGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // One item per method, no Collect(): an edit regenerates only the methods it changes.
        var methods = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.CachedAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (syntax, cancellationToken) => CachedMethodParser.Parse(syntax, cancellationToken))
            .WithTrackingName(TrackingNames.Parse)
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.Specs);

        context.RegisterSourceOutput(methods, static (output, spec) => CachedMethodEmitter.Emit(output, spec));
    }
}

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
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.CachedAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (syntax, cancellationToken) => CachedMethodParser.Parse(syntax, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        var methods = parsed
            .Where(static parsed => parsed.Method is not null)
            .Select(static (parsed, _) => parsed.Method!)
            .WithTrackingName(TrackingNames.Specs);

        // Methods the generator cannot implement get a throwing body, so the compiler reports the
        // CACHKA error on them instead of stopping at CS8795 before the analyzers run.
        var stubs = parsed
            .Where(static parsed => parsed.Stub is not null)
            .Select(static (parsed, _) => parsed.Stub!)
            .WithTrackingName(TrackingNames.Stubs);

        context.RegisterSourceOutput(methods, static (output, spec) => CachedMethodEmitter.Emit(output, spec));
        context.RegisterSourceOutput(stubs, static (output, stub) => CachedMethodEmitter.EmitStub(output, stub));
    }
}

using System;
using System.Collections.Immutable;
using System.Linq;
using Cachka.Generators.Emit;
using Cachka.Generators.Helpers;
using Cachka.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Generators;

/// <summary>Turns <c>[Cached]</c> partial methods into cached calls (pipeline wiring only).</summary>
[Generator(LanguageNames.CSharp)]
public sealed class CachedMethodGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // One item per method, no Collect(): an edit regenerates only the methods it changes. Not ForAttributeWithMetadataName:
        // it binds each method's symbol and attributes on every new compilation before its transform can look anything up,
        // while this transform first looks the node up (CachedMethodParser.Parse) and binds only what it has not read under
        // the compilation's declarations. The predicate is syntax only: a partial method without a body that has attributes
        // (an alias of [Cached] is a name the syntax cannot resolve, so the transform's binding decides).
        var parsed = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => CachedMethodParser.IsCandidate(node),
                static (syntax, cancellationToken) => CachedMethodParser.Parse(syntax, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        // One step each rather than a Where and a Select: a re-run walks every step's table for each of the methods.
        var methods = parsed
            .SelectMany(static (parsed, _) => parsed.Method is { } method ? ImmutableArray.Create(method) : ImmutableArray<CachedMethodSpec>.Empty)
            .WithTrackingName(TrackingNames.Specs);

        // Methods the generator cannot implement get a throwing body, so the compiler reports the
        // CACHKA error on them instead of stopping at CS8795 before the analyzers run.
        var stubs = parsed
            .SelectMany(static (parsed, _) => parsed.Stub is { } stub ? ImmutableArray.Create(stub) : ImmutableArray<StubSpec>.Empty)
            .WithTrackingName(TrackingNames.Stubs);

        // One file per type: an edit regenerates its type's file only (the specs compare equal elsewhere).
        var files = methods
            .Collect()
            .SelectMany(static (specs, _) => CachedMethodEmitter.Files(specs))
            .WithTrackingName(TrackingNames.Files);
        context.RegisterSourceOutput(files, static (output, file) => CachedMethodEmitter.Emit(output, file));
        context.RegisterSourceOutput(stubs, static (output, stub) => CachedMethodEmitter.EmitStub(output, stub));

        // [InvalidatesCached]/[InvalidatesTag] methods: one item per method (a method with both is taken through the first).
        var invalidatesCached = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.InvalidatesCachedAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (syntax, cancellationToken) => CachedMethodParser.ParseInvalidation(syntax, viaTagAttribute: false, cancellationToken))
            .WithTrackingName(TrackingNames.ParseInvalidatesCached);
        var invalidatesTag = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.InvalidatesTagAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (syntax, cancellationToken) => CachedMethodParser.ParseInvalidation(syntax, viaTagAttribute: true, cancellationToken))
            .WithTrackingName(TrackingNames.ParseInvalidatesTag);
        foreach (var parsedInvalidations in new[] { invalidatesCached, invalidatesTag })
        {
            var invalidations = parsedInvalidations
                .Where(static parsed => parsed.Method is not null)
                .Select(static (parsed, _) => parsed.Method!)
                .WithTrackingName(TrackingNames.InvalidationSpecs);
            var invalidationStubs = parsedInvalidations
                .Where(static parsed => parsed.Stub is not null)
                .Select(static (parsed, _) => parsed.Stub!)
                .WithTrackingName(TrackingNames.Stubs);
            context.RegisterSourceOutput(invalidations, static (output, spec) => CachedMethodEmitter.EmitInvalidation(output, spec));
            context.RegisterSourceOutput(invalidationStubs, static (output, stub) => CachedMethodEmitter.EmitStub(output, stub));
        }

        // The compilation's JsonSerializerContexts, registered with the runtime by a module initializer, so
        // trimmed and Native AOT applications serialize their types (and [Cached] results) without reflection.
        var jsonContexts = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.JsonSerializableAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (syntax, cancellationToken) => JsonContextParser.Parse(syntax, cancellationToken))
            .Where(static name => name is not null)
            .Collect()
            .Select(static (names, _) => new JsonContextRegistrationSpec(new EquatableArray<string>(names.Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToArray()!)))
            .WithTrackingName(TrackingNames.JsonContexts);
        var entryPoint = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => JsonContextParser.HasRegistrationEntryPoint(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.JsonRegistrationEntryPoint);
        context.RegisterSourceOutput(
            jsonContexts.Combine(entryPoint),
            static (output, pair) => { if (pair.Right) JsonContextEmitter.Emit(output, pair.Left); });

        // A compilation that references Cachka.Redis registers the "redis" layer type for appsettings when it
        // loads, so configuration binds it even if no code names a Cachka.Redis type (no reflection scanning).
        var redis = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => Declarations.DeclaresType(compilation, KnownNames.RedisConfigBinding, cancellationToken))
            .WithTrackingName(TrackingNames.RedisBinding);
        context.RegisterSourceOutput(redis, static (output, referenced) => { if (referenced) LayerRegistrationEmitter.EmitRedis(output); });
    }
}

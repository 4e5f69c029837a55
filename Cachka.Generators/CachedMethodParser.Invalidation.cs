using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Cachka.CodeAnalysis;
using Cachka.Generators.Helpers;
using Cachka.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Generators;

// [InvalidatesCached]/[InvalidatesTag] methods: the body, and what each attribute removes once it has returned.
internal static partial class CachedMethodParser
{
    /// <summary>
    /// One partial method with invalidation attributes. A method with both kinds is reached once per kind: it is parsed
    /// through <c>[InvalidatesCached]</c> only. A <c>[Cached]</c> method is the other pipeline's (the analyzers report the mix).
    /// </summary>
    public static ParsedInvalidation ParseInvalidation(GeneratorAttributeSyntaxContext context, bool viaTagAttribute, CancellationToken cancellationToken) =>
        viaTagAttribute
            ? s_parsedViaTag.Get(context, context.TargetNode, context.SemanticModel, static (context, cancellationToken) => ParseInvalidationFresh(context, viaTagAttribute: true, cancellationToken), cancellationToken)
            : s_parsedViaCached.Get(context, context.TargetNode, context.SemanticModel, static (context, cancellationToken) => ParseInvalidationFresh(context, viaTagAttribute: false, cancellationToken), cancellationToken);

    // One per attribute: a method with both is parsed once through each (see Declarations for when a result is reused).
    private static readonly ParsedByNode<ParsedInvalidation> s_parsedViaCached = new();
    private static readonly ParsedByNode<ParsedInvalidation> s_parsedViaTag = new();

    private static ParsedInvalidation ParseInvalidationFresh(GeneratorAttributeSyntaxContext context, bool viaTagAttribute, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
            return ParsedInvalidation.None;
        cancellationToken.ThrowIfCancellationRequested();
        if ((viaTagAttribute && HasAttribute(method, KnownNames.InvalidatesCachedAttribute)) || HasAttribute(method, KnownNames.CachedAttribute))
            return ParsedInvalidation.None;

        var type = method.ContainingType;
        var ns = NamespaceOf(type);
        var hint = HintName(type, method.Name + InvalidationSuffix(method));
        hint = hint.Substring(0, hint.Length - ".g.cs".Length) + ".invalidates.g.cs";
        if (ParseInvalidationMethod(context.SemanticModel.Compilation, method, syntax, ns, hint, cancellationToken) is { } spec)
            return new ParsedInvalidation(spec, null);
        return Stub(method, syntax, cancellationToken, hint) is { } stub ? new ParsedInvalidation(null, stub) : ParsedInvalidation.None;
    }

    private static InvalidationMethodSpec? ParseInvalidationMethod(
        Compilation compilation, IMethodSymbol method, MethodDeclarationSyntax syntax, string? ns, string hint, CancellationToken cancellationToken)
    {
        if (!method.IsPartialDefinition || method.PartialImplementationPart is not null || method.IsGenericMethod
            || method.ReturnsByRef || method.ReturnsByRefReadonly || !TryInvalidationReturn(method, out var returns))
            return null;
        var type = method.ContainingType;
        if (!IsSupportedType(type, cancellationToken))
            return null;

        var parameters = new List<ParameterSpec>(method.Parameters.Length);
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
                return null;
            parameters.Add(new ParameterSpec(Identifier(parameter.Name), parameter.Type.Code(), RoleOf(parameter), parameter.IsParams, DefaultValue(parameter)));
        }

        var attributes = new List<AttributeData>();
        string? implementation = null;
        foreach (var attribute in method.GetAttributes())
        {
            if (!IsCachkaType(attribute.AttributeClass, KnownNames.InvalidatesCachedAttribute) && !IsCachkaType(attribute.AttributeClass, KnownNames.InvalidatesTagAttribute))
                continue;
            attributes.Add(attribute);
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Implementation" && argument.Value.Value is string name)
                    implementation ??= name;
            }
        }

        var body = ImplementationLookup.Find(method, implementation ?? method.Name + ImplementationLookup.CoreSuffix, out var mismatch, allowContext: false);
        if (body is null || mismatch is not null)
            return null;
        cancellationToken.ThrowIfCancellationRequested();

        var actions = new List<InvalidationActionSpec>();
        var sequences = new List<string>();
        foreach (var attribute in attributes)
        {
            var argument = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
            var action = IsCachkaType(attribute.AttributeClass, KnownNames.InvalidatesCachedAttribute)
                ? DeleteAction(compilation, method, argument, sequences, cancellationToken)
                : TagAction(compilation, method, argument, cancellationToken);
            if (action is null)
                return null;
            actions.Add(action);
        }

        return new InvalidationMethodSpec(
            HintName: hint,
            Namespace: ns,
            ContainingTypes: Containers(type),
            Type: Declaration(type),
            TypeFullName: type.Code(),
            Name: Identifier(method.Name),
            Modifiers: ModifiersWithout(syntax.Modifiers, SyntaxKind.PartialKeyword, SyntaxKind.AsyncKeyword),
            Return: returns,
            ReturnType: method.ReturnType.Code(),
            BodyName: Identifier(body.Name),
            BodyIsStatic: body.IsStatic,
            Parameters: EquatableArray.From(parameters),
            MaterializedSequences: EquatableArray.From(sequences),
            Actions: EquatableArray.From(actions));
    }

    // [InvalidatesCached(name)]: the target's key struct from this method's same-named parameters, in the target's cache.
    private static InvalidationActionSpec? DeleteAction(Compilation compilation, IMethodSymbol method, string? name, List<string> sequences, CancellationToken cancellationToken)
    {
        var resolution = InvalidationTargets.Resolve(method, name);
        if (resolution.Problem != TargetProblem.None || resolution.Target is not { } target)
            return null;
        var cached = target.GetAttributes().FirstOrDefault(a => IsCachkaType(a.AttributeClass, KnownNames.CachedAttribute));
        var targetSyntax = target.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        if (cached is null || targetSyntax is null
            || ParseMethod(cached, compilation, null, target, targetSyntax, cancellationToken) is not { } spec)
            return null;

        var description = "[InvalidatesCached(nameof(" + target.Name + "))]";
        if (spec.Uncached != Uncached.No)
            return new InvalidationActionSpec(description, spec.CacheSource, null, "", false, EquatableArray<TagValueSpec>.Empty);

        var arguments = new List<string>();
        if (spec.KeyUsesInstance)
            arguments.Add("this");
        foreach (var part in spec.KeyParts)
        {
            if (part.IsMember)
                continue;
            arguments.Add(part.Name);
            if (part.Type.StartsWith("global::System.Collections.Generic.IEnumerable<", StringComparison.Ordinal) && !sequences.Contains(part.Name))
                sequences.Add(part.Name);
        }

        return new InvalidationActionSpec(description, spec.CacheSource, spec.KeyStructName, string.Join(", ", arguments), spec.KeyCheckedAtRunTime, EquatableArray<TagValueSpec>.Empty);
    }

    // [InvalidatesTag(template)]: each {name} is a parameter (not a token) or, for an instance method, a [CacheKey] member.
    private static InvalidationActionSpec? TagAction(Compilation compilation, IMethodSymbol method, string? template, CancellationToken cancellationToken)
    {
        if (TagTemplate.Parse(template, out _) is not { } pieces)
            return null;
        var members = method.IsStatic ? [] : KeyMembers(method.ContainingType);
        var values = new List<TagValueSpec>(pieces.Count);
        foreach (var piece in pieces)
        {
            if (!piece.IsName)
            {
                values.Add(new TagValueSpec(piece.Text, null, null, null));
                continue;
            }

            var parameter = method.Parameters.FirstOrDefault(p => p.Name == piece.Text && RoleOf(p) != ParameterRole.CancellationToken);
            var (value, valueType) = parameter is not null
                ? (Identifier(parameter.Name), parameter.Type)
                : members.FirstOrDefault(m => m.Name == piece.Text) is { Type: not null } member ? ("this." + Identifier(member.Name), member.Type) : (null, null);
            if (value is null || valueType is null || KeyShapes.Of(valueType, compilation, out _, cancellationToken) is not { } shape)
                return null;
            values.Add(new TagValueSpec("", value, valueType.Code(), ShapeSpec(shape)));
        }

        return new InvalidationActionSpec("[InvalidatesTag(" + SymbolDisplay.FormatLiteral(template!, quote: true) + ")]",
            CacheSource(method.ContainingType, method.IsStatic), null, "", false, EquatableArray.From(values));
    }

    private static bool TryInvalidationReturn(IMethodSymbol method, out InvalidationReturn returns)
    {
        returns = InvalidationReturn.Value;
        if (method.ReturnsVoid)
        {
            returns = InvalidationReturn.Void;
            return true;
        }

        if (method.ReturnType is not INamedTypeSymbol named)
            return true;
        if (IsIn(named, "System.Threading.Tasks") && named.Name is "Task" or "ValueTask" && named.Arity <= 1)
        {
            returns = named.Name == "Task"
                ? named.Arity == 0 ? InvalidationReturn.Task : InvalidationReturn.TaskOfT
                : named.Arity == 0 ? InvalidationReturn.ValueTask : InvalidationReturn.ValueTaskOfT;
            return true;
        }

        // A stream's body has not run when it returns: there is no "after" to invalidate at.
        return !(IsIn(named, "System.Collections.Generic") && named.Name is "IAsyncEnumerable" or "IAsyncEnumerator");
    }

    // "_2" for the second of several same-named invalidating methods (by signature), so hint names stay unique.
    private static string InvalidationSuffix(IMethodSymbol method)
    {
        var siblings = new List<(string Signature, IMethodSymbol Method)>();
        foreach (var member in method.ContainingType.GetMembers(method.Name))
        {
            if (member is IMethodSymbol { IsPartialDefinition: true } candidate
                && (HasAttribute(candidate, KnownNames.InvalidatesCachedAttribute) || HasAttribute(candidate, KnownNames.InvalidatesTagAttribute)))
                siblings.Add((Signature(candidate, keyOnly: false), candidate));
        }

        if (siblings.Count < 2)
            return "";
        siblings.Sort(static (a, b) => string.CompareOrdinal(a.Signature, b.Signature));
        var index = siblings.FindIndex(s => SymbolEqualityComparer.Default.Equals(s.Method, method));
        return "_" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

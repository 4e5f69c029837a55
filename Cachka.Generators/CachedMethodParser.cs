using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using Cachka.CodeAnalysis;
using Cachka.Generators.Helpers;
using Cachka.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.Generators;

/// <summary>
/// The only part of the generator that reads symbols: turns one <c>[Cached]</c> method into a
/// <see cref="CachedMethodSpec"/>, or null for anything it cannot implement (the analyzers report those).
/// </summary>
internal static partial class CachedMethodParser
{
    private static readonly SymbolDisplayFormat s_code = SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(
        SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    // The key identity: no global::, no nullable reference annotations (string and string? are one CLR type).
    private static readonly SymbolDisplayFormat s_identity = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    // A run that changes a declaration parses every method again (the syntax provider calls the transform for each one
    // on every new compilation; see Declarations), and its methods share a few containing and parameter types: what is
    // read from a type is kept per symbol object, so once per run. Symbols belong to one compilation, so nothing
    // outlives it or crosses runs.
    private static readonly ConditionalWeakTable<INamedTypeSymbol, List<(string Name, ITypeSymbol Type)>> s_keyMembers = new();
    private static readonly ConditionalWeakTable<INamedTypeSymbol, TypeFacts> s_typeFacts = new();
    private static readonly ConditionalWeakTable<ISymbol, string> s_codeNames = new();
    private static readonly ConditionalWeakTable<ISymbol, string> s_identityNames = new();
    private static readonly ConditionalWeakTable<INamespaceSymbol, string> s_namespaceNames = new();
    private static readonly ConditionalWeakTable<INamedTypeSymbol, string> s_hintPrefixes = new();
    private static readonly ConditionalWeakTable<INamedTypeSymbol, Box<EquatableArray<TypeDeclarationSpec>>> s_containers = new();
    private static readonly ConditionalWeakTable<ISymbol, string> s_genericPrefixes = new();
    private static readonly ConditionalWeakTable<ISymbol, ConcurrentDictionary<string, string>> s_singleArgumentCodes = new();

    private static readonly SymbolDisplayFormat s_codeWithoutTypeArguments = s_code.WithGenericsOptions(SymbolDisplayGenericsOptions.None);

    // What a type adds to the identity of its methods' keys (see Identity).
    private sealed class TypeIdentity(string[] pieces, string tail)
    {
        public string[] Pieces { get; } = pieces;

        public string Tail { get; } = tail;
    }

    private sealed class Box<T>(T value)
    {
        public T Value { get; } = value;
    }

    // A parameter's type is a new symbol object at each read when nullable annotations are on, so a plain (non-generic)
    // type's display is kept per definition, whose object is stable: its annotation can only add a top-level '?'.
    private static string Code(this ISymbol symbol)
    {
        if (Plain(symbol) is { } type)
            return Annotated(type, s_codeNames.GetValue(type.OriginalDefinition, static s => s.ToDisplayString(s_code)));
        if (Composable(symbol) is { } generic)
            return Annotated(generic, ComposedCode(generic));
        return s_codeNames.GetValue(symbol, static s => s.ToDisplayString(s_code));
    }

    /// <summary>A type as generated code writes it (what <c>ToDisplayString</c> with the fully qualified format writes, read once per run).</summary>
    internal static string CodeOf(ITypeSymbol type) => type.Code();

    /// <summary>The fully qualified format with nullable annotations, which <see cref="CodeOf"/> reproduces.</summary>
    internal static SymbolDisplayFormat CodeFormat => s_code;

    private static string Annotated(ITypeSymbol type, string name) =>
        type.NullableAnnotation == NullableAnnotation.Annotated && type.IsReferenceType ? name + "?" : name;

    // A constructed generic type is a new symbol object at each read too: its display is its definition's name (kept per
    // definition) and its type arguments' displays, as the display format writes them ("global::Ns.Task<string?>").
    private static string ComposedCode(INamedTypeSymbol type)
    {
        var arguments = type.TypeArguments;
        // One type argument (Task<T>, ValueTask<T>, List<T>...): kept per definition and argument display, so the
        // methods of a run that return Task<string> share one string.
        if (arguments.Length == 1)
        {
            var composed = s_singleArgumentCodes.GetValue(type.OriginalDefinition, static _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal));
            var argument = arguments[0].Code();
            return composed.TryGetValue(argument, out var known) ? known : composed.GetOrAdd(argument, Compose(type, [argument]));
        }

        var names = new string[arguments.Length];
        for (var i = 0; i < names.Length; i++)
            names[i] = arguments[i].Code();
        return Compose(type, names);
    }

    private static string Compose(INamedTypeSymbol type, string[] names) =>
        s_genericPrefixes.GetValue(type.OriginalDefinition, static s => s.ToDisplayString(s_codeWithoutTypeArguments)) + "<" + string.Join(", ", names) + ">";

    // A generic type whose display the composition reproduces: a class, struct, interface or delegate in a non-generic
    // container, not a tuple, not Nullable<T> (written "T?"), every type argument a type the composition or the plain
    // path can write (no arrays, pointers, type parameters, error types: those go through the display format).
    private static INamedTypeSymbol? Composable(ISymbol symbol)
    {
        if (symbol is not INamedTypeSymbol { IsGenericType: true, IsTupleType: false, TypeKind: not TypeKind.Error } type
            || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
            || type.IsUnboundGenericType)
            return null;
        for (var container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            if (container.IsGenericType)
                return null;
        }

        foreach (var argument in type.TypeArguments)
        {
            if (Plain(argument) is null && Composable(argument) is null)
                return null;
        }

        return type;
    }

    // The identity format writes no nullable annotation at all.
    private static string IdentityName(this ISymbol symbol) =>
        s_identityNames.GetValue(Plain(symbol)?.OriginalDefinition ?? symbol, static s => s.ToDisplayString(s_identity));

    private static INamedTypeSymbol? Plain(ISymbol symbol)
    {
        if (symbol is not INamedTypeSymbol { IsGenericType: false, TypeKind: not TypeKind.Error } type)
            return null;
        for (var container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            if (container.IsGenericType)
                return null;
        }

        return type;
    }

    private static string? NamespaceOf(INamedTypeSymbol type) =>
        type.ContainingNamespace.IsGlobalNamespace ? null : s_namespaceNames.GetValue(type.ContainingNamespace, static n => n.ToDisplayString());

    // What each method node was parsed into, returned again while the compilation declares the same (see Declarations).
    private static readonly ParsedByNode<ParsedMethod> s_parsedMethods = new();

    /// <summary>A node the <c>[Cached]</c> pipeline reads: a partial method declaration without a body, with attributes.</summary>
    public static bool IsCandidate(SyntaxNode node) =>
        node is MethodDeclarationSyntax { AttributeLists.Count: > 0, Body: null, ExpressionBody: null } method
        && method.Modifiers.Any(SyntaxKind.PartialKeyword);

    public static ParsedMethod Parse(GeneratorSyntaxContext context, CancellationToken cancellationToken) =>
        s_parsedMethods.Get(context, context.Node, context.SemanticModel, static (context, cancellationToken) => ParseFresh(context, cancellationToken), cancellationToken);

    private static ParsedMethod ParseFresh(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.Node is not MethodDeclarationSyntax syntax
            || context.SemanticModel.GetDeclaredSymbol(syntax, cancellationToken) is not { } method
            || FirstAttribute(method, KnownNames.CachedAttribute) is not { } attribute)
            return ParsedMethod.None;
        cancellationToken.ThrowIfCancellationRequested();

        if (ParseMethod(attribute, context.SemanticModel.Compilation, context.SemanticModel, method, syntax, cancellationToken) is { } spec)
            return new ParsedMethod(spec, null);
        return Stub(method, syntax, cancellationToken) is { } stub ? new ParsedMethod(null, stub) : ParsedMethod.None;
    }

    // The spec of a [Cached] method; model is null when the method is parsed as the target of an [InvalidatesCached]
    // (only its key and cache are read then, not its nullable context). Each read of a method's parameters, a parameter's
    // type or a generic type's arguments builds new symbol objects in a new compilation: each is read once here.
    private static CachedMethodSpec? ParseMethod(AttributeData attribute, Compilation compilation, SemanticModel? model, IMethodSymbol method, MethodDeclarationSyntax syntax, CancellationToken cancellationToken)
    {
        if (!ReadAttribute(attribute, out var arguments))
            return null;
        if (!method.IsPartialDefinition || method.PartialImplementationPart is not null || method.IsGenericMethod
            || method.ReturnsVoid || method.ReturnsByRef || method.ReturnsByRefReadonly)
            return null;

        var type = method.ContainingType;
        if (Facts(type, compilation, cancellationToken) is not var (typeSpec, facts))
            return null;
        var returnType = method.ReturnType;
        if (!TryReturn(returnType, out var returnKind, out var valueType))
            return null;

        var symbols = method.Parameters;
        var types = new ITypeSymbol[symbols.Length];
        var parameters = new ParameterSpec[symbols.Length];
        var uncached = Uncached.No;
        var keyParameters = 0;
        for (var i = 0; i < symbols.Length; i++)
        {
            var parameter = symbols[i];
            var parameterType = types[i] = parameter.Type;
            if (parameter.RefKind != RefKind.None || !IsStorable(parameterType))
                return null;
            var name = Identifier(parameter.Name);
            var code = parameterType.Code();
            var role = RoleOf(parameter, parameterType);
            var encoding = KeyEncoding.Direct;
            var equality = KeyEquality.Operator;
            string? underlying = null;
            KeyShapeSpec? shape = null;
            if (role == ParameterRole.Key)
            {
                keyParameters++;
                if (!KeyForm(parameterType, compilation, cancellationToken, out encoding, out equality, out underlying, out shape))
                    uncached = Uncached.KeyNotEncodable;
            }

            parameters[i] = new ParameterSpec(name, code, role, parameter.IsParams, DefaultValue(parameter, parameterType),
                parameterType.IdentityName(), encoding, equality, underlying, shape);
        }

        // The analyzers explain a body that does not match (CACHKA002/003); the generator then leaves the method alone.
        var body = ImplementationLookup.Find(method, symbols, types, returnType, arguments.Implementation ?? method.Name + ImplementationLookup.CoreSuffix, out var mismatch, out var contextIndex);
        if (body is null || mismatch is not null)
            return null;
        cancellationToken.ThrowIfCancellationRequested();

        // A call is cached only under a key that cannot collide: every part has an injective form and an
        // instance method says how its instance counts. Otherwise the method calls its body (the analyzers say why).
        var readsMembers = !method.IsStatic && !arguments.Simplified;
        if (readsMembers && uncached == Uncached.No)
            uncached = typeSpec.KeyMembersUncached;

        // Tags name key parts; a template naming anything else (a [NotCacheKey] or token parameter, nothing) is CACHKA020.
        var memberNames = readsMembers ? typeSpec.KeyMemberNames : EquatableArray<string>.Empty;
        if (!TagNamesOnly(arguments.Tags, parameters, symbols, memberNames))
            return null;
        if (ResolveTags(uncached == Uncached.No ? arguments.Tags : null, uncached == Uncached.No && readsMembers ? typeSpec.KeyMembers : EquatableArray<KeyPartSpec>.Empty, parameters) is not { } tags)
            return null;

        var (ordinal, surfaceClash) = facts.Overloaded(method.Name) ? Overload(method, Signature(types, parameters, keyOnly: false)) : (0, false);
        return new CachedMethodSpec(
            Type: typeSpec,
            MethodName: method.Name,
            Name: Identifier(method.Name),
            Ordinal: ordinal,
            SurfaceClash: surfaceClash,
            Modifiers: ModifiersWithout(syntax.Modifiers, SyntaxKind.PartialKeyword),
            IsStatic: method.IsStatic,
            ReturnKind: returnKind,
            ReturnType: returnKind == ReturnKind.Sync ? valueType.Code() : ReturnCode((INamedTypeSymbol)returnType, valueType),
            ValueType: valueType.Code(),
            BodyName: Identifier(body.Name),
            BodyIsStatic: body.IsStatic,
            Parameters: new EquatableArray<ParameterSpec>(parameters),
            KeyReadsMembers: readsMembers,
            Options: arguments.Options,
            Tags: tags,
            ContextIndex: contextIndex,
            InvalidationDropsAsync: InvalidationDropsAsync(method),
            OnSurface: OnSurface(compilation, type, facts, types, returnType, returnKind == ReturnKind.Sync ? null : valueType),
            NullableOblivious: model is not null && !model.GetNullableContext(syntax.SpanStart).AnnotationsEnabled(),
            Uncached: uncached);
    }

    // Task<T> or ValueTask<T> as Code() writes it, from the value type's display (its arguments are not read again).
    private static string ReturnCode(INamedTypeSymbol returnType, ITypeSymbol valueType)
    {
        if (Plain(valueType) is null && Composable(valueType) is null)
            return returnType.Code();
        var composed = s_singleArgumentCodes.GetValue(returnType.OriginalDefinition, static _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal));
        var argument = valueType.Code();
        var code = composed.TryGetValue(argument, out var known) ? known : composed.GetOrAdd(argument, Compose(returnType, [argument]));
        return Annotated(returnType, code);
    }

    // A throwing implementation part for a partial definition the compiler needs implemented (CS8795's
    // condition), or null when there is none to write or it cannot be written safely from another file.
    private static StubSpec? Stub(IMethodSymbol method, MethodDeclarationSyntax syntax, CancellationToken cancellationToken, string? hintName = null)
    {
        if (!method.IsPartialDefinition || method.PartialImplementationPart is not null || !NeedsImplementation(syntax))
            return null;
        var type = method.ContainingType;
        if (!IsSupportedType(type, cancellationToken) || method.TypeParameters.Any(HasConstraints)
            || !IsWritable(method.ReturnType) || method.Parameters.Any(p => !IsWritable(p.Type)))
            return null;

        var parameters = method.Parameters.Select(static p => new StubParameterSpec(
            p.ScopedKind != ScopedKind.None && p.RefKind != RefKind.Out,
            p.IsParams,
            PassedByOf(p.RefKind),
            p.Type.Code(),
            Identifier(p.Name))).ToArray();
        var (ordinal, _) = Overload(method, Signature(method, keyOnly: false));
        var suffix = ordinal == 0 ? "" : "_" + ordinal.ToString(CultureInfo.InvariantCulture);
        var ns = NamespaceOf(type);
        hintName ??= HintName(type, method.Name + suffix);
        return new StubSpec(
            HintName: hintName.Substring(0, hintName.Length - ".g.cs".Length) + ".stub.g.cs",
            Namespace: ns,
            ContainingTypes: Containers(type),
            Type: Declaration(type),
            Modifiers: ModifiersWithout(syntax.Modifiers, SyntaxKind.PartialKeyword),
            ReturnByRef: method.ReturnsByRefReadonly ? ReturnByRef.RefReadonly : method.ReturnsByRef ? ReturnByRef.Ref : ReturnByRef.None,
            ReturnType: method.ReturnType.Code(),
            Name: Identifier(method.Name),
            TypeParameters: new EquatableArray<string>(method.TypeParameters.Select(static t => Identifier(t.Name)).ToArray()),
            IsExtension: method.IsExtensionMethod,
            Parameters: new EquatableArray<StubParameterSpec>(parameters));
    }

    // CS8795: a partial method needs an implementation when it has an accessibility or a
    // virtual/override/sealed/new/extern modifier, returns a value, or has an out parameter. Without an
    // accessibility the last four are already errors on the definition (CS8796-CS8798), which a stub
    // would only repeat: so a stub is written exactly when the definition has an explicit accessibility.
    private static bool NeedsImplementation(MethodDeclarationSyntax syntax) =>
        syntax.Modifiers.Any(static m => m.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.ProtectedKeyword or SyntaxKind.InternalKeyword);

    private static bool HasConstraints(ITypeParameterSymbol parameter) =>
        parameter.HasReferenceTypeConstraint || parameter.HasValueTypeConstraint || parameter.HasUnmanagedTypeConstraint
        || parameter.HasNotNullConstraint || parameter.HasConstructorConstraint || parameter.ConstraintTypes.Length > 0;

    // Whether a type can be named by its fully-qualified display in another file: no pointers,
    // function pointers or file-local types anywhere in it.
    private static bool IsWritable(ITypeSymbol type)
    {
        switch (type)
        {
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol or IErrorTypeSymbol:
                return false;
            case IArrayTypeSymbol array:
                return IsWritable(array.ElementType);
            case INamedTypeSymbol named:
                for (var current = named; current is not null; current = current.ContainingType)
                {
                    if (current.IsFileLocal)
                        return false;
                }

                return named.TypeArguments.All(IsWritable);
            default:
                return true;
        }
    }

    private static PassedBy PassedByOf(RefKind kind) => kind switch
    {
        RefKind.None => PassedBy.Value,
        RefKind.Ref => PassedBy.Ref,
        RefKind.Out => PassedBy.Out,
        RefKind.In => PassedBy.In,
        _ => kind.ToString() == "RefReadOnlyParameter" ? PassedBy.RefReadonly : PassedBy.Value,
    };

    // The attribute's named arguments; false when a value is invalid (the analyzers report CACHKA009/019/020).
    private static bool ReadAttribute(AttributeData attribute, out CachedArguments arguments)
    {
        arguments = default;
        var values = EntryOptionValues.Read(attribute);
        if (!EntryOptionRules.IsValidTtl(values.Ttl) || EntryOptionRules.HasProblems(values))
            return false;
        var simplified = false;
        string? implementation = null;
        List<string>? tags = null;
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Tags" && argument.Value.Kind == TypedConstantKind.Array && !argument.Value.IsNull)
            {
                tags ??= [];
                foreach (var tag in argument.Value.Values)
                    tags.Add(tag.Value as string ?? "");
            }
            else if (argument.Key == "SimplifiedSelfSerialization" && argument.Value.Value is bool flag)
            {
                simplified = flag;
            }
            else if (argument.Key == "Implementation" && argument.Value.Value is string name)
            {
                implementation = name;
            }
        }

        var options = new EntryOptionsSpec(values.Ttl, values.FailSafeMaxDuration, values.FailSafeThrottleDuration,
            values.FactorySoftTimeoutMs, values.FactoryHardTimeoutMs, values.EagerRefreshThreshold, values.Jitter);
        arguments = new CachedArguments(options, simplified, implementation, tags);
        return true;
    }

    // Every {name} of every template names a key parameter or a [CacheKey] member (checked before an uncached
    // method drops its key parts, so the generator skips exactly what the analyzers report).
    private static bool TagNamesOnly(List<string>? templates, ParameterSpec[] parameters, ImmutableArray<IParameterSymbol> symbols, EquatableArray<string> memberNames)
    {
        if (templates is null)
            return true;
        foreach (var template in templates)
        {
            if (TagTemplate.Parse(template, out _) is not { } pieces)
                return false;
            foreach (var piece in pieces)
            {
                if (!piece.IsName)
                    continue;
                // A parameter of the name hides a member of it (as the analyzer reads the template).
                var parameter = -1;
                for (var i = 0; i < symbols.Length && parameter < 0; i++)
                {
                    if (symbols[i].Name == piece.Text)
                        parameter = i;
                }

                if (parameter >= 0 ? parameters[parameter].Role != ParameterRole.Key : !memberNames.Contains(piece.Text))
                    return false;
            }
        }

        return true;
    }

    private readonly record struct CachedArguments(EntryOptionsSpec Options, bool Simplified, string? Implementation, List<string>? Tags);

    // The tags with each {name} resolved to its key part (the members' parts first, then the key parameters'); null when a
    // template is invalid or names no key part (CACHKA020).
    private static EquatableArray<TagSpec>? ResolveTags(List<string>? templates, EquatableArray<KeyPartSpec> members, ParameterSpec[] parameters)
    {
        if (templates is null)
            return EquatableArray<TagSpec>.Empty;
        var tags = new List<TagSpec>(templates.Count);
        foreach (var template in templates)
        {
            if (TagTemplate.Parse(template, out _) is not { } pieces)
                return null;
            var resolved = new List<TagPieceSpec>(pieces.Count);
            foreach (var piece in pieces)
            {
                if (!piece.IsName)
                {
                    resolved.Add(new TagPieceSpec(piece.Text, -1));
                    continue;
                }

                // A parameter hides a [CacheKey] member of the same name, as in C# (and as [InvalidatesTag] resolves it).
                var index = -1;
                var part = members.Count;
                foreach (var parameter in parameters)
                {
                    if (parameter.Role != ParameterRole.Key)
                        continue;
                    if (string.Equals(parameter.Name.TrimStart('@'), piece.Text, StringComparison.Ordinal))
                    {
                        index = part;
                        break;
                    }

                    part++;
                }

                for (var i = 0; i < members.Count && index < 0; i++)
                {
                    if (string.Equals(members[i].Name.TrimStart('@'), piece.Text, StringComparison.Ordinal))
                        index = i;
                }

                if (index < 0)
                    return null;
                resolved.Add(new TagPieceSpec("", index));
            }

            tags.Add(new TagSpec(EquatableArray.From(resolved)));
        }

        return EquatableArray.From(tags);
    }

    private static bool IsSupportedType(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || type.IsRefLikeType)
            return false;
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.TypeKind is not (TypeKind.Class or TypeKind.Struct) || current.IsFileLocal)
                return false;
            foreach (var reference in current.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration
                    || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    return false;
            }
        }

        return true;
    }

    private static bool TryReturn(ITypeSymbol returnType, out ReturnKind kind, out ITypeSymbol valueType)
    {
        kind = ReturnKind.Sync;
        valueType = returnType;
        if (returnType is INamedTypeSymbol named && IsIn(named, "System.Threading.Tasks") && named.Name is "Task" or "ValueTask")
        {
            if (named.TypeArguments.Length != 1)
                return false;
            kind = named.Name == "Task" ? ReturnKind.Task : ReturnKind.ValueTask;
            valueType = named.TypeArguments[0];
        }
        else if (returnType is INamedTypeSymbol { Name: "IAsyncEnumerable", Arity: 1 } stream && IsIn(stream, "System.Collections.Generic"))
        {
            return false;
        }

        return IsStorable(valueType);
    }

    // Can be a generic type argument and a field.
    private static bool IsStorable(ITypeSymbol type) =>
        !type.IsRefLikeType && type.TypeKind is not (TypeKind.Pointer or TypeKind.FunctionPointer) && type.SpecialType != SpecialType.System_Void;

    private static ParameterRole RoleOf(IParameterSymbol parameter) => RoleOf(parameter, parameter.Type);

    private static ParameterRole RoleOf(IParameterSymbol parameter, ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { Name: "CancellationToken" } token && IsIn(token, "System.Threading"))
            return ParameterRole.CancellationToken;
        foreach (var attribute in parameter.GetAttributes())
        {
            if (IsCachkaType(attribute.AttributeClass, KnownNames.NotCacheKeyAttribute))
                return ParameterRole.NotKey;
        }

        return ParameterRole.Key;
    }

    // Instance fields and readable properties marked [CacheKey], on the type and its bases, by name.
    private static List<(string Name, ITypeSymbol Type)> KeyMembers(INamedTypeSymbol type)
    {
        var members = new List<(string Name, ITypeSymbol Type)>();
        List<string>? seen = null;
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                // The kind test first: reading attributes is the costly part, and most members are methods.
                if (member is not (IFieldSymbol or IPropertySymbol) || member.IsStatic
                    || !HasAttribute(member, KnownNames.CacheKeyAttribute) || seen?.Contains(member.Name) == true)
                    continue;
                (seen ??= []).Add(member.Name);
                if (!SymbolEqualityComparer.Default.Equals(current, type) && member.DeclaredAccessibility == Accessibility.Private)
                    continue;
                switch (member)
                {
                    case IFieldSymbol field when IsStorable(field.Type):
                        members.Add((field.Name, field.Type));
                        break;
                    case IPropertySymbol { IsIndexer: false, GetMethod: not null } property when IsStorable(property.Type) && !property.ReturnsByRef:
                        members.Add((property.Name, property.Type));
                        break;
                }
            }
        }

        members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return members;
    }

    // The part's storage and comparison by its key shape; false when its type has no key form. The direct forms
    // (numbers, strings, enums and their nullables) are told from the type alone, without building its key shape.
    private static bool KeyForm(ITypeSymbol type, Compilation compilation, CancellationToken cancellationToken,
        out KeyEncoding encoding, out KeyEquality equality, out string? underlying, out KeyShapeSpec? shapeSpec)
    {
        underlying = null;
        shapeSpec = null;
        if (KeyShapes.IsScalar(type))
        {
            (encoding, equality) = (KeyEncoding.Direct, ScalarEquality(type));
            return true;
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } enumUnderlying })
        {
            (encoding, equality, underlying) = (KeyEncoding.Enum, KeyEquality.Operator, enumUnderlying.Code());
            return true;
        }

        var shape = KeyShapes.Of(type, compilation, out _, cancellationToken);
        (encoding, equality) = (KeyEncoding.Encoded, KeyEquality.String);
        switch (shape?.Kind)
        {
            case null:
                return false;
            case KeyShapeKind.Scalar:
                (encoding, equality) = (KeyEncoding.Direct, ScalarEquality(type));
                return true;
            case KeyShapeKind.Enum:
                (encoding, equality, underlying) = (KeyEncoding.Enum, KeyEquality.Operator, shape.Underlying!.Code());
                return true;
            case KeyShapeKind.Nullable when shape.Inner!.Kind == KeyShapeKind.Scalar:
                (encoding, equality) = (KeyEncoding.Nullable, ScalarEquality(shape.Inner.Type) == KeyEquality.Exact ? KeyEquality.Exact : KeyEquality.Operator);
                return true;
            case KeyShapeKind.Nullable when shape.Inner!.Kind == KeyShapeKind.Enum:
                (encoding, equality, underlying) = (KeyEncoding.NullableEnum, KeyEquality.Operator, shape.Inner.Underlying!.Code());
                return true;
            default:
                shapeSpec = ShapeSpec(shape);
                return true;
        }
    }

    // A [CacheKey] member's part; null when its type has no key form.
    private static KeyPartSpec? MemberPart(string name, ITypeSymbol type, Compilation compilation, CancellationToken cancellationToken) =>
        KeyForm(type, compilation, cancellationToken, out var encoding, out var equality, out var underlying, out var shape)
            ? new KeyPartSpec(Identifier(name), true, type.Code(), encoding, equality, underlying, shape)
            : null;

    private static KeyShapeSpec ShapeSpec(KeyShape shape)
    {
        var members = new List<KeyMemberSpec>(shape.Members.Count);
        foreach (var (name, memberShape) in shape.Members)
            members.Add(new KeyMemberSpec(Identifier(name), ShapeSpec(memberShape)));
        return new KeyShapeSpec(
            shape.Kind,
            shape.Type.Code(),
            shape.Type.IsValueType,
            shape.Underlying?.Code(),
            shape.Inner is null ? null : ShapeSpec(shape.Inner),
            EquatableArray.From(members));
    }

    // How two values of a direct type compare as strictly as their key text.
    private static KeyEquality ScalarEquality(ITypeSymbol type) => type.SpecialType switch
    {
        SpecialType.System_String => KeyEquality.String,
        SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_DateTime => KeyEquality.Exact,
        _ => type.Name == "DateTimeOffset" ? KeyEquality.Exact : KeyEquality.Operator,
    };

    // (1-based ordinal among same-named [Cached] overloads or 0 when alone, whether another overload has the same key parameter types).
    private static (int Ordinal, bool SurfaceClash) Overload(IMethodSymbol method, string signature)
    {
        var candidates = method.ContainingType.GetMembers(method.Name);
        if (candidates.Length < 2)
            return (0, false);
        var siblings = new List<(string Signature, string KeySignature, IMethodSymbol Method)>();
        foreach (var member in candidates)
        {
            if (member is IMethodSymbol { IsPartialDefinition: true } candidate && HasAttribute(candidate, KnownNames.CachedAttribute))
            {
                var self = SymbolEqualityComparer.Default.Equals(candidate, method);
                siblings.Add((self ? signature : Signature(candidate, keyOnly: false), Signature(candidate, keyOnly: true), candidate));
            }
        }

        if (siblings.Count < 2)
            return (0, false);
        siblings.Sort(static (a, b) => string.CompareOrdinal(a.Signature, b.Signature));
        var index = siblings.FindIndex(s => SymbolEqualityComparer.Default.Equals(s.Method, method));
        var clash = siblings.Count(s => s.KeySignature == siblings[index].KeySignature) > 1;
        return (index + 1, clash);
    }

    // GetUserAsync is invalidated by InvalidateGetUser and InvalidateGetUserAsync, unless a cached GetUser exists too.
    private static bool InvalidationDropsAsync(IMethodSymbol method)
    {
        const string suffix = "Async";
        if (method.Name.Length <= suffix.Length || !method.Name.EndsWith(suffix, StringComparison.Ordinal))
            return false;
        var trimmed = method.Name.Substring(0, method.Name.Length - suffix.Length);
        return !method.ContainingType.GetMembers(trimmed).Any(static m => HasAttribute(m, KnownNames.CachedAttribute));
    }

    private static string Signature(IMethodSymbol method, bool keyOnly)
    {
        var names = new List<string>(method.Parameters.Length);
        foreach (var parameter in method.Parameters)
        {
            if (!keyOnly || RoleOf(parameter) == ParameterRole.Key)
                names.Add(parameter.Type.IdentityName());
        }

        return string.Join(",", names);
    }

    // The signature of a method whose parameters are already read.
    private static string Signature(ITypeSymbol[] types, ParameterSpec[] parameters, bool keyOnly)
    {
        var names = new List<string>(types.Length);
        for (var i = 0; i < types.Length; i++)
        {
            if (!keyOnly || parameters[i].Role == ParameterRole.Key)
                names.Add(parameters[i].IdentityType);
        }

        return string.Join(",", names);
    }

    // A type's part of its methods' identities: the pieces before the last, and the text the last one starts with.
    private static TypeIdentity IdentityOf(string? ns, INamedTypeSymbol type)
    {
        if (type.ContainingType is null && type.Arity == 0)
            return new TypeIdentity([], ns is null ? type.Name : ns + "." + type.Name);
        var pieces = new List<string>();
        var text = new StringBuilder();
        if (ns is not null)
            text.Append(ns).Append('.');
        var chain = new List<INamedTypeSymbol>();
        for (var current = type; current is not null; current = current.ContainingType)
            chain.Insert(0, current);
        for (var i = 0; i < chain.Count; i++)
        {
            if (i > 0)
                text.Append('.');
            text.Append(chain[i].Name);
            if (chain[i].TypeParameters.Length == 0)
                continue;
            text.Append('<');
            for (var j = 0; j < chain[i].TypeParameters.Length; j++)
            {
                if (j > 0)
                    text.Append(", ");
                pieces.Add(text.ToString());
                pieces.Add(chain[i].TypeParameters[j].Name);
                text.Clear();
            }

            text.Append('>');
        }

        return new TypeIdentity(pieces.ToArray(), text.ToString());
    }

    // What a type's [Cached] methods share, read once per run: its spec (null when the generator cannot implement methods in
    // it), and which of its member names are overloaded.
    private sealed class TypeFacts(CachedTypeSpec? spec, List<string>? overloaded, int rank)
    {
        public CachedTypeSpec? Spec { get; } = spec;

        public int Rank { get; } = rank;

        public bool Overloaded(string name) => overloaded?.Contains(name) == true;
    }

    private static readonly TypeFacts s_unsupported = new(null, null, 0);

    // The facts of the type, or null when the generator cannot implement methods in it.
    private static (CachedTypeSpec Spec, TypeFacts Facts)? Facts(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        if (!s_typeFacts.TryGetValue(type, out var facts))
        {
            var computed = IsSupportedType(type, cancellationToken) ? FactsOf(type, compilation, cancellationToken) : s_unsupported;
            facts = s_typeFacts.GetValue(type, _ => computed);
        }

        return facts.Spec is { } spec ? (spec, facts) : null;
    }

    private static TypeFacts FactsOf(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        var access = type.DeclaredAccessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.ProtectedOrInternal when type.ContainingType is not null => "protected internal",
            Accessibility.Protected when type.ContainingType is not null => "protected",
            Accessibility.ProtectedAndInternal when type.ContainingType is not null => "private protected",
            Accessibility.Private when type.ContainingType is not null => "private",
            _ => "internal",
        };

        // The instance key: every [CacheKey] member, or why the instance has none that keys (see Uncached).
        var members = s_keyMembers.GetValue(type, static t => KeyMembers(t));
        var names = new string[members.Count];
        var parts = new List<KeyPartSpec>(members.Count);
        var uncached = members.Count == 0 ? Uncached.NoInstanceIdentity : Uncached.No;
        for (var i = 0; i < members.Count; i++)
        {
            names[i] = members[i].Name;
            if (MemberPart(members[i].Name, members[i].Type, compilation, cancellationToken) is { } part)
                parts.Add(part);
            else
                uncached = Uncached.KeyNotEncodable;
        }

        // A type has few members: a pair scan builds nothing when no name repeats (the common case).
        var typeMembers = type.GetMembers();
        List<string>? overloaded = null;
        for (var i = 1; i < typeMembers.Length; i++)
        {
            if (typeMembers[i] is not IMethodSymbol)
                continue;
            var name = typeMembers[i].Name;
            for (var j = 0; j < i; j++)
            {
                if (typeMembers[j] is IMethodSymbol && typeMembers[j].Name == name)
                {
                    if (overloaded?.Contains(name) != true)
                        (overloaded ??= []).Add(name);
                    break;
                }
            }
        }

        var ns = NamespaceOf(type);
        var identity = IdentityOf(ns, type);
        var hintPrefix = HintPrefix(type);
        var spec = new CachedTypeSpec(
            Declaration(type),
            type.Code(),
            type.IsStatic,
            access,
            "I" + type.Name + "Cached",
            type.Name + "CacheKeys",
            Constraints(type),
            ns,
            Containers(type),
            hintPrefix,
            // "cached": no type or namespace of the user's can make it another output's name.
            hintPrefix + "cached.g.cs",
            new EquatableArray<string>(identity.Pieces),
            identity.Tail,
            new EquatableArray<string>(names),
            EquatableArray.From(parts),
            uncached,
            CacheSource(type, forStatic: true),
            CacheSource(type, forStatic: false));
        return new TypeFacts(Latest(spec), overloaded, Rank(type));
    }

    // The type's spec of the previous run when this run's equals it, so that the comparison of each of its methods' specs
    // with the previous run's (twice per method: the parse step and the specs step) finds the same object, not a copy to
    // compare field by field. Values only are kept, one per generated file; an unequal spec replaces the kept one.
    private static readonly ConcurrentDictionary<string, CachedTypeSpec> s_latestTypeSpecs = new(StringComparer.Ordinal);

    private static CachedTypeSpec Latest(CachedTypeSpec spec)
    {
        if (s_latestTypeSpecs.TryGetValue(spec.FileName, out var latest) && latest.Equals(spec))
            return latest;
        s_latestTypeSpecs[spec.FileName] = spec;
        return spec;
    }

    private static TypeDeclarationSpec Declaration(INamedTypeSymbol type)
    {
        var keyword = type.IsRecord
            ? type.TypeKind == TypeKind.Struct ? "record struct" : "record"
            : type.TypeKind == TypeKind.Struct ? "struct" : "class";
        var typeParameters = type.TypeParameters.Length == 0 ? "" : "<" + string.Join(", ", type.TypeParameters.Select(t => Identifier(t.Name))) + ">";
        return new TypeDeclarationSpec(keyword, Identifier(type.Name), typeParameters);
    }

    private static EquatableArray<TypeDeclarationSpec> Containers(INamedTypeSymbol type) =>
        s_containers.GetValue(type, static type => new(ContainersOf(type))).Value;

    private static EquatableArray<TypeDeclarationSpec> ContainersOf(INamedTypeSymbol type)
    {
        var chain = new List<TypeDeclarationSpec>();
        for (var current = type.ContainingType; current is not null; current = current.ContainingType)
            chain.Insert(0, Declaration(current));
        return EquatableArray.From(chain);
    }

    private static EquatableArray<TypeParameterConstraintSpec> Constraints(INamedTypeSymbol type)
    {
        var clauses = new List<TypeParameterConstraintSpec>();
        foreach (var parameter in type.TypeParameters)
        {
            var constraints = new List<string>();
            if (parameter.HasReferenceTypeConstraint)
                constraints.Add(parameter.ReferenceTypeConstraintNullableAnnotation == NullableAnnotation.Annotated ? "class?" : "class");
            else if (parameter.HasUnmanagedTypeConstraint)
                constraints.Add("unmanaged");
            else if (parameter.HasValueTypeConstraint)
                constraints.Add("struct");
            else if (parameter.HasNotNullConstraint)
                constraints.Add("notnull");
            foreach (var constraint in parameter.ConstraintTypes)
                constraints.Add(constraint.Code());
            if (parameter.HasConstructorConstraint && !parameter.HasValueTypeConstraint)
                constraints.Add("new()");
            if (constraints.Count > 0)
                clauses.Add(new TypeParameterConstraintSpec(Identifier(parameter.Name), EquatableArray.From(constraints)));
        }

        return EquatableArray.From(clauses);
    }

    private static string? CacheSource(INamedTypeSymbol type, bool forStatic)
    {
        for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is not (IFieldSymbol or IPropertySymbol) || (forStatic && !member.IsStatic)
                    || !HasAttribute(member, KnownNames.CacheSourceAttribute))
                    continue;
                if (!SymbolEqualityComparer.Default.Equals(current, type) && member.DeclaredAccessibility == Accessibility.Private)
                    continue;
                var memberType = member switch
                {
                    IFieldSymbol field => field.Type,
                    IPropertySymbol { IsIndexer: false, GetMethod: not null } property => property.Type,
                    _ => null,
                };
                if (memberType is null || !IsCache(memberType))
                    continue;
                return member.IsStatic ? type.Code() + "." + Identifier(member.Name) : "this." + Identifier(member.Name);
            }
        }

        return null;
    }

    private static bool IsCache(ITypeSymbol type) =>
        IsCachkaType(type, KnownNames.Cache) || type.AllInterfaces.Any(static i => IsCachkaType(i, KnownNames.Cache));

    // Whether the method can appear on the public surface (interface, key builder) next to the type:
    // every type in its signature is at least as accessible as the type and visible where the surface lives.
    // Public types are visible everywhere; only the others need the compiler's (costly) accessibility check.
    // A Task<T> or ValueTask<T> return ranks as its value type (valueType; null for a synchronous method).
    private static bool OnSurface(Compilation compilation, INamedTypeSymbol type, TypeFacts facts, ITypeSymbol[] types, ITypeSymbol returnType, ITypeSymbol? valueType)
    {
        var required = facts.Rank;
        var least = Math.Min(required, Rank(valueType ?? returnType));
        foreach (var parameterType in types)
            least = Math.Min(least, Rank(parameterType));
        if (least < required)
            return false;
        if (least == PublicRank)
            return true;
        var site = (ISymbol?)type.ContainingType ?? compilation.Assembly;
        foreach (var parameterType in types)
        {
            if (Rank(parameterType) < PublicRank && !compilation.IsSymbolAccessibleWithin(parameterType, site))
                return false;
        }

        return (Rank(returnType) == PublicRank || compilation.IsSymbolAccessibleWithin(returnType, site))
            && (required == PublicRank || compilation.IsSymbolAccessibleWithin(type, site));
    }

    private const int PublicRank = 4;

    private static int Rank(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return Rank(array.ElementType);
            case INamedTypeSymbol named:
                var rank = PublicRank;
                for (var current = named; current is not null; current = current.ContainingType)
                    rank = Math.Min(rank, Rank(current.DeclaredAccessibility));
                if (named.IsGenericType)
                {
                    foreach (var argument in named.TypeArguments)
                        rank = Math.Min(rank, Rank(argument));
                }

                return rank;
            default:
                return PublicRank;
        }
    }

    private static int Rank(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Public => PublicRank,
        Accessibility.ProtectedOrInternal => 3,
        Accessibility.Internal or Accessibility.Protected => 2,
        Accessibility.ProtectedAndInternal => 1,
        _ => 0,
    };

    private static string? DefaultValue(IParameterSymbol parameter) => DefaultValue(parameter, parameter.Type);

    private static string? DefaultValue(IParameterSymbol parameter, ITypeSymbol parameterType)
    {
        if (!parameter.HasExplicitDefaultValue)
            return null;
        var value = parameter.ExplicitDefaultValue;
        var type = parameterType;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            type = nullable.TypeArguments[0];
        if (value is null)
            return parameterType.IsValueType && parameterType.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T ? "default" : "null";
        var literal = value switch
        {
            string text => SymbolDisplay.FormatLiteral(text, quote: true),
            char c => SymbolDisplay.FormatLiteral(c, quote: true),
            bool b => b ? "true" : "false",
            float f => float.IsNaN(f) ? "float.NaN" : float.IsPositiveInfinity(f) ? "float.PositiveInfinity" : float.IsNegativeInfinity(f) ? "float.NegativeInfinity" : f.ToString("R", CultureInfo.InvariantCulture) + "F",
            double d => double.IsNaN(d) ? "double.NaN" : double.IsPositiveInfinity(d) ? "double.PositiveInfinity" : double.IsNegativeInfinity(d) ? "double.NegativeInfinity" : d.ToString("R", CultureInfo.InvariantCulture) + "D",
            decimal m => m.ToString(CultureInfo.InvariantCulture) + "M",
            long l => l.ToString(CultureInfo.InvariantCulture) + "L",
            ulong u => u.ToString(CultureInfo.InvariantCulture) + "UL",
            uint u => u.ToString(CultureInfo.InvariantCulture) + "U",
            IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
            _ => "default",
        };
        return type.TypeKind == TypeKind.Enum ? "(" + type.Code() + ")(" + literal + ")" : literal;
    }

    // The method's modifiers as written, but for the ones the generated part does not repeat.
    private static string ModifiersWithout(SyntaxTokenList modifiers, SyntaxKind left, SyntaxKind alsoLeft = SyntaxKind.None)
    {
        // The common case, "public partial": one modifier kept, whose text needs no copy.
        if (modifiers.Count == 2 && (modifiers[1].IsKind(left) || modifiers[1].IsKind(alsoLeft)) && !modifiers[0].IsKind(left) && !modifiers[0].IsKind(alsoLeft))
            return modifiers[0].Text;
        var text = new StringBuilder();
        foreach (var modifier in modifiers)
        {
            if (modifier.IsKind(left) || modifier.IsKind(alsoLeft))
                continue;
            if (text.Length > 0)
                text.Append(' ');
            text.Append(modifier.Text);
        }

        return text.ToString();
    }

    private static string HintName(INamedTypeSymbol type, string method) => HintPrefix(type) + method + ".g.cs";

    private static string HintPrefix(INamedTypeSymbol type) => s_hintPrefixes.GetValue(type, static type => HintPrefix(NamespaceOf(type), type));

    private static string HintPrefix(string? ns, INamedTypeSymbol type)
    {
        if (type.ContainingType is null && type.Arity == 0)
            return ns is null ? type.Name + "." : ns + "." + type.Name + ".";
        var chain = new List<string>();
        for (var current = type; current is not null; current = current.ContainingType)
            chain.Insert(0, current.Arity == 0 ? current.Name : current.Name + "_" + current.Arity.ToString(CultureInfo.InvariantCulture));
        return (ns is null ? "" : ns + ".") + string.Join(".", chain) + ".";
    }

    private static bool HasAttribute(ISymbol symbol, string metadataName) => FirstAttribute(symbol, metadataName) is not null;

    private static AttributeData? FirstAttribute(ISymbol symbol, string metadataName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (IsCachkaType(attribute.AttributeClass, metadataName))
                return attribute;
        }

        return null;
    }

    // "Cachka.X" without building display strings (this runs for every member the parser looks at).
    private static bool IsCachkaType(ITypeSymbol? type, string metadataName) =>
        type is INamedTypeSymbol { ContainingType: null, ContainingNamespace: { Name: "Cachka", ContainingNamespace.IsGlobalNamespace: true } } named
        && metadataName.Length == named.Name.Length + "Cachka.".Length
        && metadataName.EndsWith(named.Name, StringComparison.Ordinal);

    private static bool IsIn(INamedTypeSymbol type, string ns)
    {
        if (type.ContainingType is not null)
            return false;
        var end = ns.Length;
        for (var current = type.ContainingNamespace; current is { IsGlobalNamespace: false }; current = current.ContainingNamespace)
        {
            var start = end - current.Name.Length;
            if (start < 0 || string.CompareOrdinal(ns, start, current.Name, 0, current.Name.Length) != 0)
                return false;
            end = start - 1;
            if (end >= 0 && ns[end] != '.')
                return false;
        }

        return end == -1;
    }

    private static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cachka.CodeAnalysis;

/// <summary>How a key part's value is written, by the shape of its static type.</summary>
internal enum KeyShapeKind
{
    /// <summary>A type with a direct form (numbers, bool, char, string, Guid, the temporal types).</summary>
    Scalar,

    /// <summary>An enum, written as its underlying number.</summary>
    Enum,

    /// <summary>A <c>Nullable&lt;T&gt;</c> of a keyable <c>T</c> (<see cref="KeyShape.Inner"/>).</summary>
    Nullable,

    /// <summary>An array, list or enumerable of a keyable element type (<see cref="KeyShape.Inner"/>).</summary>
    Sequence,

    /// <summary>A type implementing <c>ICacheKeyFormattable</c>: its own text.</summary>
    Formattable,

    /// <summary>A record, struct, sealed class or tuple whose complete state is public and keyable: member by member.</summary>
    Members,

    /// <summary>A type parameter or <c>object</c>: keyed only when the value's run-time type has a direct form.</summary>
    RunTime,
}

/// <summary>The key form of one type (the tree follows sequences, nullables and members).</summary>
internal sealed class KeyShape(KeyShapeKind kind, ITypeSymbol type)
{
    public KeyShapeKind Kind { get; } = kind;

    public ITypeSymbol Type { get; } = type;

    /// <summary>The underlying number type of an enum.</summary>
    public ITypeSymbol? Underlying { get; set; }

    /// <summary>The value of a nullable, the element of a sequence.</summary>
    public KeyShape? Inner { get; set; }

    /// <summary>The members of a <see cref="KeyShapeKind.Members"/> shape, in key order.</summary>
    public List<(string Name, KeyShape Shape)> Members { get; } = [];

    /// <summary>Whether a value can only be checked at run time (somewhere in the tree is a <see cref="KeyShapeKind.RunTime"/> node).</summary>
    public bool CheckedAtRunTime =>
        Kind == KeyShapeKind.RunTime || (Inner?.CheckedAtRunTime ?? false) || Members.Any(static m => m.Shape.CheckedAtRunTime);
}

/// <summary>
/// The one rule, shared by the generator and the analyzers, for which types have an injective key form.
/// A type is keyable when Cachka can prove that different values give different texts: the direct
/// types, enums, nullables and sequences of keyable types, <c>ICacheKeyFormattable</c> types (the
/// user's promise), tuples, and records, structs and sealed classes declared in source whose every
/// instance field is readable through a public member and is itself keyable, with no cycle. Everything
/// else gets a reason, which the analyzers put in CACHKA007; the generator then calls the body uncached.
/// </summary>
internal static class KeyShapes
{
    private const string FormattableName = "ICacheKeyFormattable";
    private const int MaxDepth = 16;

    /// <summary>The shape of <paramref name="type"/>, or null with the reason in <paramref name="whyNot"/>.</summary>
    public static KeyShape? Of(ITypeSymbol type, Compilation compilation, out string? whyNot, CancellationToken cancellationToken = default)
    {
        var visiting = new List<ITypeSymbol>();
        return Of(type, compilation, visiting, out whyNot, cancellationToken);
    }

    /// <summary>Whether <paramref name="type"/> is written directly (and compared without building text).</summary>
    public static bool IsScalar(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Char:
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_IntPtr:
            case SpecialType.System_UIntPtr:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
            case SpecialType.System_String:
            case SpecialType.System_DateTime:
                return true;
        }

        return type is INamedTypeSymbol { Arity: 0, ContainingType: null } named
            && IsSystem(named.ContainingNamespace)
            && named.Name is "Guid" or "DateTimeOffset" or "DateOnly" or "TimeOnly" or "TimeSpan" or "Int128" or "UInt128";
    }

    /// <summary>Whether the type is or implements <c>Cachka.ICacheKeyFormattable</c> (a type parameter never is: its argument is checked at run time).</summary>
    public static bool IsFormattable(ITypeSymbol type)
    {
        if (type.TypeKind == TypeKind.TypeParameter)
            return false;
        if (IsFormattableInterface(type))
            return true;
        foreach (var implemented in type.AllInterfaces)
        {
            if (IsFormattableInterface(implemented))
                return true;
        }

        return false;
    }

    /// <summary>The element type of the sequence types keys support (one-dimensional arrays, List and the collection interfaces), or null.</summary>
    public static ITypeSymbol? SequenceElement(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol { IsSZArray: true } array)
            return array.ElementType;
        if (type is INamedTypeSymbol { Arity: 1, ContainingType: null } named
            && named.Name is "List" or "IReadOnlyList" or "IList" or "IEnumerable" or "IReadOnlyCollection" or "ICollection"
            && IsNamespace(named.ContainingNamespace, "Generic", "Collections", "System"))
            return named.TypeArguments[0];
        return null;
    }

    private static KeyShape? Of(ITypeSymbol type, Compilation compilation, List<ITypeSymbol> visiting, out string? whyNot, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        whyNot = null;
        if (type.TypeKind == TypeKind.TypeParameter || type.SpecialType == SpecialType.System_Object || type.TypeKind == TypeKind.Dynamic)
            return new KeyShape(KeyShapeKind.RunTime, type);
        if (IsScalar(type))
            return new KeyShape(KeyShapeKind.Scalar, type);
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
            return new KeyShape(KeyShapeKind.Enum, type) { Underlying = underlying };
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            var inner = Of(nullable.TypeArguments[0], compilation, visiting, out whyNot, cancellationToken);
            return inner is null ? null : new KeyShape(KeyShapeKind.Nullable, type) { Inner = inner };
        }

        if (IsFormattable(type))
            return new KeyShape(KeyShapeKind.Formattable, type);
        if (visiting.Count >= MaxDepth)
        {
            whyNot = "it nests more than " + MaxDepth + " levels deep";
            return null;
        }

        if (SequenceElement(type) is { } element)
        {
            visiting.Add(type);
            var inner = Of(element, compilation, visiting, out var elementWhyNot, cancellationToken);
            visiting.RemoveAt(visiting.Count - 1);
            if (inner is null)
            {
                whyNot = "its elements of type '" + Display(element) + "' cannot be keyed: " + elementWhyNot;
                return null;
            }

            return new KeyShape(KeyShapeKind.Sequence, type) { Inner = inner };
        }

        if (type is IArrayTypeSymbol)
        {
            whyNot = "only one-dimensional arrays are keyed";
            return null;
        }

        if (type is not INamedTypeSymbol named)
        {
            whyNot = "it has no key form";
            return null;
        }

        foreach (var seen in visiting)
        {
            if (SymbolEqualityComparer.Default.Equals(seen, named))
            {
                whyNot = "it leads back to '" + Display(named) + "', a cycle that no finite key can follow";
                return null;
            }
        }

        return Members(named, compilation, visiting, out whyNot, cancellationToken);
    }

    private static KeyShape? Members(INamedTypeSymbol type, Compilation compilation, List<ITypeSymbol> visiting, out string? whyNot, CancellationToken cancellationToken)
    {
        whyNot = WhyNotComposite(type, compilation, cancellationToken);
        if (whyNot is not null)
            return null;

        var shape = new KeyShape(KeyShapeKind.Members, type);
        var members = type.IsTupleType ? TupleMembers(type) : StateMembers(type, out whyNot, cancellationToken);
        if (members is null)
            return null;

        visiting.Add(type);
        try
        {
            foreach (var (name, memberType) in members)
            {
                foreach (var seen in visiting)
                {
                    if (SymbolEqualityComparer.Default.Equals(seen, memberType)
                        || (SequenceElement(memberType) is { } element && SymbolEqualityComparer.Default.Equals(seen, element)))
                    {
                        whyNot = "its member '" + name + "' leads back to '" + Display(seen) + "', a cycle (such as an entity's back-reference) that no finite key can follow";
                        return null;
                    }
                }

                var memberShape = Of(memberType, compilation, visiting, out var memberWhyNot, cancellationToken);
                if (memberShape is null)
                {
                    whyNot = "its member '" + name + "' of type '" + Display(memberType) + "' cannot be keyed: " + memberWhyNot;
                    return null;
                }

                shape.Members.Add((name, memberShape));
            }
        }
        finally
        {
            visiting.RemoveAt(visiting.Count - 1);
        }

        return shape;
    }

    // Why the type cannot be keyed member by member, before looking at its members; null when it can.
    private static string? WhyNotComposite(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        if (type.IsTupleType)
            return null;
        switch (type.TypeKind)
        {
            case TypeKind.Interface:
                return "'" + Display(type) + "' is an interface, so the value's class, and the state it holds, are only known at run time";
            case TypeKind.Delegate:
                return "a delegate has no value that a key could hold";
            case TypeKind.Class or TypeKind.Struct:
                break;
            default:
                return "it has no key form";
        }

        if (type.IsRefLikeType)
            return "a ref struct cannot be kept for the key";
        if (type.TypeKind == TypeKind.Class && !type.IsSealed)
        {
            return (type.IsAbstract ? "'" + Display(type) + "' is abstract" : "'" + Display(type) + "' is not sealed")
                + ", so a value may be of a derived class whose state its key would leave out";
        }

        for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
        {
            if (current.DeclaringSyntaxReferences.Length == 0)
                return "'" + Display(current) + "' is declared in another assembly, so Cachka cannot see all of its state";
            var captured = CapturedParameters(current, compilation, cancellationToken);
            if (captured.Count > 0)
                return "its primary constructor parameter '" + captured[0].Name + "' is captured as state that no public member exposes";
        }

        return null;
    }

    private static List<(string, ITypeSymbol)> TupleMembers(INamedTypeSymbol type)
    {
        var members = new List<(string, ITypeSymbol)>();
        for (var i = 0; i < type.TupleElements.Length; i++)
            members.Add(("Item" + (i + 1), type.TupleElements[i].Type));
        return members;
    }

    // Every instance field of the type and its bases, each as the public member that reads it; null
    // with the reason when one cannot be read publicly.
    private static List<(string, ITypeSymbol)>? StateMembers(INamedTypeSymbol type, out string? whyNot, CancellationToken cancellationToken)
    {
        whyNot = null;
        var chain = new List<INamedTypeSymbol>();
        for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
            chain.Insert(0, current);

        var members = new List<(string Name, ITypeSymbol Type)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var declaring in chain)
        {
            foreach (var member in declaring.GetMembers())
            {
                // A captured primary constructor parameter's hidden field (listed only once the compiler
                // has bound the type's members) is checked, from syntax, before this.
                if (member is not IFieldSymbol { IsStatic: false, IsConst: false } field || (field.IsImplicitlyDeclared && field.AssociatedSymbol is null))
                    continue;
                string name;
                ITypeSymbol memberType;
                switch (field.AssociatedSymbol)
                {
                    case IPropertySymbol property:
                        if (property.DeclaredAccessibility != Accessibility.Public || property.GetMethod is not { DeclaredAccessibility: Accessibility.Public })
                        {
                            whyNot = "its property '" + property.Name + "' is not publicly readable, so the key cannot hold it";
                            return null;
                        }

                        if (ComputesInGetter(property, cancellationToken))
                        {
                            whyNot = "the getter of its property '" + property.Name + "' computes what it returns from the stored value, so the key cannot hold that value";
                            return null;
                        }

                        name = property.Name;
                        memberType = property.Type;
                        break;
                    case IEventSymbol @event:
                        whyNot = "it holds the event '" + @event.Name + "', which has no value a key could hold";
                        return null;
                    default:
                        if (field.DeclaredAccessibility != Accessibility.Public)
                        {
                            whyNot = "its field '" + field.Name + "' is not public, so the key cannot hold it";
                            return null;
                        }

                        if (field.IsFixedSizeBuffer)
                        {
                            whyNot = "its field '" + field.Name + "' is a fixed-size buffer";
                            return null;
                        }

                        name = field.Name;
                        memberType = field.Type;
                        break;
                }

                if (!names.Add(name))
                {
                    whyNot = "two of its members are named '" + name + "'";
                    return null;
                }

                members.Add((name, memberType));
            }
        }

        return members;
    }

    // A property with a backing field whose getter has a body (C# 14's 'field' keyword): it may return
    // something other than the field, so two different stored values could read the same.
    private static bool ComputesInGetter(IPropertySymbol property, CancellationToken cancellationToken)
    {
        foreach (var reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is PropertyDeclarationSyntax declaration
                && (declaration.ExpressionBody is not null
                    || declaration.AccessorList?.Accessors.Any(static a => a.IsKind(SyntaxKind.GetAccessorDeclaration) && (a.Body is not null || a.ExpressionBody is not null)) == true))
                return true;
        }

        return false;
    }

    // A primary constructor parameter that a member body reads after construction: the compiler keeps it
    // in a hidden field. Initializers and the base call only read it while constructing.
    public static List<IParameterSymbol> CapturedParameters(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        var captured = new List<IParameterSymbol>();
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax { ParameterList.Parameters.Count: > 0 } declaration)
                continue;
            var names = new HashSet<string>(declaration.ParameterList.Parameters.Select(static p => p.Identifier.ValueText), StringComparer.Ordinal);
            SemanticModel? model = null;
            foreach (var member in declaration.Members)
            {
                if (member is FieldDeclarationSyntax or BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)
                    continue;
                foreach (var identifier in member.DescendantNodes().OfType<IdentifierNameSyntax>())
                {
                    if (!names.Contains(identifier.Identifier.ValueText) || IsInitializer(identifier, member))
                        continue;
                    model ??= compilation.GetSemanticModel(declaration.SyntaxTree);
                    if (model.GetSymbolInfo(identifier, cancellationToken).Symbol is IParameterSymbol { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } parameter
                        && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, type)
                        && constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) == declaration)
                        && !captured.Contains(parameter, SymbolEqualityComparer.Default))
                        captured.Add(parameter);
                }
            }
        }

        return captured;
    }

    // Inside a property's initializer (= value), which runs during construction.
    private static bool IsInitializer(SyntaxNode node, MemberDeclarationSyntax member) =>
        member is PropertyDeclarationSyntax { Initializer: { } initializer } && initializer.Span.Contains(node.Span);

    private static bool IsFormattableInterface(ITypeSymbol type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Interface, Name: FormattableName, Arity: 0, ContainingType: null } named
        && IsNamespace(named.ContainingNamespace, "Cachka");

    private static bool IsSystem(INamespaceSymbol ns) => IsNamespace(ns, "System");

    // The namespace named by its parts, innermost first (e.g. "Generic", "Collections", "System").
    private static bool IsNamespace(INamespaceSymbol? ns, params string[] innermostFirst)
    {
        foreach (var part in innermostFirst)
        {
            if (ns is null || ns.IsGlobalNamespace || ns.Name != part)
                return false;
            ns = ns.ContainingNamespace;
        }

        return ns is { IsGlobalNamespace: true };
    }

    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
}

using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Cachka.Serialization;

/// <summary>
/// The one place where <see cref="JsonCacheSerializer"/> tunes System.Text.Json for exact round trips.
/// <see cref="Configure"/> is applied to the options the serializer builds itself (<see cref="JsonCacheSerializer.Default"/>,
/// the resolver constructor); <see cref="AddGuards"/> alone to a copy of options the user passes, whose settings stay theirs.
/// </summary>
internal static class FaithfulJsonOptions
{
    /// <summary>Makes faithful what System.Text.Json can be made faithful for, then adds the per-value guards.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.IncludeFields = true; // value tuples and public fields
        options.NumberHandling |= JsonNumberHandling.AllowNamedFloatingPointLiterals; // NaN, Infinity, -Infinity
        options.Converters.Add(BigIntegerJsonConverter.Instance);
        return AddGuards(options);
    }

    /// <summary>
    /// The per-value checks: a string or char with a lone surrogate, an instance whose run-time type differs from the
    /// declared type of an object (it would come back as the declared type), and a set or dictionary whose comparer is
    /// not the one a new instance of its type gets (it would come back with that one), throw
    /// <see cref="UnfaithfulValueException"/>. Converters the options already hold for string or char come first and are trusted.
    /// </summary>
    public static JsonSerializerOptions AddGuards(JsonSerializerOptions options)
    {
        options.Converters.Add(StrictStringJsonConverter.Instance);
        options.Converters.Add(StrictCharJsonConverter.Instance);
        options.TypeInfoResolver = (options.TypeInfoResolver ?? ReflectionResolver())
            .WithAddedModifier(RefuseDerivedInstances)
            .WithAddedModifier(RefuseCustomComparers);
        return options;
    }

    // Reflection metadata is used only where the application allows it. A trimmed or Native AOT application turns
    // reflection off (JsonSerializerIsReflectionEnabledByDefault=false): there this resolver knows no type and every
    // type is refused as no_json_metadata until the application passes its own JsonSerializerContext.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reflection is used only when the application enables it; AOT applications pass a JsonSerializerContext.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reflection is used only when the application enables it; AOT applications pass a JsonSerializerContext.")]
    public static IJsonTypeInfoResolver ReflectionResolver() => JsonSerializerOptions.Default.TypeInfoResolver!;

    // Without polymorphism configured, System.Text.Json writes a derived instance through its declared type's
    // contract and reads back the declared type: the derived part is lost. A registered derived type (JsonDerivedType)
    // is written through its own contract, so this check only sees instances that would be cut down.
    private static void RefuseDerivedInstances(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || info.Type.IsValueType || info.Type.IsSealed)
            return;
        var declared = info.Type;
        var next = info.OnSerializing;
        info.OnSerializing = value =>
        {
            if (value.GetType() != declared)
                throw JsonFidelity.DerivedInstance(declared, value.GetType());
            next?.Invoke(value);
        };
    }

    // System.Text.Json reads a set or dictionary back into a new instance of its type (JsonTypeInfo.CreateObject), so it
    // comes back with the comparer that instance gets: a HashSet<string> made case-insensitive would come back
    // case-sensitive and stop finding items it found before. A value whose comparer is not that one is refused. The
    // comparer is the type's public Comparer (or KeyComparer) property; a collection without one, or one System.Text.Json
    // does not create through CreateObject (the immutable collections), is not checked. A trimmed application that
    // never reads the property may have lost it: then it is not checked either.
    private static void RefuseCustomComparers(JsonTypeInfo info)
    {
        if (info.Kind is not (JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary) || info.CreateObject is not { } create)
            return;
        var property = ComparerProperty(info.Type);
        if (property is null)
            return;
        object? fresh;
        try
        {
            fresh = property.GetValue(create());
        }
        catch (Exception error) when (error is TargetInvocationException or NotSupportedException or InvalidOperationException or MemberAccessException)
        {
            return;
        }

        var next = info.OnSerializing;
        info.OnSerializing = value =>
        {
            var comparer = property.GetValue(value);
            if (!Alike(comparer, fresh))
                throw JsonFidelity.CustomComparer(value.GetType(), comparer);
            next?.Invoke(value);
        };
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "A comparer property trimmed away is not checked (see RefuseCustomComparers).")]
    private static PropertyInfo? ComparerProperty(Type type)
    {
        foreach (var name in (ReadOnlySpan<string>)["Comparer", "KeyComparer"])
        {
            var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
            if (property is { CanRead: true } && property.GetIndexParameters().Length == 0
                && (Implements(property.PropertyType, typeof(IEqualityComparer<>)) || Implements(property.PropertyType, typeof(IComparer<>))))
                return property;
        }

        return null;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "An interface trimmed away is not checked (see RefuseCustomComparers).")]
    private static bool Implements(Type type, Type genericInterface) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() == genericInterface)
        || Array.Exists(type.GetInterfaces(), i => i.IsGenericType && i.GetGenericTypeDefinition() == genericInterface);

    // The same comparer, or the ordinal string comparer where a new instance has the default string equality (which is
    // ordinal). The ordinal string comparer is not the default string order (that one follows the culture).
    private static bool Alike(object? comparer, object? fresh) =>
        Equals(comparer, fresh) || (ReferenceEquals(fresh, EqualityComparer<string>.Default) && Equals(comparer, StringComparer.Ordinal));
}

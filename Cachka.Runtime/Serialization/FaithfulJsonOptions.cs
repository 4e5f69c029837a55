using System.Diagnostics.CodeAnalysis;
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
    /// The per-value checks: a string or char with a lone surrogate, and an instance whose run-time type differs from
    /// the declared type of an object (it would come back as the declared type), throw <see cref="UnfaithfulValueException"/>.
    /// Converters the options already hold for string or char come first and are trusted.
    /// </summary>
    public static JsonSerializerOptions AddGuards(JsonSerializerOptions options)
    {
        options.Converters.Add(StrictStringJsonConverter.Instance);
        options.Converters.Add(StrictCharJsonConverter.Instance);
        options.TypeInfoResolver = (options.TypeInfoResolver ?? ReflectionResolver()).WithAddedModifier(RefuseDerivedInstances);
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
}

using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cachka.Serialization;

/// <summary>
/// Decides from System.Text.Json's own metadata (<see cref="JsonTypeInfo"/>, reflection or source-generated alike)
/// whether a type round-trips exactly with the given options, applying <see cref="FidelityRules"/>:
/// every instance field of an object (private ones and backing fields included) must be held by a JSON member that
/// is both written and read back; element, key, value and member types are checked in turn (cycle-safe);
/// converter types are trusted, except <c>object</c>. Run once per type and serializer (see <see cref="SerializerFidelity"/>).
/// </summary>
internal static class JsonFidelity
{
    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    public static CacheFidelity Inspect(JsonSerializerOptions options, Type type)
    {
        var (rule, detail) = Find(options, type);
        return rule == FidelityRule.None
            ? CacheFidelity.Faithful
            : CacheFidelity.Refused(FidelityRules.ErrorType(rule), "Values of '" + Display(type) + "' do not round-trip through System.Text.Json: " + detail + "; " + FidelityRules.Advice(rule) + ".");
    }

    /// <summary>The first rule <paramref name="type"/> breaks and how, or <see cref="FidelityRule.None"/>.</summary>
    public static (FidelityRule Rule, string Detail) Find(JsonSerializerOptions options, Type type)
    {
        var problem = new Walk(options).Check(type, path: null);
        return problem ?? (FidelityRule.None, "");
    }

    public static UnfaithfulValueException DerivedInstance(Type declared, Type actual) => new(
        FidelityRules.ErrorType(FidelityRule.PolymorphicValue),
        "An instance of '" + Display(actual) + "' was stored where '" + Display(declared) + "' is declared: it would come back as a '"
        + Display(declared) + "' without the derived part; " + FidelityRules.Advice(FidelityRule.PolymorphicValue) + ".");

    public static UnfaithfulValueException CustomComparer(Type collection, object? comparer) => new(
        FidelityRules.ErrorType(FidelityRule.CustomComparer),
        "A '" + Display(collection) + "' made with the comparer '" + (comparer is null ? "null" : Display(comparer.GetType())) + "' would come back with the comparer a new '"
        + Display(collection) + "' gets, and find different items; " + FidelityRules.Advice(FidelityRule.CustomComparer) + ".");

    public static string Display(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return Display(underlying) + "?";
        if (type.IsArray)
            return Display(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (!type.IsGenericType)
            return type.Name;
        var name = new StringBuilder(type.Name, 0, type.Name.IndexOf('`', StringComparison.Ordinal) is var tick and >= 0 ? tick : type.Name.Length, 64).Append('<');
        var arguments = type.GetGenericArguments();
        for (var i = 0; i < arguments.Length; i++)
            name.Append(i == 0 ? "" : ", ").Append(Display(arguments[i]));
        return name.Append('>').ToString();
    }

    private sealed class Walk(JsonSerializerOptions options)
    {
        private readonly HashSet<Type> _seen = [];

        public (FidelityRule, string)? Check(Type type, string? path)
        {
            if (!_seen.Add(type))
                return null; // checked already, or being checked further up (a cycle)
            if (Nullable.GetUnderlyingType(type) is { } underlying)
                return Check(underlying, path); // null, or the value as its own type
            if (type == typeof(object))
                return Fail(FidelityRule.UntypedValue, "'object' comes back as a JsonElement", path);
            if (IsUnsupported(type))
                return Fail(FidelityRule.UnsupportedType, "'" + Display(type) + "' cannot be serialized", path);
            if (type.IsArray && (type.GetArrayRank() > 1 || type.IsVariableBoundArray))
                return Fail(FidelityRule.UnsupportedType, "the multi-dimensional array '" + Display(type) + "' is not supported", path);
            if (IsReversing(type))
                return Fail(FidelityRule.ReversedOrder, "'" + Display(type) + "' is read back in reverse order", path);

            JsonTypeInfo? info;
            try
            {
                if (!options.TryGetTypeInfo(type, out info))
                    return Fail(FidelityRule.NoJsonMetadata, "the serializer has no metadata for '" + Display(type) + "'", path);
            }
            catch (Exception error) when (error is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                return Fail(FidelityRule.UnsupportedType, "'" + Display(type) + "' is not supported (" + error.Message + ")", path);
            }

            return info.Kind switch
            {
                JsonTypeInfoKind.None => CheckConverted(type, info, path),
                JsonTypeInfoKind.Enumerable => CheckCollection(type, info, path, "[]"),
                JsonTypeInfoKind.Dictionary => CheckDictionary(type, info, path),
                _ => CheckObject(type, info, path),
            };
        }

        // A converter type: the built-in converters round-trip (their generic arguments are checked, as in a
        // Nullable<T> or KeyValuePair<K,V>); a converter the user registered is trusted.
        private (FidelityRule, string)? CheckConverted(Type type, JsonTypeInfo info, string? path)
        {
            if (info.Converter.GetType().Name.StartsWith("UnsupportedTypeConverter", StringComparison.Ordinal))
                return Fail(FidelityRule.UnsupportedType, "'" + Display(type) + "' cannot be serialized", path);
            if (!type.IsGenericType || info.Converter.GetType().Assembly != typeof(JsonSerializer).Assembly)
                return null;
            foreach (var argument in type.GetGenericArguments())
            {
                if (Check(argument, path) is { } problem)
                    return problem;
            }

            return null;
        }

        private (FidelityRule, string)? CheckCollection(Type type, JsonTypeInfo info, string? path, string empty)
        {
            if (info.ElementType is { } element && Check(element, path) is { } problem)
                return problem;
            if (ExtraCollectionState(type) is { } field)
                return Fail(FidelityRule.UnreadState, "the collection '" + Display(type) + "' keeps state beyond its items in " + Describe(field), path);

            // Whether the converter can build the type when reading, asked once with an empty document.
            try
            {
                JsonSerializer.Deserialize(empty, info);
                return null;
            }
            catch (Exception error) when (error is NotSupportedException or InvalidOperationException or JsonException or MissingMethodException)
            {
                return Fail(FidelityRule.NotInstantiable, "'" + Display(type) + "' cannot be created when reading", path);
            }
        }

        private (FidelityRule, string)? CheckDictionary(Type type, JsonTypeInfo info, string? path)
        {
            if (info.KeyType is { } key)
            {
                var keyType = Nullable.GetUnderlyingType(key) ?? key;
                if (!keyType.IsEnum && !FidelityRules.IsSupportedDictionaryKey(keyType.Namespace, keyType.Name) && !HasUserConverter(keyType)
                    && keyType != typeof(object))
                    return Fail(FidelityRule.UnsupportedDictionaryKey, "the dictionary key type '" + Display(key) + "' cannot be a JSON property name", path);
                if (Check(key, path) is { } keyProblem)
                    return keyProblem;
            }

            return CheckCollection(type, info, path, "{}");
        }

        private (FidelityRule, string)? CheckObject(Type type, JsonTypeInfo info, string? path)
        {
            if (info.PolymorphismOptions is { } polymorphism)
            {
                foreach (var derived in polymorphism.DerivedTypes)
                {
                    if (derived.DerivedType != type && Check(derived.DerivedType, path) is { } problem)
                        return problem;
                }

                if (type.IsAbstract || type.IsInterface)
                    return null;
            }
            else if (type.IsInterface || type.IsAbstract)
            {
                return Fail(FidelityRule.NotInstantiable, "the " + (type.IsInterface ? "interface" : "abstract class") + " '" + Display(type) + "' cannot be created when reading", path);
            }

            if (!type.IsValueType && info.CreateObject is null && info.ConstructorAttributeProvider is null)
                return Fail(FidelityRule.NotInstantiable, "'" + Display(type) + "' has no constructor System.Text.Json can use", path);

            if (UncoveredField(type, info) is { } uncovered)
                return Fail(FidelityRule.UnreadState, uncovered, path);

            foreach (var property in info.Properties)
            {
                var memberPath = Display(type) + "." + property.Name;
                var readBack = property.Set is not null || property.AssociatedParameter is not null;
                if (property.CustomConverter is not null)
                    continue;
                if (!readBack)
                {
                    // Written, never read back: only what cannot be written at all matters.
                    if (IsUnsupported(property.PropertyType))
                        return Fail(FidelityRule.UnsupportedType, "'" + Display(property.PropertyType) + "' cannot be serialized", memberPath);
                    continue;
                }

                if (Check(property.PropertyType, memberPath) is { } problem)
                    return problem;
            }

            return null;
        }

        // Every instance field, in the type and its base types, must be held by a JSON member that is written
        // and read back; otherwise its state is lost on the way through the layer.
        [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "A field the trimmer removed is referenced by no code, so it holds no state to lose.")]
        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "A field the trimmer removed is referenced by no code, so it holds no state to lose.")]
        private static string? UncoveredField(Type type, JsonTypeInfo info)
        {
            for (var current = type; current is not null && current != typeof(object) && current != typeof(ValueType); current = current.BaseType)
            {
                foreach (var field in current.GetFields(InstanceFields))
                {
                    var member = CoveringMember(field, info);
                    if (member is null)
                        return Describe(field) + " is not written and read back by System.Text.Json";
                    if (member.Get is null || (member.Set is null && member.AssociatedParameter is null))
                        return "'" + Display(type) + "." + member.Name + "' is written but never read back (no public setter or init accessor, no constructor parameter of the same name)";
                }
            }

            return null;
        }

        private static JsonPropertyInfo? CoveringMember(FieldInfo field, JsonTypeInfo info)
        {
            var parameter = FidelityRules.CapturedParameter(field.Name);
            foreach (var property in info.Properties)
            {
                switch (property.AttributeProvider)
                {
                    case FieldInfo declared when declared.Name == field.Name && declared.DeclaringType == field.DeclaringType:
                        return property;
                    case PropertyInfo declared when declared.DeclaringType == field.DeclaringType && FidelityRules.IsStorageOf(field.Name, declared.Name):
                        return property;
                }

                if (parameter is not null && property.AssociatedParameter is { } associated && associated.Name == parameter)
                    return property;
            }

            return null;
        }

        // A collection type of the application's own (deriving from List<T>, say) with fields of its own: the
        // converter writes only the items.
        [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "A field the trimmer removed is referenced by no code, so it holds no state to lose.")]
        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "A field the trimmer removed is referenced by no code, so it holds no state to lose.")]
        private static FieldInfo? ExtraCollectionState(Type type)
        {
            for (var current = type; current is not null && !IsFramework(current); current = current.BaseType)
            {
                var fields = current.GetFields(InstanceFields);
                if (fields.Length > 0)
                    return fields[0];
            }

            return null;
        }

        private static bool IsFramework(Type type) =>
            type.Assembly == typeof(object).Assembly || type.Assembly.GetName().Name is { } name && name.StartsWith("System.", StringComparison.Ordinal);

        private static bool HasUserConverter(Type type) => type.GetCustomAttribute<System.Text.Json.Serialization.JsonConverterAttribute>() is not null;

        private static string Describe(FieldInfo field)
        {
            var owner = Display(field.DeclaringType!);
            if (field.Name.StartsWith('<') && field.Name.EndsWith(">k__BackingField", StringComparison.Ordinal))
                return "'" + owner + "." + field.Name[1..field.Name.IndexOf('>', StringComparison.Ordinal)] + "'";
            if (FidelityRules.CapturedParameter(field.Name) is { } parameter)
                return "the captured constructor parameter '" + parameter + "' of '" + owner + "'";
            return "the field '" + owner + "." + field.Name + "'";
        }

        private static (FidelityRule, string) Fail(FidelityRule rule, string detail, string? path) =>
            (rule, path is null ? detail : detail + " in '" + path + "'");
    }

    private static bool IsUnsupported(Type type)
    {
        if (type.IsPointer || type.IsByRef || type.IsFunctionPointer || type.IsByRefLike)
            return true;
        for (var current = type; current is not null; current = current.BaseType)
        {
            var definition = current.IsGenericType ? current.GetGenericTypeDefinition() : current;
            if (FidelityRules.IsUnsupportedBase(definition.Namespace, definition.Name))
                return true;
        }

        return false;
    }

    private static bool IsReversing(Type type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            var definition = current.IsGenericType ? current.GetGenericTypeDefinition() : current;
            if (FidelityRules.IsReversingCollection(definition.Namespace, definition.Name))
                return true;
        }

        return false;
    }
}

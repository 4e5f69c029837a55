// Shared by Cachka.Runtime (the run-time check before the first write of a type to a serializing layer) and
// Cachka.Analyzers (CACHKA008 on [Cached] result types), so the build-time warning and the run-time refusal
// apply one list of rules. netstandard2.0-compatible C#: no APIs newer than the analyzers can use.
using System;

namespace Cachka.Serialization;

/// <summary>Why a value cannot be stored in a serializing layer (SQLite): the rules both checks apply.</summary>
internal enum FidelityRule
{
    /// <summary>The type round-trips exactly.</summary>
    None = 0,

    /// <summary><c>object</c> or <c>dynamic</c>: comes back as a JsonElement.</summary>
    UntypedValue,

    /// <summary>State the serializer does not both write and read back: a private field, a non-public setter, a get-only property no constructor sets.</summary>
    UnreadState,

    /// <summary>A collection the serializer reads back in reverse order (stacks).</summary>
    ReversedOrder,

    /// <summary>An interface or abstract class the serializer cannot instantiate (no [JsonDerivedType]), or no usable constructor.</summary>
    NotInstantiable,

    /// <summary>Delegates, streams, pointers, handles, reflection types, tasks, multi-dimensional arrays.</summary>
    UnsupportedType,

    /// <summary>A dictionary key type that cannot be a JSON property name.</summary>
    UnsupportedDictionaryKey,

    /// <summary>A value whose run-time type differs from its declared type (a Dog stored as an Animal): the derived part would be lost.</summary>
    PolymorphicValue,

    /// <summary>A string or char holding half of a surrogate pair: UTF-8 cannot carry it, it would come back as U+FFFD.</summary>
    LoneSurrogate,

    /// <summary>The serializer has no metadata for the type (a trimmed or Native AOT application without a JsonSerializerContext for it).</summary>
    NoJsonMetadata,

    /// <summary>A set or dictionary made with a comparer of its own (case-insensitive keys): it would come back with the comparer a new one gets.</summary>
    CustomComparer,
}

internal static class FidelityRules
{
    /// <summary>The <c>error_type</c> label of <c>cache_errors_total</c> for a refusal under <paramref name="rule"/>.</summary>
    public static string ErrorType(FidelityRule rule) => rule switch
    {
        FidelityRule.UntypedValue => "untyped_value",
        FidelityRule.UnreadState => "unread_state",
        FidelityRule.ReversedOrder => "reversed_order",
        FidelityRule.NotInstantiable => "not_instantiable",
        FidelityRule.UnsupportedType => "unsupported_type",
        FidelityRule.UnsupportedDictionaryKey => "unsupported_dictionary_key",
        FidelityRule.PolymorphicValue => "polymorphic_value",
        FidelityRule.LoneSurrogate => "lone_surrogate",
        FidelityRule.NoJsonMetadata => "no_json_metadata",
        FidelityRule.CustomComparer => "custom_comparer",
        _ => "unfaithful_type",
    };

    /// <summary>What the user can do about a refusal under <paramref name="rule"/>.</summary>
    public static string Advice(FidelityRule rule) => rule switch
    {
        FidelityRule.UntypedValue => "declare a concrete type instead of object",
        FidelityRule.UnreadState => "give every piece of state a public property with a setter or init accessor (or a constructor parameter of the same name), mark it [JsonInclude], or add a JsonConverter",
        FidelityRule.ReversedOrder => "store an array or a list (stack.ToArray()) and rebuild the stack after reading",
        FidelityRule.NotInstantiable => "declare a concrete type, or list the derived types with [JsonDerivedType] on the base type",
        FidelityRule.UnsupportedType => "cache the data, not a delegate, stream, handle, task or reflection object",
        FidelityRule.UnsupportedDictionaryKey => "key the dictionary by a string, number, Guid, enum or date, or give the key type a JsonConverter",
        FidelityRule.PolymorphicValue => "store the value under its own type, or list the derived types with [JsonDerivedType] on the base type",
        FidelityRule.LoneSurrogate => "store the text as bytes (byte[]), or repair it before caching",
        FidelityRule.NoJsonMetadata => "pass a JsonSerializerContext that includes the type: new JsonCacheSerializer(MyJsonContext.Default)",
        FidelityRule.CustomComparer => "store the items with the default comparer (normalize the keys, for example to lower case) and rebuild the collection with its comparer after reading, or cache a type whose constructor sets that comparer",
        _ => "add a JsonConverter for the type",
    };

    /// <summary>Collections System.Text.Json reads back in reverse order (metadata name, namespace).</summary>
    public static bool IsReversingCollection(string? containingNamespace, string metadataName) =>
        (containingNamespace == "System.Collections.Generic" && metadataName == "Stack`1")
        || (containingNamespace == "System.Collections.Concurrent" && metadataName == "ConcurrentStack`1")
        || (containingNamespace == "System.Collections.Immutable" && metadataName is "ImmutableStack`1" or "IImmutableStack`1");

    /// <summary>Types that hold behaviour or a handle, not data, by their own name (derived types are checked by the caller).</summary>
    public static bool IsUnsupportedBase(string? containingNamespace, string metadataName) =>
        (containingNamespace == "System" && metadataName is "Delegate" or "IntPtr" or "UIntPtr" or "Type")
        || (containingNamespace == "System.IO" && metadataName == "Stream")
        || (containingNamespace == "System.Reflection" && metadataName == "MemberInfo")
        || (containingNamespace == "System.Threading.Tasks" && metadataName is "Task" or "Task`1" or "ValueTask" or "ValueTask`1");

    /// <summary>Dictionary key types System.Text.Json writes as property names and reads back (enums too).</summary>
    public static bool IsSupportedDictionaryKey(string? containingNamespace, string metadataName) =>
        containingNamespace == "System" && metadataName is "Boolean" or "Char" or "SByte" or "Byte" or "Int16" or "UInt16"
            or "Int32" or "UInt32" or "Int64" or "UInt64" or "Single" or "Double" or "Decimal" or "String" or "DateTime"
            or "Guid" or "DateTimeOffset" or "DateOnly" or "TimeOnly" or "TimeSpan" or "Int128" or "UInt128" or "Half"
            or "Uri" or "Version";

    /// <summary>
    /// True when a field named <paramref name="fieldName"/> is the storage of the member <paramref name="memberName"/>:
    /// an auto-property's backing field (<c>&lt;Name&gt;k__BackingField</c>), or a field named by the usual conventions
    /// (<c>_name</c>, <c>m_name</c>, <c>name</c>), compared ignoring case.
    /// </summary>
    public static bool IsStorageOf(string fieldName, string memberName)
    {
        if (fieldName.Length > 0 && fieldName[0] == '<')
        {
            return string.Equals(fieldName, "<" + memberName + ">k__BackingField", StringComparison.Ordinal);
        }

        var start = fieldName.StartsWith("m_", StringComparison.Ordinal) ? 2 : fieldName.StartsWith("_", StringComparison.Ordinal) ? 1 : 0;
        return string.Compare(fieldName, start, memberName, 0, Math.Max(fieldName.Length - start, memberName.Length), StringComparison.OrdinalIgnoreCase) == 0
            && fieldName.Length - start == memberName.Length;
    }

    /// <summary>The constructor parameter a primary-constructor capture field (<c>&lt;name&gt;P</c>) holds, or null.</summary>
    public static string? CapturedParameter(string fieldName) =>
        fieldName.Length > 3 && fieldName[0] == '<' && fieldName.EndsWith(">P", StringComparison.Ordinal)
            ? fieldName.Substring(1, fieldName.Length - 3)
            : null;
}

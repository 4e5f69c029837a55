using Microsoft.CodeAnalysis;

namespace Cachka.Analyzers;

/// <summary>
/// Every diagnostic Cachka reports, in one place. Keep this table, <c>AnalyzerReleases.Unshipped.md</c>
/// and <c>docs/diagnostics.md</c> in step.
/// </summary>
public static class DiagnosticDescriptors
{
    public const string Category = "Cachka";

    public const string NotPartialId = "CACHKA001";
    public const string ImplementationNotFoundId = "CACHKA002";
    public const string ImplementationSignatureMismatchId = "CACHKA003";
    public const string UnsupportedReturnTypeId = "CACHKA004";
    public const string UnsupportedParameterId = "CACHKA005";
    public const string GenericMethodId = "CACHKA006";
    public const string KeyTypeNotEncodableId = "CACHKA007";
    public const string ResultNotSerializableId = "CACHKA008";
    public const string InvalidTtlId = "CACHKA009";
    public const string InstanceWithoutCacheKeyId = "CACHKA010";
    public const string ContextParameterInKeyId = "CACHKA011";
    public const string InvalidTargetId = "CACHKA012";
    public const string CacheKeyMemberMisuseId = "CACHKA013";
    public const string CacheSourceIgnoredId = "CACHKA014";
    public const string KeyCheckedAtRunTimeId = "CACHKA015";
    public const string ResultWithoutJsonMetadataId = "CACHKA017";
    public const string ResultInUnregistrableJsonContextId = "CACHKA018";
    public const string InvalidOptionId = "CACHKA019";
    public const string InvalidTagId = "CACHKA020";
    public const string InvalidationTargetNotFoundId = "CACHKA021";
    public const string InvalidationTargetAmbiguousId = "CACHKA022";
    public const string InvalidationParameterMissingId = "CACHKA023";
    public const string InvalidationParameterTypeId = "CACHKA024";
    public const string InvalidationNotPartialId = "CACHKA025";
    public const string InvalidationBodyId = "CACHKA026";
    public const string InvalidationUnsupportedId = "CACHKA027";
    public const string CapturingFactoryId = "CACHKA028";
    public const string FactoryReadsChangingVariableId = "CACHKA029";

    /// <summary>CACHKA024: the type of the target's key parameter, as its declaration writes it (for the code fix that declares the parameter so).</summary>
    public const string ParameterTypeProperty = "ParameterType";

    /// <summary>CACHKA026: present (value "true") when the body is missing, not merely different, so a stub can be added.</summary>
    public const string BodyMissingProperty = "BodyMissing";

    /// <summary>CACHKA017: the cached value's type, fully qualified, for the code fix that adds it to a JsonSerializerContext.</summary>
    public const string JsonValueTypeProperty = "JsonValueType";

    /// <summary>Diagnostic property of CACHKA008: the <c>error_type</c> the runtime counts when it refuses the type.</summary>
    public const string FidelityReasonProperty = "FidelityReason";

    /// <summary>Diagnostic property: the name of the body method a code fix should create or move the body into.</summary>
    public const string ImplementationNameProperty = "ImplementationName";

    public static readonly DiagnosticDescriptor NotPartial = Create(
        NotPartialId,
        DiagnosticSeverity.Error,
        "[Cached] method or its containing type is not partial",
        "'{0}' cannot be implemented by the Cachka generator: add 'partial' to {1}",
        "The generator writes the implementing part of a [Cached] method, so the method and every type that contains it must be declared 'partial'.");

    public static readonly DiagnosticDescriptor ImplementationNotFound = Create(
        ImplementationNotFoundId,
        DiagnosticSeverity.Error,
        "No uncached body found for a [Cached] method",
        "No body found for '{0}': declare a method '{1}' in '{2}' with the same parameters and return type, or name an existing one with [Cached(Implementation = \"...\")]",
        "The generated method calls the uncached body on a miss. The body is the method named <Name>Core, or the method named by [Cached(Implementation = \"...\")], declared in the same type.");

    public static readonly DiagnosticDescriptor ImplementationSignatureMismatch = Create(
        ImplementationSignatureMismatchId,
        DiagnosticSeverity.Error,
        "The body of a [Cached] method has a different signature",
        "The body '{1}' does not match '{0}': {2}. It must take the same parameter types in the same order with the same ref kinds, return the same type, and be static when '{0}' is static.",
        "The generated method forwards its arguments to the body unchanged and returns its result, so both must have the same parameter types, ref kinds and return type; the body of a static method must be static too.");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        UnsupportedReturnTypeId,
        DiagnosticSeverity.Error,
        "Unsupported return type for a [Cached] method",
        "'{0}' cannot be cached because it {1}; return a value, Task<T> or ValueTask<T>",
        "A cached method must produce a value that can be stored: a plain value (sync), Task<T> or ValueTask<T> (async). void, non-generic Task/ValueTask, IAsyncEnumerable<T>, other awaitables, ref returns, pointers and ref structs cannot be cached.");

    public static readonly DiagnosticDescriptor UnsupportedParameter = Create(
        UnsupportedParameterId,
        DiagnosticSeverity.Error,
        "Unsupported parameter for a [Cached] method",
        "Parameter '{0}' of '{1}' {2}; a [Cached] method takes its arguments by value: remove the modifier or use an ordinary type",
        "The generated method captures the arguments to build the key and to call the body later, which is impossible for ref, out and in parameters, pointers, ref structs such as Span<T>, and __arglist.");

    public static readonly DiagnosticDescriptor GenericMethod = Create(
        GenericMethodId,
        DiagnosticSeverity.Error,
        "Generic [Cached] methods are not supported",
        "'{0}' is generic, which [Cached] does not support: declare one non-generic [Cached] method per type argument you need",
        "The key of a cached call must identify the method exactly, including the types it works on; generic methods are not supported (generic containing types are).");

    public static readonly DiagnosticDescriptor KeyTypeNotEncodable = Create(
        KeyTypeNotEncodableId,
        DiagnosticSeverity.Warning,
        "Key part whose type has no injective key form: the method is not cached",
        "{0} '{1}' of type '{2}' cannot be part of a cache key: {3}. Different values could share a key and get each other's results, so {4} without caching; to cache it, {5}",
        "A key must give different values different texts. Cachka keys primitives, string, enums, Guid, date and time types, decimal, nullables and sequences of keyable types, types implementing ICacheKeyFormattable, tuples, and records, structs and sealed classes whose every field is readable through a public member and keyable itself (with no cycle). For any other type it cannot prove that, so the generated method calls its body every time instead of risking a collision. Raise this warning to an error in .editorconfig to make it fail the build.");

    public static readonly DiagnosticDescriptor ResultNotSerializable = Create(
        ResultNotSerializableId,
        DiagnosticSeverity.Warning,
        "Result type that the L2/L3 serializer cannot round-trip",
        "The result of '{0}' does not round-trip exactly through System.Text.Json (the L2/L3 serializer), so the SQLite and Redis layers will not store it ({1}): {2}; {3}",
        "Values in the SQLite and Redis layers are stored as JSON. Before the first write of a type, the runtime checks that it reads back exactly, by the same rules as this analyzer, and refuses it otherwise (counted as cache_errors_total with the reason, logged once): only the memory layer holds it. object and dynamic, state that is not both written and read back (private fields, non-public setters, [JsonIgnore]), stacks, interfaces and abstract classes without [JsonDerivedType], delegates, streams, pointers, reflection types and tasks are refused.");

    public static readonly DiagnosticDescriptor InvalidTtl = Create(
        InvalidTtlId,
        DiagnosticSeverity.Error,
        "Ttl must be greater than zero",
        "Ttl of '{0}' is {1}; it is a number of seconds and must be greater than 0",
        "An entry with a time to live of zero or less would expire before it is read; the runtime rejects it.");

    public static readonly DiagnosticDescriptor InstanceWithoutCacheKey = Create(
        InstanceWithoutCacheKeyId,
        DiagnosticSeverity.Warning,
        "Instance [Cached] method whose type does not say how its instances differ: the method is not cached",
        "'{0}' is an instance method, but '{1}' has no [CacheKey] members and '{0}' does not set SimplifiedSelfSerialization, so one instance's result could be returned to another: '{0}' calls its body every time without caching; mark the fields or properties that distinguish instances with [CacheKey], or set SimplifiedSelfSerialization = true if all instances may share entries",
        "The key of an instance method includes the members marked [CacheKey]; SimplifiedSelfSerialization = true states that all instances share entries. With neither, two instances with different state would return each other's results, so the generated method calls its body every time. Raise this warning to an error in .editorconfig to make it fail the build.");

    public static readonly DiagnosticDescriptor ContextParameterInKey = Create(
        ContextParameterInKeyId,
        DiagnosticSeverity.Warning,
        "Parameter that looks like context is part of the cache key",
        "Parameter '{0}' of type '{1}' looks like context rather than data and has no key form, so the method calls its body every time without caching; mark it [NotCacheKey]",
        "Loggers, service providers, progress reporters, cancellation token sources and other *Context or *Token objects carry no data that identifies the result and cannot be keyed, so the method is not cached until they are left out of the key.");

    public static readonly DiagnosticDescriptor InvalidTarget = Create(
        InvalidTargetId,
        DiagnosticSeverity.Error,
        "[Cached] is not valid on this member",
        "[Cached] cannot be applied to {0}; apply it to an ordinary method of a class, struct or record that declares its uncached body",
        "The generator implements [Cached] partial methods of classes, structs and records. Interface members, abstract and extern methods, accessors, operators, local functions and lambdas cannot be implemented that way.");

    public static readonly DiagnosticDescriptor CacheKeyMemberMisuse = Create(
        CacheKeyMemberMisuseId,
        DiagnosticSeverity.Warning,
        "[CacheKey] on a member that cannot contribute to keys",
        "[CacheKey] on '{0}' has no effect: {1}",
        "Only readable instance fields and properties of the type that declares [Cached] instance methods contribute to its keys.");

    public static readonly DiagnosticDescriptor CacheSourceIgnored = Create(
        CacheSourceIgnoredId,
        DiagnosticSeverity.Warning,
        "[CacheSource] member that is ignored",
        "[CacheSource] on '{0}' is ignored: {1}",
        "A [CacheSource] field or property routes a type's [Cached] methods to a specific ICache. One that is not an ICache, cannot be read, or is an instance member seen from a static method is ignored, and the methods use CacheRegistry.Get() instead.");

    public static readonly DiagnosticDescriptor KeyCheckedAtRunTime = Create(
        KeyCheckedAtRunTimeId,
        DiagnosticSeverity.Warning,
        "Key part keyed only when its run-time type has a key form",
        "{0} '{1}' of type '{2}' is keyed only when a call's value has a run-time type with a key form (a primitive, string, enum, Guid, date or time type, decimal, ICacheKeyFormattable, or a sequence of these); a call with any other value runs the body without caching; to key every call, use a concrete keyable type or {3}",
        "The key form of a type parameter or object is only known from the value. Values of the directly supported types, ICacheKeyFormattable values and sequences of these are keyed (prefixed with their type when it differs from the declared one); a call with any other value calls the body, uncached, rather than risk a collision.");

    public static readonly DiagnosticDescriptor ResultWithoutJsonMetadata = Create(
        ResultWithoutJsonMetadataId,
        DiagnosticSeverity.Warning,
        "Result type without JSON metadata in a trimmed or Native AOT application",
        "The result of '{0}' ('{1}') has no JSON metadata in this trimmed or Native AOT application, so the SQLite and Redis layers cannot store it (only memory would hold it); add [JsonSerializable(typeof({1}))] to a JsonSerializerContext of this project",
        "Trimmed and Native AOT applications serialize without reflection: a type reaches L2/L3 only through metadata that Cachka has built in (strings, primitives, temporal types, Guid, decimal, byte[], their nullables, arrays and lists) or a JsonSerializerContext of the project, which the generator registers with the runtime. Reported only when PublishTrimmed, PublishAot or IsAotCompatible is true, or JsonSerializerIsReflectionEnabledByDefault is false.");

    public static readonly DiagnosticDescriptor ResultInUnregistrableJsonContext = Create(
        ResultInUnregistrableJsonContextId,
        DiagnosticSeverity.Warning,
        "Result type described only by a JsonSerializerContext that Cachka cannot register",
        "The result of '{0}' ('{1}') is described only by the JsonSerializerContext '{2}', which Cachka cannot register with its serializer ({3}); make the context internal or public, not nested in a private type, so trimmed and Native AOT builds store the value in SQLite and Redis",
        "The generator registers a project's JsonSerializerContexts from a module initializer, which must be able to name them: a private, protected or file-local context, one nested in such a type, and a generic one cannot be registered. Reported only in trimmed or Native AOT applications.");

    public static readonly DiagnosticDescriptor InvalidOption = Create(
        InvalidOptionId,
        DiagnosticSeverity.Error,
        "A [Cached] resilience option has an invalid value",
        "{0} of '{1}' is {2}; {3}",
        "The durations of [Cached] (FailSafeMaxDuration, FailSafeThrottleDuration and Jitter in seconds, FactorySoftTimeoutMs and FactoryHardTimeoutMs in milliseconds) are 0 for the cache's default or positive; EagerRefreshThreshold is 0 or a fraction strictly between 0 and 1; a soft timeout is shorter than the hard one.");

    public static readonly DiagnosticDescriptor InvalidTag = Create(
        InvalidTagId,
        DiagnosticSeverity.Error,
        "Invalid tag or tag template",
        "The tag \"{0}\" of '{1}' {2}",
        "A tag is a non-empty text; {name} puts the key text of a parameter or [CacheKey] member there ({{ and }} are literal braces). For [Cached(Tags = ...)] the name must be part of the key (not a CancellationToken or [NotCacheKey] parameter); for [InvalidatesTag] a parameter or [CacheKey] member whose type has a key form.");

    public static readonly DiagnosticDescriptor InvalidationTargetNotFound = Create(
        InvalidationTargetNotFoundId,
        DiagnosticSeverity.Error,
        "[InvalidatesCached] names no [Cached] method of this type",
        "[InvalidatesCached] on '{0}' names '{1}', which is not a [Cached] method of '{2}' ({3}); name one with nameof(...)",
        "An [InvalidatesCached] method removes the entry of a [Cached] method declared in the same type, named with nameof.");

    public static readonly DiagnosticDescriptor InvalidationTargetAmbiguous = Create(
        InvalidationTargetAmbiguousId,
        DiagnosticSeverity.Error,
        "[InvalidatesCached] names overloads and cannot tell which one",
        "[InvalidatesCached] on '{0}' names '{1}', but {2}; give the overloads different names, or give '{0}' exactly the key parameters of one of them",
        "When the named [Cached] method has overloads, the one whose key parameters all match the invalidating method's parameters by name and type is used; if none or several do, the target is ambiguous.");

    public static readonly DiagnosticDescriptor InvalidationParameterMissing = Create(
        InvalidationParameterMissingId,
        DiagnosticSeverity.Error,
        "The invalidating method cannot build the target's key",
        "[InvalidatesCached] on '{0}' cannot build the key of '{1}': {2}",
        "The key of the [Cached] method is built from the invalidating method's parameters of the same names (and the instance's [CacheKey] members), exactly as the cached method builds it, so every key parameter needs a parameter of that name here.");

    public static readonly DiagnosticDescriptor InvalidationParameterType = Create(
        InvalidationParameterTypeId,
        DiagnosticSeverity.Error,
        "A parameter has the name of a key parameter of the target but another type",
        "[InvalidatesCached] on '{0}' cannot build the key of '{1}': {2}",
        "Parameters are matched by name and type: a value of another type (long instead of int, a nullable, a base type) would build a different key, or none, and leave the entry in the cache.");

    public static readonly DiagnosticDescriptor InvalidationNotPartial = Create(
        InvalidationNotPartialId,
        DiagnosticSeverity.Error,
        "Invalidating method or its containing type is not partial",
        "'{0}' cannot be implemented by the Cachka generator: add 'partial' to {1}",
        "The generator writes the implementing part of an [InvalidatesCached]/[InvalidatesTag] method (the body, then the invalidation), so the method and every type that contains it must be declared 'partial'.");

    public static readonly DiagnosticDescriptor InvalidationBody = Create(
        InvalidationBodyId,
        DiagnosticSeverity.Error,
        "No matching body for an invalidating method",
        "'{0}' has no body to call: {1}",
        "The generated method calls the body (<Name>Core, or the method named by Implementation = \"...\" on the attribute) with the same arguments and returns its result, then invalidates; the body must take the same parameters and return the same type.");

    public static readonly DiagnosticDescriptor InvalidationUnsupported = Create(
        InvalidationUnsupportedId,
        DiagnosticSeverity.Error,
        "Invalidating method the generator cannot implement",
        "'{0}' cannot invalidate after its body because it {1}",
        "An invalidating method is an ordinary, non-generic partial method of a class, struct or record that returns void, a value, Task, Task<T>, ValueTask or ValueTask<T> and takes its parameters by value; it is not [Cached] itself.");

    public static readonly DiagnosticDescriptor CapturingFactory = Create(
        CapturingFactoryId,
        DiagnosticSeverity.Info,
        "Factory lambda that captures allocates on every call, hits included",
        "The factory passed to '{0}' captures {1}: every call allocates a closure and a delegate, a cache hit too; pass {2} as state (the overloads with a state argument hand it to the factory), with a static lambda",
        "A lambda that captures variables is a new closure and a new delegate each time the call runs, before the cache is even read. The GetOrCreate and GetOrCreateAsync overloads that take a state argument pass it to the factory, so a static lambda (which the compiler creates once) does the same work and a hit allocates nothing.");

    public static readonly DiagnosticDescriptor FactoryReadsChangingVariable = Create(
        FactoryReadsChangingVariableId,
        DiagnosticSeverity.Warning,
        "Factory lambda reads a variable that changes after the call",
        "The factory passed to '{0}' reads {1}, which the code changes after the call: a run of the factory after the call has returned (eager refresh, a soft timeout's background completion) reads the later value and stores its result under this call's key; pass {2} as state (the overloads with a state argument hand it to the factory), with a static lambda",
        "A lambda reads a captured variable when it runs, not when it is created. Cachka may run a factory after its call has returned: an eager refresh on a hit late in the TTL, or the background completion of a factory past its soft timeout. If the variable has changed by then (a for loop's variable, one variable for every iteration; a local assigned later), the factory computes another call's value and it is stored under this call's key. State is read when the call is made.");

    private static DiagnosticDescriptor Create(string id, DiagnosticSeverity severity, string title, string message, string description) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, description,
            helpLinkUri: "https://github.com/cachka/cachka/blob/main/docs/diagnostics.md#cachka" + id.Substring("CACHKA".Length));
}

using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cachka.Serialization;

/// <summary>
/// Where <see cref="JsonCacheSerializer.Default"/> finds the JSON metadata of a type, in this order: the
/// source-generated metadata of the values every application caches (<see cref="JsonMetadataBuiltIns"/>),
/// the <c>JsonSerializerContext</c>s of the application (registered by the generator when their assembly
/// loads), then reflection, only where the application allows it
/// (<see cref="JsonSerializer.IsReflectionEnabledByDefault"/>: off in trimmed and Native AOT applications).
/// A type none of them knows has no metadata: <c>GetTypeInfo</c> throws <see cref="NotSupportedException"/>.
/// </summary>
internal static class JsonMetadata
{
    private static readonly Lock s_gate = new();
    private static IJsonTypeInfoResolver[] s_registered = [];

    /// <summary>The chain, as one resolver. It reads the registrations on every call, so a context registered later is seen.</summary>
    public static IJsonTypeInfoResolver Resolver { get; } = new Chain(allowReflection: true);

    /// <summary>The chain as a trimmed or Native AOT application has it: without reflection (tests).</summary>
    public static IJsonTypeInfoResolver WithoutReflection { get; } = new Chain(allowReflection: false);

    /// <summary>The resolvers registered so far, oldest first.</summary>
    public static IReadOnlyList<IJsonTypeInfoResolver> Registered => Volatile.Read(ref s_registered);

    /// <summary>Adds <paramref name="resolver"/> after those registered before it; a second registration of the same instance is ignored.</summary>
    public static void Register(IJsonTypeInfoResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        lock (s_gate)
        {
            var current = s_registered;
            if (Array.IndexOf(current, resolver) >= 0)
                return;
            Volatile.Write(ref s_registered, [.. current, resolver]);
        }
    }

    private sealed class Chain(bool allowReflection) : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options)
        {
            if (((IJsonTypeInfoResolver)JsonMetadataBuiltIns.Default).GetTypeInfo(type, options) is { } builtIn)
                return builtIn;

            foreach (var resolver in Volatile.Read(ref s_registered))
            {
                if (resolver.GetTypeInfo(type, options) is { } registered)
                    return registered;
            }

            // The feature switch is a constant in a trimmed or AOT application: the trimmer removes this branch there,
            // with the reflection-based resolver it would have kept.
            return JsonSerializer.IsReflectionEnabledByDefault && allowReflection ? Reflection.GetTypeInfo(type, options) : null;
        }
    }

    private static class Reflection
    {
        private static readonly DefaultJsonTypeInfoResolver s_resolver = Create();

        public static JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) => s_resolver.GetTypeInfo(type, options);

        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reached only when JsonSerializer.IsReflectionEnabledByDefault is true, which a trimmed or AOT application turns off (and the trimmer removes the branch).")]
        [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reached only when JsonSerializer.IsReflectionEnabledByDefault is true, which a Native AOT application turns off (and the trimmer removes the branch).")]
        private static DefaultJsonTypeInfoResolver Create() => new();
    }
}

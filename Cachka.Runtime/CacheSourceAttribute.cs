namespace Cachka;

/// <summary>
/// Routes the <c>[Cached]</c> methods of a type to a specific <see cref="ICache"/> (one from DI, or a
/// test's cache) instead of <see cref="CacheRegistry.Get"/>: mark one field or property of type
/// <see cref="ICache"/> (or a type implementing it). Instance methods use an instance or static member,
/// static methods only a static one. When the member is null at call time the registry's cache is used.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class CacheSourceAttribute : Attribute
{
}

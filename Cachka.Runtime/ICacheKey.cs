namespace Cachka;

/// <summary>
/// A strongly typed cache key: a small struct that compares and hashes its parts directly and formats
/// itself to the string key the layers store. The generator emits one per <c>[Cached]</c> method so
/// that an L1 hit needs no string; hand-written keys work the same way.
/// </summary>
/// <typeparam name="TSelf">The key type itself.</typeparam>
public interface ICacheKey<TSelf> : IEquatable<TSelf>
    where TSelf : struct, ICacheKey<TSelf>
{
    /// <summary>The string key: deterministic across processes and cultures, equal for equal keys.</summary>
    string ToKeyString();
}

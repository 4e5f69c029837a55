namespace Cachka.Generators;

/// <summary>Names of the pipeline steps (tests read them to check caching).</summary>
public static class TrackingNames
{
    /// <summary>Attribute lookup and parse: one <c>CachedMethodSpec</c> or null per <c>[Cached]</c> method.</summary>
    public const string Parse = nameof(Parse);

    /// <summary>The non-null specs that get source.</summary>
    public const string Specs = nameof(Specs);
}

namespace Cachka.Generators;

/// <summary>Names of the pipeline steps (tests read them to check caching).</summary>
public static class TrackingNames
{
    /// <summary>Attribute lookup and parse: one <c>ParsedMethod</c> (a spec, a stub or neither) per <c>[Cached]</c> method.</summary>
    public const string Parse = nameof(Parse);

    /// <summary>The specs that get a cached implementation.</summary>
    public const string Specs = nameof(Specs);

    /// <summary>The specs grouped into one file per type.</summary>
    public const string Files = nameof(Files);

    /// <summary>The stubs: throwing implementations of methods the generator cannot implement.</summary>
    public const string Stubs = nameof(Stubs);

    /// <summary>Attribute lookup and parse of <c>[InvalidatesCached]</c> methods (those with <c>[InvalidatesTag]</c> too included).</summary>
    public const string ParseInvalidatesCached = nameof(ParseInvalidatesCached);

    /// <summary>Attribute lookup and parse of <c>[InvalidatesTag]</c> methods without <c>[InvalidatesCached]</c>.</summary>
    public const string ParseInvalidatesTag = nameof(ParseInvalidatesTag);

    /// <summary>The invalidating methods that get an implementation.</summary>
    public const string InvalidationSpecs = nameof(InvalidationSpecs);

    /// <summary>The registrable <c>JsonSerializerContext</c>s of the compilation, collected and sorted.</summary>
    public const string JsonContexts = nameof(JsonContexts);

    /// <summary>Whether the compilation references a runtime that accepts context registrations.</summary>
    public const string JsonRegistrationEntryPoint = nameof(JsonRegistrationEntryPoint);

    /// <summary>Whether the compilation references Cachka.Redis (its appsettings layer type is then registered).</summary>
    public const string RedisBinding = nameof(RedisBinding);
}

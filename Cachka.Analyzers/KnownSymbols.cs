using Microsoft.CodeAnalysis;

namespace Cachka.Analyzers;

/// <summary>The Cachka attribute and interface symbols of one compilation, resolved once at compilation start.</summary>
internal sealed class KnownSymbols
{
    public const string CachedAttributeName = "Cachka.CachedAttribute";
    public const string CacheKeyAttributeName = "Cachka.CacheKeyAttribute";
    public const string NotCacheKeyAttributeName = "Cachka.NotCacheKeyAttribute";
    public const string CacheKeyFormattableName = "Cachka.ICacheKeyFormattable";
    public const string CacheSourceAttributeName = "Cachka.CacheSourceAttribute";
    public const string CacheName = "Cachka.ICache";

    private KnownSymbols(Compilation compilation, INamedTypeSymbol cached)
    {
        Cached = cached;
        CacheKey = GetBestType(compilation, CacheKeyAttributeName);
        NotCacheKey = GetBestType(compilation, NotCacheKeyAttributeName);
        CacheKeyFormattable = GetBestType(compilation, CacheKeyFormattableName);
        CacheSource = GetBestType(compilation, CacheSourceAttributeName);
        Cache = GetBestType(compilation, CacheName);
    }

    public INamedTypeSymbol Cached { get; }

    public INamedTypeSymbol? CacheKey { get; }

    public INamedTypeSymbol? NotCacheKey { get; }

    public INamedTypeSymbol? CacheKeyFormattable { get; }

    public INamedTypeSymbol? CacheSource { get; }

    public INamedTypeSymbol? Cache { get; }

    /// <summary>Null when the compilation does not reference Cachka: then there is nothing to analyze.</summary>
    public static KnownSymbols? Create(Compilation compilation)
    {
        var cached = GetBestType(compilation, CachedAttributeName);
        return cached is null ? null : new KnownSymbols(compilation, cached);
    }

    public bool IsCached(AttributeData attribute) => SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, Cached);

    public AttributeData? FindCached(ISymbol symbol)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (IsCached(attribute))
            {
                return attribute;
            }
        }

        return null;
    }

    public bool HasCacheKey(ISymbol symbol) => CacheKey is not null && HasAttribute(symbol, CacheKey);

    public bool HasNotCacheKey(ISymbol symbol) => NotCacheKey is not null && HasAttribute(symbol, NotCacheKey);

    public bool HasCacheSource(ISymbol symbol) => CacheSource is not null && HasAttribute(symbol, CacheSource);

    public bool IsCacheKeyFormattable(ITypeSymbol type) => IsOrImplements(type, CacheKeyFormattable);

    public bool IsCache(ITypeSymbol type) => IsOrImplements(type, Cache);

    private static bool IsOrImplements(ITypeSymbol type, INamedTypeSymbol? @interface)
    {
        if (@interface is null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(type, @interface))
        {
            return true;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented, @interface))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasAttribute(ISymbol symbol, INamedTypeSymbol attributeType)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
            {
                return true;
            }
        }

        return false;
    }

    // GetTypeByMetadataName returns null when several assemblies define the name; prefer the one this
    // compilation defines, then a single one that is accessible from it.
    private static INamedTypeSymbol? GetBestType(Compilation compilation, string metadataName)
    {
        var direct = compilation.GetTypeByMetadataName(metadataName);
        if (direct is not null)
        {
            return direct;
        }

        INamedTypeSymbol? found = null;
        foreach (var candidate in compilation.GetTypesByMetadataName(metadataName))
        {
            if (SymbolEqualityComparer.Default.Equals(candidate.ContainingAssembly, compilation.Assembly))
            {
                return candidate;
            }

            if (candidate.DeclaredAccessibility == Accessibility.Public)
            {
                if (found is not null)
                {
                    return null;
                }

                found = candidate;
            }
        }

        return found;
    }
}

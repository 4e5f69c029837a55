using Cachka.Generators;

namespace Cachka.Tests.Generators;

/// <summary>The generator names runtime types by string (it does not reference the runtime); the strings must stay true.</summary>
public sealed class KnownNamesTests
{
    [Test]
    public void Metadata_names_match_the_runtime_types()
    {
        Assert.That(typeof(CachedAttribute).FullName, Is.EqualTo(KnownNames.CachedAttribute));
        Assert.That(typeof(CacheKeyAttribute).FullName, Is.EqualTo(KnownNames.CacheKeyAttribute));
        Assert.That(typeof(NotCacheKeyAttribute).FullName, Is.EqualTo(KnownNames.NotCacheKeyAttribute));
        Assert.That(typeof(CacheSourceAttribute).FullName, Is.EqualTo(KnownNames.CacheSourceAttribute));
        Assert.That(typeof(ICacheKeyFormattable).FullName, Is.EqualTo(KnownNames.CacheKeyFormattable));
        Assert.That(typeof(ICache).FullName, Is.EqualTo(KnownNames.Cache));
    }

    [Test]
    public void Emitted_names_match_the_runtime_types()
    {
        Assert.That("global::" + typeof(LayeredCache).FullName, Is.EqualTo(KnownNames.GlobalLayeredCache));
        Assert.That("global::" + typeof(CacheRegistry).FullName, Is.EqualTo(KnownNames.GlobalRegistry));
        Assert.That("global::" + typeof(CacheEntryOptions).FullName, Is.EqualTo(KnownNames.GlobalEntryOptions));
        Assert.That("global::" + typeof(Cachka.Keys.CacheKeyBuilder).FullName, Is.EqualTo(KnownNames.GlobalKeyBuilder));
        Assert.That("global::" + typeof(Cachka.Keys.CacheKeyText).FullName, Is.EqualTo(KnownNames.GlobalKeyText));
        Assert.That("global::" + typeof(Cachka.Keys.CacheKeyEquality).FullName, Is.EqualTo(KnownNames.GlobalKeyEquality));
        Assert.That("global::" + typeof(Cachka.Keys.CacheKeyTypeName).FullName, Is.EqualTo(KnownNames.GlobalKeyTypeName));
        Assert.That("global::" + typeof(ICacheKey<>).FullName, Is.EqualTo(KnownNames.GlobalCacheKey + "`1"));
    }
}

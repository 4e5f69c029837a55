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
        Assert.That("global::" + typeof(Cachka.Generated.GeneratedCache).FullName, Is.EqualTo(KnownNames.GlobalGeneratedCache));
        Assert.That("global::" + typeof(CacheRegistry).FullName, Is.EqualTo(KnownNames.GlobalRegistry));
        Assert.That("global::" + typeof(CacheEntryOptions).FullName, Is.EqualTo(KnownNames.GlobalEntryOptions));
        Assert.That("global::" + typeof(Cachka.Keys.CacheKeyBuilder).FullName, Is.EqualTo(KnownNames.GlobalKeyBuilder));
        Assert.That("global::" + typeof(ICacheKey<>).FullName, Is.EqualTo(KnownNames.GlobalCacheKey + "`1"));
    }

    [Test]
    public void Generated_code_names_only_public_runtime_types()
    {
        // Every global::Cachka.X name in the accepted snapshots must be reachable from a user's assembly.
        var names = Directory.EnumerateFiles(Repository.PathOf("Cachka.Tests", "Generators", "Snapshots"), "*.verified.cs")
            .SelectMany(file => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(file), @"global::(Cachka\.[A-Za-z.]+)").Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        var runtime = typeof(ICache).Assembly;
        var unreachable = new List<string>();
        foreach (var name in names)
        {
            var type = runtime.GetType(name) ?? runtime.GetType(name + "`1"); // ICacheKey<TSelf>
            var dot = name.LastIndexOf('.');
            var member = dot > 0 ? runtime.GetType(name[..dot]) : null;
            if (type is { IsVisible: true })
                continue;
            if (type is null && member is { IsVisible: true } && member.GetMember(name[(dot + 1)..]).Length > 0)
                continue;
            unreachable.Add(name);
        }

        Assert.That(names, Is.Not.Empty);
        Assert.That(unreachable, Is.Empty);
    }
}

using System.ComponentModel;

namespace Cachka.Benchmarks.Shared;

/// <summary>A small reference-type value, as a service would cache.</summary>
public sealed record User(int Id, string Name);

/// <summary>An ordinary (mutable) class: HybridCache copies it on every hit.</summary>
public class MutableUser(int id, string name)
{
    public int Id { get; set; } = id;

    public string Name { get; set; } = name;
}

/// <summary>Sealed and marked immutable: HybridCache hands back the stored instance.</summary>
[ImmutableObject(true)]
public sealed class ImmutableUser(int id, string name)
{
    public int Id { get; } = id;

    public string Name { get; } = name;
}

/// <summary>A hand-written typed key, the shape the generator emits for <c>GetUser(int id)</c>.</summary>
public readonly struct UserKey(int id) : ICacheKey<UserKey>
{
    public readonly int Id = id;

    public string ToKeyString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"UserService.GetUser:{Id}");

    public bool Equals(UserKey other) => Id == other.Id;

    public override bool Equals(object? obj) => obj is UserKey other && Equals(other);

    public override int GetHashCode() => Id;
}

internal static class WarmKeys
{
    public const int Count = 1000;

    public static string For(int id) => $"UserService.GetUser:{id}";
}

/// <summary>Cycles through the warm ids, 0 to <see cref="WarmKeys.Count"/> - 1: a field of each suite, so every call reads the next key.</summary>
internal struct WarmCycle
{
    private int _next;

    public int Next()
    {
        var id = _next + 1;
        if (id == WarmKeys.Count)
            id = 0;
        _next = id;
        return id;
    }
}

// The user-declared types of the fidelity suite. This file is also compiled by the analyzer agreement test
// (FidelityAgreementTests), so the analyzer judges exactly these declarations: keep it self-contained.
#pragma warning disable CA1051, CA1819, CA1815, CA1034, CA2227, CA1002, IDE0032, CS0649
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Cachka.Tests.Fidelity.Shapes;

public sealed record PositionalRecord(int Id, string Name, IReadOnlyList<string> Tags);

public sealed record InitRecord
{
    public int Id { get; init; }

    public string? Name { get; init; }
}

public readonly record struct PointRecord(int X, int Y);

public struct FieldStruct
{
    public int X;
    public double Y;
    public string? Label;
}

public sealed class FieldClass
{
    public int Count;
    public string? Name;
    public List<int> Items = [];
}

public sealed class PrivateSetter
{
    public PrivateSetter()
    {
    }

    public PrivateSetter(int id, string name)
    {
        Id = id;
        Name = name;
    }

    public int Id { get; private set; }

    public string Name { get; private set; } = "";
}

public sealed class PrivateField
{
    private int _secret;

    public int Visible { get; set; }

    public int Secret => _secret;

    public void Reveal(int value) => _secret = value;
}

public sealed class CapturedParameter(int id)
{
    private readonly int _id = id;

    public int Twice => _id * 2;
}

public sealed class PrimaryConstructorProperty(int id, string name)
{
    public int Id { get; } = id;

    public string Name => name;
}

public sealed class ConstructorOnly
{
    public ConstructorOnly(int id, string name)
    {
        Id = id;
        Name = name;
    }

    public int Id { get; }

    public string Name { get; }
}

public sealed class WithIgnored
{
    public int Kept { get; set; }

    [JsonIgnore]
    public int Dropped { get; set; }
}

public sealed class ExplicitBackingField
{
    private string _title = "";

    public string Title
    {
        get => _title;
        set => _title = value;
    }
}

public class Animal
{
    public string Name { get; set; } = "";
}

public sealed class Dog : Animal
{
    public string Breed { get; set; } = "";
}

public sealed class Kennel
{
    public Animal? Resident { get; set; }
}

public interface IShape
{
    double Area { get; }
}

public abstract class ShapeBase
{
    public double Area { get; set; }
}

[JsonDerivedType(typeof(KnownCircle), "circle")]
[JsonDerivedType(typeof(KnownSquare), "square")]
public abstract class KnownShape
{
}

public sealed class KnownCircle : KnownShape
{
    public double Radius { get; set; }
}

public sealed class KnownSquare : KnownShape
{
    public double Side { get; set; }
}

public sealed class Bag
{
    public object? Payload { get; set; }
}

public sealed class PagedList : List<int>
{
    public int Total;
}

public sealed class TreeNode
{
    public int Value { get; set; }

    public List<TreeNode> Children { get; set; } = [];
}

public sealed record Money(decimal Amount, string Currency);

public sealed class Ledger
{
    public Dictionary<string, Money> Accounts { get; set; } = [];

    public Stack<int> Undo { get; set; } = new();
}

public sealed record Computed(int Count)
{
    public object Boxed => Count;
}

public sealed record KeyedByRecord(Dictionary<PointRecord, int> Counts);

[System.Flags]
public enum Permissions
{
    None = 0,
    Read = 1,
    Write = 2,
}

public sealed class ReadonlyFieldBound
{
    public readonly int X;

    public ReadonlyFieldBound(int x) => X = x;
}

public sealed class ReadonlyFieldUnbound
{
    public readonly int X = 5;

    public int Y { get; set; }
}

public sealed class IncludedPrivateSetter
{
    [JsonInclude]
    public int Id { get; private set; }

    public void Assign(int id) => Id = id;
}

public sealed class GetOnlyCollection
{
    public List<string> Items { get; } = [];
}

public readonly struct PrivateStateStruct
{
    private readonly decimal _amount;

    public PrivateStateStruct(decimal amount) => _amount = amount;

    public decimal Amount => _amount;
}

public class BaseWithPrivateSetter
{
    public int Version { get; protected set; }
}

public sealed class DerivedFromPrivateSetter : BaseWithPrivateSetter
{
    public string Name { get; set; } = "";

    public void Bump() => Version++;
}

/// <summary>A dictionary type whose own constructor sets its comparer: a new instance has it, so it comes back with it.</summary>
public sealed class CaseInsensitiveCounts() : Dictionary<string, int>(System.StringComparer.OrdinalIgnoreCase);

using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Numerics;
using System.Reflection;
using Cachka.Tests.Fidelity.Shapes;

namespace Cachka.Tests.Fidelity;

/// <summary>One value shape of the fidelity suite: how to make the value, and whether the default serializer stores it (null) or refuses it (the reason).</summary>
public abstract class FidelityShape(string name, string? refusedAs)
{
    public string Name { get; } = name;

    /// <summary>Null: the value must come back exactly. Otherwise the <c>error_type</c> it must be refused with.</summary>
    public string? RefusedAs { get; } = refusedAs;

    /// <summary>The C# spelling of the declared type, for the analyzer (null: the shape is about a value, not a type).</summary>
    public abstract string? TypeSyntax { get; }

    public abstract Type Type { get; }

    public abstract object? Make();

    public abstract void Set(ICache cache, string key, TimeSpan ttl);

    public abstract ValueTask SetAsync(ICache cache, string key, TimeSpan ttl);

    /// <summary>Reads the key back: (found, value).</summary>
    public abstract (bool Found, object? Value) Get(ICache cache, string key);

    public abstract ValueTask<(bool Found, object? Value)> GetAsync(ICache cache, string key);

    /// <summary>The serializer's verdict for the declared type.</summary>
    public abstract CacheFidelity FidelityWith(ICacheSerializer serializer);

    public override string ToString() => Name;
}

public sealed class FidelityShape<T>(string name, Func<T> make, string? refusedAs = null, string? typeSyntax = "") : FidelityShape(name, refusedAs)
{
    public override string? TypeSyntax => typeSyntax == "" ? CSharpName(typeof(T)) : typeSyntax;

    public override Type Type => typeof(T);

    public override object? Make() => make();

    public override void Set(ICache cache, string key, TimeSpan ttl) => cache.Set(key, make(), ttl);

    public override ValueTask SetAsync(ICache cache, string key, TimeSpan ttl) => cache.SetAsync(key, make(), ttl);

    public override (bool Found, object? Value) Get(ICache cache, string key)
    {
        var result = cache.TryGet<T>(key);
        return (result.HasValue, result.HasValue ? result.Value : null);
    }

    public override async ValueTask<(bool Found, object? Value)> GetAsync(ICache cache, string key)
    {
        var result = await cache.TryGetAsync<T>(key);
        return (result.HasValue, result.HasValue ? result.Value : null);
    }

    public override CacheFidelity FidelityWith(ICacheSerializer serializer) => serializer.GetFidelity<T>();

    private static string CSharpName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return CSharpName(underlying) + "?";
        if (type.IsArray)
            return CSharpName(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (!type.IsGenericType)
            return type.FullName!.Replace('+', '.');
        var definition = type.GetGenericTypeDefinition().FullName!;
        return definition[..definition.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(", ", type.GetGenericArguments().Select(CSharpName)) + ">";
    }
}

/// <summary>The value shapes every serializing layer is tested with.</summary>
public static class FidelityShapes
{
    private const string UnreadState = "unread_state";
    private const string Untyped = "untyped_value";
    private const string Reversed = "reversed_order";
    private const string Polymorphic = "polymorphic_value";
    private const string LoneSurrogate = "lone_surrogate";
    private const string NotInstantiable = "not_instantiable";
    private const string Unsupported = "unsupported_type";
    private const string CustomComparer = "custom_comparer";

    public static IEnumerable<FidelityShape> All()
    {
        // The cases of issue 7, item 4.
        yield return Shape("value tuple", () => (1, "two", 3.5));
        yield return Shape("nested value tuple", () => ((1, 2L), ("x", (4.5m, true))));
        yield return Shape("long value tuple (Rest)", () => (1, 2, 3, 4, 5, 6, 7, 8, 9, "ten"));
        yield return Shape("struct with public fields", () => new FieldStruct { X = 7, Y = -2.5, Label = "p" });
        yield return Shape("class with public fields", () => new FieldClass { Count = 3, Name = "n", Items = [1, 2, 3] });
        yield return Shape("class with private setters", () => new PrivateSetter(42, "answer"), UnreadState);
        yield return Shape<Animal>("derived instance under its base type", () => new Dog { Name = "Rex", Breed = "collie" }, Polymorphic);
        yield return Shape("derived instance in a base-typed property", () => new Kennel { Resident = new Dog { Name = "Rex", Breed = "collie" } }, Polymorphic);
        yield return Shape("derived instance in a list of the base type", () => new List<Animal> { new() { Name = "cat" }, new Dog { Name = "Rex" } }, Polymorphic);
        yield return Shape<object>("boxed int as object", () => 42, Untyped);
        yield return Shape("dictionary of string to object", () => new Dictionary<string, object> { ["n"] = 1, ["s"] = "x" }, Untyped);
        yield return Shape("BigInteger", () => BigInteger.Pow(-3, 201));
        yield return Shape("BigInteger zero", () => BigInteger.Zero);
        yield return Shape("stack", () => new Stack<int>([1, 2, 3]), Reversed);
        yield return Shape("string with a lone high surrogate", () => "ab\uD800cd", LoneSurrogate);
        yield return Shape("string with a lone low surrogate at the end", () => "abc\uDC00", LoneSurrogate);
        yield return Shape("list of strings, one with a lone surrogate", () => new List<string> { "ok", "bad\uDBFF" }, LoneSurrogate);
        yield return Shape("dictionary key with a lone surrogate", () => new Dictionary<string, int> { ["\uD83D"] = 1 }, LoneSurrogate);
        yield return Shape("char lone surrogate", () => '\uD800', LoneSurrogate);

        // Records, classes, polymorphism.
        // A collection declared as an interface comes back as the type System.Text.Json creates for it (a List<T>
        // for IReadOnlyList<T>): the items and their order are exact, so the values here are of that type.
        yield return Shape("positional record", () => new PositionalRecord(1, "Ada", new List<string> { "admin", "ops" }));
        yield return Shape("init-only record", () => new InitRecord { Id = 2, Name = "Grace" });
        yield return Shape("record struct", () => new PointRecord(-1, int.MaxValue));
        yield return Shape("get-only properties set by the constructor", () => new ConstructorOnly(5, "five"));
        yield return Shape("primary constructor with a matching property", () => new PrimaryConstructorProperty(5, "five"));
        yield return Shape("primary constructor parameter captured only", () => new CapturedParameter(21), UnreadState);
        yield return Shape("private field", () => { var value = new PrivateField { Visible = 1 }; value.Reveal(9); return value; }, UnreadState);
        yield return Shape("[JsonIgnore] property", () => new WithIgnored { Kept = 1, Dropped = 2 }, UnreadState);
        yield return Shape("property over an explicit field", () => new ExplicitBackingField { Title = "t" });
        yield return Shape<IShape>("interface", () => null!, NotInstantiable);
        yield return Shape<ShapeBase>("abstract class", () => null!, NotInstantiable);
        yield return Shape<KnownShape>("base type with [JsonDerivedType]", () => new KnownCircle { Radius = 2.5 });
        yield return Shape("list of [JsonDerivedType] values", () => new List<KnownShape> { new KnownCircle { Radius = 1 }, new KnownSquare { Side = 2 } });
        yield return Shape("exact base-type instance", () => new Animal { Name = "generic" });
        yield return Shape("object property", () => new Bag { Payload = 1 }, Untyped);
        yield return Shape("list of object", () => new List<object> { 1 }, Untyped);
        yield return Shape("non-generic collection", () => new System.Collections.ArrayList { 1, "two" }, Untyped);
        yield return Shape("readonly public field bound to the constructor", () => new ReadonlyFieldBound(7));
        yield return Shape("readonly public field not bound", () => new ReadonlyFieldUnbound { Y = 1 }, UnreadState);
        yield return Shape("[JsonInclude] private setter", () => { var value = new IncludedPrivateSetter(); value.Assign(4); return value; });
        yield return Shape("get-only collection property", () => new GetOnlyCollection { Items = { "a" } }, UnreadState);
        yield return Shape("struct with private state and a constructor", () => new PrivateStateStruct(9.5m), UnreadState);
        yield return Shape("protected setter in a base class", () => { var value = new DerivedFromPrivateSetter { Name = "n" }; value.Bump(); return value; }, UnreadState);
        yield return Shape("collection subclass with a field", () => new PagedList { Total = 10 }, UnreadState);
        yield return Shape("recursive tree", () => new TreeNode { Value = 1, Children = [new TreeNode { Value = 2 }] });
        yield return Shape("stack nested in a member", () => new Ledger { Accounts = { ["a"] = new Money(1.10m, "EUR") } }, Reversed);
        yield return Shape("get-only object property never read back", () => new Computed(3));
        yield return Shape("dictionary keyed by a record", () => new KeyedByRecord(new Dictionary<PointRecord, int> { [new PointRecord(1, 2)] = 3 }), "unsupported_dictionary_key");
        yield return Shape("reference tuple", () => Tuple.Create(1, "one"));
        yield return Shape("key-value pair", () => new KeyValuePair<string, decimal>("k", 2.50m));
        yield return Shape<Func<int>>("delegate", () => () => 1, Unsupported);
        yield return Shape<Stream>("stream", () => new MemoryStream([1, 2]), Unsupported);
        yield return Shape("multi-dimensional array", () => new int[,] { { 1, 2 }, { 3, 4 } }, Unsupported);

        // Collections.
        yield return Shape("array", () => new[] { 3, 1, 2 });
        yield return Shape("list", () => new List<string?> { "a", null, "" });
        yield return Shape("queue", () => new Queue<int>([1, 2, 3]));
        yield return Shape("hash set", () => new HashSet<string> { "a", "b" });
        yield return Shape("sorted set", () => new SortedSet<int> { 3, 1, 2 });
        yield return Shape("linked list", () => new LinkedList<int>([1, 2, 3]));
        yield return Shape("dictionary", () => new Dictionary<int, string> { [1] = "one", [-2] = "minus two" });
        yield return Shape("sorted dictionary", () => new SortedDictionary<string, int> { ["b"] = 2, ["a"] = 1 });
        yield return Shape("dictionary keyed by enum", () => new Dictionary<DayOfWeek, Guid> { [DayOfWeek.Friday] = Guid.Parse("5a0e1b8e-7c59-4a9b-8f3c-0d7e4b1a2c3d") });
        yield return Shape("immutable array", () => ImmutableArray.Create(1, 2, 3));
        yield return Shape("immutable list", () => ImmutableList.Create("x", "y"));
        yield return Shape("immutable dictionary", () => ImmutableDictionary.CreateRange([new KeyValuePair<string, int>("a", 1)]));
        yield return Shape("immutable sorted dictionary", () => ImmutableSortedDictionary.CreateRange([new KeyValuePair<int, string>(2, "b"), new KeyValuePair<int, string>(1, "a")]));
        yield return Shape("immutable hash set", () => ImmutableHashSet.Create(1, 2));
        yield return Shape("immutable queue", () => ImmutableQueue.Create(1, 2, 3));
        yield return Shape("immutable stack", () => ImmutableStack.Create(1, 2, 3), Reversed);
        yield return Shape("concurrent dictionary", () => new ConcurrentDictionary<string, int>([new KeyValuePair<string, int>("a", 1)]));
        yield return Shape("concurrent queue", () => new ConcurrentQueue<int>([1, 2, 3]));
        yield return Shape("concurrent stack", () => new ConcurrentStack<int>([1, 2, 3]), Reversed);
        yield return Shape<IReadOnlyList<int>>("read-only list interface", () => new List<int> { 4, 5 });

        // Comparers: a set or dictionary comes back with the comparer a new instance of its type gets.
        yield return Shape("hash set with a case-insensitive comparer", () => new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "a", "B" }, CustomComparer);
        yield return Shape("dictionary with a case-insensitive comparer", () => new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["a"] = 1 }, CustomComparer);
        yield return Shape("concurrent dictionary with a case-insensitive comparer", () => new ConcurrentDictionary<string, int>([new KeyValuePair<string, int>("a", 1)], StringComparer.OrdinalIgnoreCase), CustomComparer);
        yield return Shape("sorted set in descending order", () => new SortedSet<int>(Comparer<int>.Create(static (a, b) => b.CompareTo(a))) { 1, 3, 2 }, CustomComparer);
        yield return Shape("sorted dictionary in ordinal order", () => new SortedDictionary<string, int>(StringComparer.Ordinal) { ["b"] = 2, ["B"] = 1 }, CustomComparer);
        yield return Shape("hash set with the ordinal comparer (the default string equality)", () => new HashSet<string>(StringComparer.Ordinal) { "a", "A" });
        yield return Shape("dictionary type whose constructor sets its comparer", () => new CaseInsensitiveCounts { ["a"] = 1, ["b"] = 2 });
        yield return Shape("dictionary of sets with a case-insensitive comparer", () => new Dictionary<int, HashSet<string>> { [1] = new(StringComparer.OrdinalIgnoreCase) { "x" } }, CustomComparer);

        // Temporal values.
        yield return Shape("DateTime UTC", () => new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(1234567));
        yield return Shape("DateTime local", () => new DateTime(2024, 7, 1, 12, 0, 0, DateTimeKind.Local).AddTicks(7));
        yield return Shape("DateTime unspecified", () => new DateTime(2024, 1, 1, 8, 30, 0, DateTimeKind.Unspecified));
        yield return Shape("DateTime min and max", () => new[] { DateTime.MinValue, DateTime.MaxValue });
        yield return Shape("DateTimeOffset +05:30", () => new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.FromMinutes(330)).AddTicks(1));
        yield return Shape("DateTimeOffset -08:00", () => new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.FromHours(-8)));
        yield return Shape("DateTimeOffset +14:00", () => new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.FromHours(14)));
        yield return Shape("DateOnly, TimeOnly, TimeSpan", () => (new DateOnly(2024, 12, 31), new TimeOnly(23, 59, 59, 999, 999), TimeSpan.FromTicks(-123456789)));

        // Numbers.
        yield return Shape("decimal scale 1.10", () => 1.10m);
        yield return Shape("decimal scale 1.1", () => 1.1m);
        yield return Shape("decimal max and negative zero", () => new[] { decimal.MaxValue, decimal.MinValue, 0.000000000000000000000000001m, 100.000m });
        yield return Shape("double NaN", () => double.NaN);
        yield return Shape("double infinities", () => new[] { double.PositiveInfinity, double.NegativeInfinity });
        yield return Shape("double negative zero", () => -0.0);
        yield return Shape("double extremes", () => new[] { double.Epsilon, double.MaxValue, 0.1, 1e-300 });
        yield return Shape("float NaN, negative zero, infinity", () => new[] { float.NaN, -0.0f, float.NegativeInfinity, 3.4028235e38f });
        yield return Shape("Int128 and UInt128", () => (Int128.MinValue, UInt128.MaxValue));
        yield return Shape("Half", () => new[] { (Half)1.5, Half.MaxValue, Half.Epsilon, Half.NegativeZero, Half.NaN, Half.PositiveInfinity });
        yield return Shape("long and ulong extremes", () => (long.MinValue, ulong.MaxValue, sbyte.MinValue, ushort.MaxValue));
        yield return Shape("enum", () => DayOfWeek.Saturday);
        yield return Shape("enum undefined value", () => (DayOfWeek)42);
        yield return Shape("flags combination and undefined bit", () => Permissions.Read | Permissions.Write | (Permissions)64);
        yield return Shape<int?>("nullable int null", () => null);
        yield return Shape<int?>("nullable int", () => -5);
        yield return Shape<PointRecord?>("nullable record struct", () => new PointRecord(3, 4));
        yield return Shape<(int, string)?>("nullable value tuple", () => (1, "x"));
        yield return Shape<string?>("null string", () => null);

        // Text and bytes.
        yield return Shape("empty string", () => "");
        yield return Shape("string with surrogate pairs and controls", () => "emoji \uD83D\uDE00 tab\t nul\0 quote\" é ✓");
        yield return Shape("char", () => 'é');
        yield return Shape("1 MiB byte array", () => { var bytes = new byte[1 << 20]; new Random(7).NextBytes(bytes); return bytes; });
        yield return Shape("1 MiB string", () => new string('é', 1 << 19) + new string('a', 1 << 19));
        yield return Shape("empty byte array", () => Array.Empty<byte>());
        yield return Shape("Guid, Uri, Version", () => (Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), new Uri("https://example.org/a?b=c"), new Version(1, 2, 3, 4)));
    }

    private static FidelityShape<T> Shape<T>(string name, Func<T> make, string? refusedAs = null) => new(name, make, refusedAs);
}

/// <summary>Exact comparison: same run-time types, bitwise floating point, decimal scale, DateTime kind, offsets, order.</summary>
public static class Exact
{
    public static string? Difference(object? expected, object? actual, string path = "value")
    {
        if (expected is null || actual is null)
            return expected is null && actual is null ? null : $"{path}: {Show(expected)} vs {Show(actual)}";
        if (expected.GetType() != actual.GetType())
            return $"{path}: type {expected.GetType()} vs {actual.GetType()}";
        switch (expected)
        {
            case double d:
                return BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits((double)actual) ? null : $"{path}: {d:R} vs {actual:R}";
            case float f:
                return BitConverter.SingleToInt32Bits(f) == BitConverter.SingleToInt32Bits((float)actual) ? null : $"{path}: {f:R} vs {actual:R}";
            case Half h:
                return BitConverter.HalfToInt16Bits(h) == BitConverter.HalfToInt16Bits((Half)actual) ? null : $"{path}: {h} vs {actual}";
            case decimal m:
                return decimal.GetBits(m).SequenceEqual(decimal.GetBits((decimal)actual)) ? null : $"{path}: {m} vs {actual} (scale or sign)";
            case DateTime t:
                var u = (DateTime)actual;
                return t.Ticks == u.Ticks && t.Kind == u.Kind ? null : $"{path}: {t:O} ({t.Kind}) vs {u:O} ({u.Kind})";
            case DateTimeOffset o:
                var p = (DateTimeOffset)actual;
                return o.Ticks == p.Ticks && o.Offset == p.Offset ? null : $"{path}: {o:O} vs {p:O}";
            case string s:
                return string.Equals(s, (string)actual, StringComparison.Ordinal) ? null : $"{path}: strings differ";
            case Uri or Version or BigInteger or Enum or Guid:
                return expected.Equals(actual) ? null : $"{path}: {expected} vs {actual}";
        }

        var type = expected.GetType();
        if (type.IsPrimitive)
            return expected.Equals(actual) ? null : $"{path}: {expected} vs {actual}";
        if (ComparerOf(expected) is var (comparer, name) && !SameComparer(comparer, ComparerOf(actual)!.Value.Comparer))
            return $"{path}: {name} {Show(comparer)} vs {Show(ComparerOf(actual)!.Value.Comparer)}";
        if (expected is IDictionary dictionary)
        {
            var other = (IDictionary)actual;
            if (dictionary.Count != other.Count)
                return $"{path}: {dictionary.Count} entries vs {other.Count}";
            foreach (DictionaryEntry entry in dictionary)
            {
                if (!other.Contains(entry.Key))
                    return $"{path}: key {entry.Key} missing";
                if (Difference(entry.Value, other[entry.Key], $"{path}[{entry.Key}]") is { } inner)
                    return inner;
            }

            return null;
        }

        if (expected is IEnumerable sequence and not string)
        {
            var left = sequence.Cast<object?>().ToList();
            var right = ((IEnumerable)actual).Cast<object?>().ToList();
            if (left.Count != right.Count)
                return $"{path}: {left.Count} items vs {right.Count}";
            if (IsUnordered(type))
            {
                foreach (var item in left)
                {
                    var match = right.FindIndex(candidate => Difference(item, candidate) is null);
                    if (match < 0)
                        return $"{path}: {Show(item)} missing";
                    right.RemoveAt(match);
                }

                return null;
            }

            for (var i = 0; i < left.Count; i++)
            {
                if (Difference(left[i], right[i], $"{path}[{i}]") is { } inner)
                    return inner;
            }

            return null;
        }

        // Everything else: every instance field, public or not, in the type and its base types.
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            foreach (var field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (Difference(field.GetValue(expected), field.GetValue(actual), path + "." + field.Name) is { } inner)
                    return inner;
            }
        }

        return null;
    }

    // A set's or dictionary's comparer (Comparer, or KeyComparer for the immutable ones), when its type has one.
    private static (object? Comparer, string Name)? ComparerOf(object value)
    {
        foreach (var name in new[] { "Comparer", "KeyComparer" })
        {
            if (value.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance) is { } property && property.GetIndexParameters().Length == 0)
                return (property.GetValue(value), name);
        }

        return null;
    }

    // The ordinal string comparer finds what the default string equality finds.
    private static bool SameComparer(object? expected, object? actual) =>
        Equals(expected, actual) || (Ordinal(expected) && Ordinal(actual));

    private static bool Ordinal(object? comparer) =>
        ReferenceEquals(comparer, EqualityComparer<string>.Default) || ReferenceEquals(comparer, StringComparer.Ordinal);

    private static bool IsUnordered(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition
        && (definition == typeof(HashSet<>) || definition == typeof(ImmutableHashSet<>));

    private static string Show(object? value) => value is null ? "null" : value.ToString() ?? value.GetType().Name;
}

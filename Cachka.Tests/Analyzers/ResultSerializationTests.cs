using Cachka.Analyzers;

namespace Cachka.Tests.Analyzers;

/// <summary>CACHKA008: results the L2/L3 serializer (System.Text.Json) cannot round-trip.</summary>
public class ResultSerializationTests
{
    private const string Types = """
        public sealed record User(int Id, string Name, IReadOnlyList<string> Roles);
        public sealed class Bag { public object? Payload { get; set; } }
        public struct Point { public int X; public int Y; }
        public abstract class Shape { }
        [System.Text.Json.Serialization.JsonDerivedType(typeof(Circle), "circle")]
        public abstract class KnownShape { }
        public sealed class Circle : KnownShape { public double R { get; set; } }
        public interface IUser { int Id { get; } }
        public sealed record Node(int Value, List<Node> Children);
        public sealed class Computed
        {
            public int Count { get; set; }
            public object Boxed => Count;
            public IComparer<int> Order => Comparer<int>.Default;
        }
        public sealed class WithCallback { public Func<int> Next => () => 1; }
        public sealed class Bound(IUser owner) { public IUser Owner { get; } = owner; }

        """;

    private static Task VerifyAsync(string returnType, bool expectWarning) => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(Types + $$"""
        public partial class Holder
        {
            [Cached] public static partial {{(expectWarning ? "{|CACHKA008:" + returnType + "|}" : returnType)}} Get(int id);
            private static {{returnType}} GetCore(int id) => throw null!;
        }
        """);

    [TestCase("int")]
    [TestCase("string?")]
    [TestCase("User")]
    [TestCase("Task<User?>")]
    [TestCase("ValueTask<List<User>>")]
    [TestCase("IReadOnlyList<User>")]
    [TestCase("IEnumerable<int>")]
    [TestCase("IReadOnlyDictionary<string, User>")]
    [TestCase("Dictionary<Guid, int[]>")]
    [TestCase("ISet<DayOfWeek>")]
    [TestCase("KnownShape")]
    [TestCase("Node")]
    [TestCase("System.Text.Json.Nodes.JsonNode")]
    [TestCase("System.Text.Json.JsonElement")]
    [TestCase("DateOnly?")]
    [TestCase("Computed")]
    [TestCase("Point")] // public fields are included by the runtime's serializer
    [TestCase("(int Id, string Name)")] // so are a value tuple's items
    [TestCase("System.Numerics.BigInteger")] // the runtime's serializer has a converter for it
    public Task Round_trippable_results_report_nothing(string returnType) => VerifyAsync(returnType, expectWarning: false);

    [TestCase("object")]
    [TestCase("dynamic")]
    [TestCase("Task<object>")]
    [TestCase("Func<int>")]
    [TestCase("Action")]
    [TestCase("System.IO.Stream")]
    [TestCase("Task<System.IO.MemoryStream>")]
    [TestCase("IUser")]
    [TestCase("Shape")]
    [TestCase("List<IUser>")]
    [TestCase("Task<Task<int>>")]
    [TestCase("List<ValueTask<int>>")]
    [TestCase("Bag")]
    [TestCase("Dictionary<User, int>")]
    [TestCase("int[,]")]
    [TestCase("Type")]
    [TestCase("System.Collections.IEnumerable")]
    [TestCase("WithCallback")]
    [TestCase("Bound")]
    public Task Results_that_do_not_round_trip_are_CACHKA008(string returnType) => VerifyAsync(returnType, expectWarning: true);
}

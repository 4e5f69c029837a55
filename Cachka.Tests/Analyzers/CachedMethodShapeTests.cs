using Cachka.Analyzers;

namespace Cachka.Tests.Analyzers;

/// <summary>CACHKA001-006, 009, 012: the shape of a [Cached] method and of its body.</summary>
public class CachedMethodShapeTests
{
    private static Task VerifyAsync(string source) => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>(source);

    [Test]
    public Task Well_formed_methods_report_nothing() => VerifyAsync("""
        public record User(int Id, string Name);

        public partial class UserService
        {
            [CacheKey] public string Tenant { get; init; } = "";

            [Cached(Ttl = 300)] public partial Task<User?> GetUserAsync(int userId, CancellationToken ct = default);
            private Task<User?> GetUserAsyncCore(int userId, CancellationToken ct) => Task.FromResult<User?>(null);

            [Cached(Ttl = 60, SimplifiedSelfSerialization = true)] public partial int Score(string name);
            private int ScoreCore(string name) => name.Length;

            [Cached(Implementation = nameof(Compute))] public partial ValueTask<long> CountAsync(Guid id, DateOnly day);
            private ValueTask<long> Compute(Guid id, DateOnly day) => new(1);

            [Cached] internal static partial IReadOnlyList<string> Names(int[] ids, List<DateTime?> dates);
            private static IReadOnlyList<string> NamesCore(int[] ids, List<DateTime?> dates) => [];
        }

        public static partial class Outer
        {
            public partial struct Inner
            {
                [Cached] public static partial decimal Price(string sku);
                private static decimal PriceCore(string sku) => 1m;
            }
        }
        """);

    [Test]
    public Task Method_without_partial_is_CACHKA001() => VerifyAsync("""
        public partial class Maths
        {
            [Cached] public static int {|CACHKA001:Square|}(int x) => x * x;
        }
        """);

    [Test]
    public Task Containing_type_without_partial_is_CACHKA001() => VerifyAsync("""
        public class Outer
        {
            public partial class Maths
            {
                [Cached] public static partial int {|CACHKA001:Square|}(int x);
                private static int SquareCore(int x) => x * x;
            }
        }
        """);

    [Test]
    public Task Missing_core_body_is_CACHKA002() => VerifyAsync("""
        public static partial class Maths
        {
            [Cached] public static partial int {|CACHKA002:Square|}(int x);
            private static int Square2(int x) => x * x;
        }
        """);

    [Test]
    public Task Missing_named_implementation_is_CACHKA002() => VerifyAsync("""
        public static partial class Maths
        {
            [Cached(Implementation = "Compute")] public static partial int {|CACHKA002:Square|}(int x);
            private static int SquareCore(int x) => x * x;
        }
        """);

    [TestCase("private static long SquareCore(int x) => x;", TestName = "Different return type is CACHKA003")]
    [TestCase("private static int SquareCore(long x) => 0;", TestName = "Different parameter type is CACHKA003")]
    [TestCase("private static int SquareCore(int x, int y) => 0;", TestName = "Different parameter count is CACHKA003")]
    [TestCase("private static int SquareCore(ref int x) => 0;", TestName = "Different ref kind is CACHKA003")]
    [TestCase("private int SquareCore(int x) => 0;", TestName = "Instance body of a static method is CACHKA003")]
    public Task Body_with_a_different_signature_is_CACHKA003(string body) => VerifyAsync($$"""
        public partial class Maths
        {
            [Cached] public static partial int {|CACHKA003:Square|}(int x);
            {{body}}
        }
        """);

    [Test]
    public Task Static_body_of_an_instance_method_is_CACHKA003() => VerifyAsync("""
        public partial class Maths
        {
            [Cached(SimplifiedSelfSerialization = true)] public partial int {|CACHKA003:Square|}(int x);
            private static int SquareCore(int x) => x * x;
        }
        """);

    [Test]
    public Task An_overload_that_matches_is_found_among_others() => VerifyAsync("""
        public partial class Maths
        {
            [Cached] public static partial int Square(int x);
            private static int SquareCore(long x) => 0;
            private static int SquareCore(int x) => x * x;
        }
        """);

    [TestCase("void", TestName = "void is CACHKA004")]
    [TestCase("Task", TestName = "Non-generic Task is CACHKA004")]
    [TestCase("ValueTask", TestName = "Non-generic ValueTask is CACHKA004")]
    [TestCase("IAsyncEnumerable<int>", TestName = "IAsyncEnumerable is CACHKA004")]
    [TestCase("ref int", TestName = "Ref return is CACHKA004")]
    [TestCase("Span<int>", TestName = "Ref struct return is CACHKA004")]
    [TestCase("System.Runtime.CompilerServices.ConfiguredTaskAwaitable<int>", TestName = "Other awaitable is CACHKA004")]
    public Task Unsupported_return_type_is_CACHKA004(string returnType) => VerifyAsync($$"""
        public partial class Holder
        {
            [Cached] public static partial {|CACHKA004:{{returnType}}|} Get(int x);
            private static {{returnType}} GetCore(int x) => throw null!;
        }
        """);

    [TestCase("ref int x", TestName = "ref parameter is CACHKA005")]
    [TestCase("out int x", TestName = "out parameter is CACHKA005")]
    [TestCase("in int x", TestName = "in parameter is CACHKA005")]
    [TestCase("ReadOnlySpan<char> x", TestName = "Span parameter is CACHKA005")]
    [TestCase("int* x", TestName = "Pointer parameter is CACHKA005")]
    public Task Unsupported_parameter_is_CACHKA005(string parameter)
    {
        var name = parameter.Replace(" x", " {|CACHKA005:x|}", StringComparison.Ordinal);
        return VerifyAsync($$"""
            public unsafe partial class Holder
            {
                [Cached] public static partial int Get({{name}});
                private static int GetCore({{parameter}}) => throw null!;
            }
            """);
    }

    [Test]
    public Task Generic_method_is_CACHKA006() => VerifyAsync("""
        public partial class Holder<TOwner>
        {
            [Cached] public static partial int {|CACHKA006:Get|}<T>(int x);
            private static int GetCore<T>(int x) => x;

            [Cached] public static partial int InGenericType(int x);
            private static int InGenericTypeCore(int x) => x;
        }
        """);

    [TestCase("0")]
    [TestCase("-5")]
    public Task Ttl_not_positive_is_CACHKA009(string ttl) => VerifyAsync($$"""
        public partial class Holder
        {
            [Cached(Ttl = {|CACHKA009:{{ttl}}|})] public static partial int Get(int x);
            private static int GetCore(int x) => x;
        }
        """);

    [Test]
    public Task Cached_on_an_interface_method_is_CACHKA012() => VerifyAsync("""
        public partial interface IHolder
        {
            [{|CACHKA012:Cached|}] int Get(int x);
        }
        """);

    [Test]
    public Task Cached_on_an_abstract_method_is_CACHKA012() => VerifyAsync("""
        public abstract partial class Holder
        {
            [{|CACHKA012:Cached|}] public abstract int Get(int x);
        }
        """);

    [Test]
    public Task Cached_on_an_extern_method_is_CACHKA012() => VerifyAsync("""
        public partial class Holder
        {
            [{|CACHKA012:Cached|}] public static extern int Get(int x);
        }
        """);

    [Test]
    public Task Cached_on_a_property_accessor_is_CACHKA012() => VerifyAsync("""
        public partial class Holder
        {
            public int Value { [{|CACHKA012:Cached|}] get => 1; }
        }
        """);

    [Test]
    public Task Cached_on_a_local_function_or_lambda_is_CACHKA012() => VerifyAsync("""
        public class Holder
        {
            public int Run()
            {
                [{|CACHKA012:Cached|}] static int Local(int x) => x;
                Func<int, int> lambda = [{|CACHKA012:Cached(Ttl = 5)|}] (int x) => x;
                return Local(1) + lambda(2);
            }
        }
        """);
}

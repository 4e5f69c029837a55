using Cachka.Analyzers;

namespace Cachka.Tests.Analyzers;

public class SmokeAnalyzerTests
{
    [Test]
    public Task Valid_static_method_reports_nothing() => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>("""
        public static partial class Maths
        {
            [Cached(Ttl = 60)] public static partial int Square(int x);
            private static int SquareCore(int x) => x * x;
        }
        """);

    [Test]
    public Task Missing_body() => AnalyzerTest.VerifyAsync<CachedMethodAnalyzer>("""
        public static partial class Maths
        {
            [Cached(Ttl = 60)] public static partial int {|CACHKA002:Square|}(int x);
        }
        """);
}

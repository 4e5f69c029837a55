using Cachka.Generators;
using Microsoft.CodeAnalysis;

namespace Cachka.Tests.Generators;

/// <summary>
/// The generator writes types from display strings it keeps per definition (a parameter's type is a new symbol object at
/// each read): a plain type's display plus its annotation, a constructed generic type composed from its definition's
/// name and its type arguments. Each must be exactly what Roslyn's own display writes, or generated code names another
/// type (or does not compile).
/// </summary>
public class GeneratorTypeDisplayTests
{
    private const string Source = """
        #nullable enable
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;

        namespace Shapes
        {
            public sealed class Outer
            {
                public sealed class Inner<T> { }
                public struct Pair<TLeft, TRight> { }
            }

            public sealed class Box<T> { }
            public delegate TResult Maker<in TArg, out TResult>(TArg arg);
        }

        public sealed class Globals<T> { }

        public static class Probe
        {
            public static void Types<TParam>(
                string a, string? b, int c, int? d, object? e,
                Task<string> f, Task<string?> g, ValueTask<int?> h, Task<List<string?>?> i,
                Dictionary<string, List<int>> j, Dictionary<string?, int?[]> k, IReadOnlyList<(int, string?)> l,
                Func<int, string?> m, Shapes.Maker<string, Shapes.Box<int>?> n, Shapes.Outer.Inner<string> o,
                Shapes.Outer.Pair<int, Shapes.Outer.Inner<long?>> p, Globals<Globals<int>> q, List<TParam> r,
                KeyValuePair<int, DateTimeOffset>? s, Shapes.Box<Shapes.Box<Shapes.Box<string?>>?>? t, Task<Shapes.Box<dynamic>> u,
                List<int[]> v, IEnumerable<KeyValuePair<string, object?>> w, Nullable<DateTime> x, Shapes.Box<Globals<string>?> y) { }
        }
        """;

    [Test]
    public void Every_type_is_written_as_the_display_format_writes_it()
    {
        var compilation = GeneratorHarness.Compile(Source);
        Assert.That(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty);
        var method = (IMethodSymbol)compilation.GetTypeByMetadataName("Probe")!.GetMembers("Types").Single();

        Assert.Multiple(() =>
        {
            foreach (var parameter in method.Parameters)
            {
                // Twice: the second read is served from what the first one kept.
                for (var read = 0; read < 2; read++)
                    Assert.That(CachedMethodParser.CodeOf(parameter.Type), Is.EqualTo(parameter.Type.ToDisplayString(CachedMethodParser.CodeFormat)), parameter.Name);
            }
        });
    }
}

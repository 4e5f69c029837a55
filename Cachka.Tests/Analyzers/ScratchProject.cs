using System.Globalization;
using System.Reflection;
using Cachka.Analyzers;
using Cachka.Tests.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cachka.Tests.Analyzers;

/// <summary>
/// A user's project in miniature: source compiled with the generator and the analyzers running, as a
/// build would, so a test sees the diagnostics a user sees and can run the generated code.
/// </summary>
internal static class ScratchProject
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;

        """;

    /// <summary>The Cachka diagnostics of the project (there must be no compiler error).</summary>
    public static async Task<IReadOnlyList<Diagnostic>> DiagnosticsAsync(string source)
    {
        var output = Generate(source);
        var diagnostics = await output.WithAnalyzers([new CachedMethodAnalyzer(), new CacheMemberAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        return [.. diagnostics.OrderBy(d => d.Location.SourceSpan.Start)];
    }

    /// <summary>The messages of the project's Cachka diagnostics, as "ID: message".</summary>
    public static async Task<IReadOnlyList<string>> MessagesAsync(string source) =>
        [.. (await DiagnosticsAsync(source)).Select(d => d.Id + ": " + d.GetMessage(CultureInfo.InvariantCulture))];

    /// <summary>Compiles and loads the project; <paramref name="typeName"/>'s static <c>Run(ICache)</c> is then called by <see cref="Run"/>.</summary>
    public static Assembly Build(string source)
    {
        var output = Generate(source);
        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.That(emitted.Success, Is.True, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(image.ToArray());
    }

    /// <summary>Calls the static method <paramref name="method"/> of <paramref name="type"/> in a built project with the arguments.</summary>
    public static object? Run(Assembly assembly, string type, string method, params object?[] arguments)
    {
        try
        {
            return assembly.GetType(type, throwOnError: true)!.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, arguments);
        }
        catch (TargetInvocationException error) when (error.InnerException is not null)
        {
            throw error.InnerException;
        }
    }

    private static Compilation Generate(string source)
    {
        var compilation = GeneratorHarness.Compile(Usings + source);
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.That(errors, Is.Empty, "the scratch project does not compile:\n" + string.Join("\n", errors));
        return output;
    }
}

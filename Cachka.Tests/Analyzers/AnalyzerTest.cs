using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Cachka.Tests.Analyzers;

/// <summary>
/// Shared setup for Cachka analyzer and code fix tests: .NET 10 reference assemblies, the Cachka
/// runtime, common usings, and no generator (so compiler diagnostics are not compared).
/// </summary>
internal static class AnalyzerTest
{
    /// <summary>Put in front of every test source; diagnostics are located by markup, so line numbers do not matter.</summary>
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Cachka;

        """;

    // The built-in ReferenceAssemblies.Net.Net100 wants a package version the local feed does not have.
    private static readonly ReferenceAssemblies Net10 = new(
        "net10.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "10.0.12"),
        Path.Combine("ref", "net10.0"));

    public static Task VerifyAsync<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new() =>
        VerifyAsync<TAnalyzer>(source, [], expected);

    /// <summary>With more files, e.g. the generator's output as a <c>.g.cs</c> file.</summary>
    public static Task VerifyAsync<TAnalyzer>(string source, (string FileName, string Source)[] otherFiles, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = Usings + source };
        foreach (var file in otherFiles)
        {
            test.TestState.Sources.Add((file.FileName, file.Source));
        }

        Configure(test);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static Task VerifyFixAsync<TAnalyzer, TCodeFix>(string source, string fixedSource, int codeActionIndex = 0)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = Usings + source,
            FixedCode = Usings + fixedSource,
            CodeActionIndex = codeActionIndex,
        };
        Configure(test);
        return test.RunAsync();
    }

    private static void Configure<TVerifier>(AnalyzerTest<TVerifier> test)
        where TVerifier : IVerifier, new()
    {
        test.ReferenceAssemblies = Net10;
        test.TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(CachedAttribute).Assembly.Location));
        // Compiler errors cannot be disabled one by one and the generator does not run here, so every
        // [Cached] partial method would report CS8795; the sources are kept compilable otherwise.
        test.CompilerDiagnostics = CompilerDiagnostics.None;
    }
}

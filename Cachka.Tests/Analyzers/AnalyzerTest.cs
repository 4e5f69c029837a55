using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Cachka.Tests.Analyzers;

/// <summary>
/// Shared setup for Cachka analyzer and code fix tests: .NET 10 reference assemblies, the Cachka
/// runtime, common usings. The generator does not run, so "partial method has no implementation"
/// (CS8795) is ignored; every other compiler error must be expected in the markup.
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
    internal static readonly ReferenceAssemblies Net10 = new(
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
        var test = new AnalyzerOnlyTest<TAnalyzer> { TestCode = Usings + source };
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
        var test = new CodeFixTest<TAnalyzer, TCodeFix>
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
    }

    // Compiler errors cannot be disabled through options, so CS8795 is filtered here.
    private static bool IsExpectedWithoutGenerator(Diagnostic diagnostic) => diagnostic.Id == "CS8795";

    private sealed class AnalyzerOnlyTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        protected override bool IsCompilerDiagnosticIncluded(Diagnostic diagnostic, CompilerDiagnostics compilerDiagnostics) =>
            !IsExpectedWithoutGenerator(diagnostic) && base.IsCompilerDiagnosticIncluded(diagnostic, compilerDiagnostics);
    }

    private sealed class CodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        protected override bool IsCompilerDiagnosticIncluded(Diagnostic diagnostic, CompilerDiagnostics compilerDiagnostics) =>
            !IsExpectedWithoutGenerator(diagnostic) && base.IsCompilerDiagnosticIncluded(diagnostic, compilerDiagnostics);
    }
}

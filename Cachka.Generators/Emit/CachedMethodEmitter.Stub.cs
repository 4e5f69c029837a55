using System.Linq;
using System.Text;
using Cachka.Generators.Emit;
using Cachka.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Cachka.Generators;

internal static partial class CachedMethodEmitter
{
    private const string StubMessage = "Cachka could not implement this [Cached] method: fix the CACHKA error reported on it.";

    public static void EmitStub(SourceProductionContext context, StubSpec stub)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        context.AddSource(stub.HintName, SourceText.From(RenderStub(stub), Encoding.UTF8));
    }

    /// <summary>The stub file's text: the method's implementing part, which only throws.</summary>
    public static string RenderStub(StubSpec stub)
    {
        var writer = OpenFile(stub.Namespace, stub.ContainingTypes);
        writer.Open("partial " + stub.Type.Keyword + " " + stub.Type.Name + stub.Type.TypeParameters);
        writer.Line(s_generatedCode);
        writer.Line(StubSignature(stub) + " => throw new global::System.NotSupportedException(\"" + StubMessage + "\");");
        writer.Close();
        return CloseFile(writer, stub.Namespace, stub.ContainingTypes);
    }

    // The declaration of the implementing part: the definition's modifiers without 'partial', then the signature.
    private static string StubSignature(StubSpec stub)
    {
        var returns = stub.ReturnByRef switch
        {
            ReturnByRef.Ref => "ref ",
            ReturnByRef.RefReadonly => "ref readonly ",
            _ => "",
        };
        var typeParameters = stub.TypeParameters.Count == 0 ? "" : "<" + string.Join(", ", stub.TypeParameters) + ">";
        var parameters = string.Join(", ", stub.Parameters.Select((p, i) =>
            (i == 0 && stub.IsExtension ? "this " : "")
            + (p.Scoped ? "scoped " : "")
            + (p.IsParams ? "params " : "")
            + p.PassedBy switch
            {
                PassedBy.Ref => "ref ",
                PassedBy.Out => "out ",
                PassedBy.In => "in ",
                PassedBy.RefReadonly => "ref readonly ",
                _ => "",
            }
            + p.Type + " " + p.Name));
        return $"{(stub.Modifiers.Length > 0 ? stub.Modifiers + " " : "")}partial {returns}{stub.ReturnType} {stub.Name}{typeParameters}({parameters})";
    }
}

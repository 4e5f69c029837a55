using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Cachka.Generators.Emit;
using Cachka.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Cachka.Generators;

// The implementing part of an [InvalidatesCached]/[InvalidatesTag] method: the body, then (only when it returned
// normally, or its task completed successfully) each attribute's removal, sync or async as the method is.
internal static partial class CachedMethodEmitter
{
    public static void EmitInvalidation(SourceProductionContext context, InvalidationMethodSpec spec)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        context.AddSource(spec.HintName, SourceText.From(RenderInvalidation(spec), Encoding.UTF8));
    }

    /// <summary>The file's text (deterministic: depends on the spec alone).</summary>
    public static string RenderInvalidation(InvalidationMethodSpec spec)
    {
        var writer = OpenFile(spec.Namespace, spec.ContainingTypes);
        writer.Open("partial " + spec.Type.Keyword + " " + spec.Type.Name + spec.Type.TypeParameters);
        WriteInvalidatingMethod(writer, spec);
        writer.Close();
        return CloseFile(writer, spec.Namespace, spec.ContainingTypes);
    }

    private static void WriteInvalidatingMethod(SourceWriter writer, InvalidationMethodSpec spec)
    {
        var modifiers = spec.Modifiers.Length == 0 ? "" : spec.Modifiers + " ";
        writer.Line(s_generatedCode);
        writer.Open(modifiers + (spec.IsAsync ? "async " : "") + "partial " + spec.ReturnType + " " + spec.Name + "(" + ParameterList(spec.Parameters, defaults: false) + ")");

        // A lazy or one-shot sequence that a key is built from is read once, for the body and the key alike.
        foreach (var sequence in spec.MaterializedSequences)
            writer.Line(sequence + " = " + KnownNames.GlobalGeneratedCache + ".ReadOnce(" + sequence + ");");

        var call = (spec.BodyIsStatic ? spec.TypeFullName : "this") + "." + spec.BodyName + "(" + Arguments(spec.Parameters) + ")";
        if (spec.IsAsync)
            call = "await " + call + ".ConfigureAwait(false)";
        writer.Line((spec.ReturnsValue ? "var __result = " : "") + call + ";");

        var await = spec.IsAsync ? "await " : "";
        var configure = spec.IsAsync ? ".ConfigureAwait(false)" : "";
        var (delete, invalidateTag) = spec.IsAsync ? ("DeleteAsync", "InvalidateTagAsync") : ("Delete", "InvalidateTag");
        var functions = new List<(int Index, InvalidationActionSpec Action)>();
        for (var i = 0; i < spec.Actions.Count; i++)
        {
            var action = spec.Actions[i];
            var n = i.ToString(CultureInfo.InvariantCulture);
            var cache = CacheExpression(action.CacheSource);
            writer.Line();
            writer.Line("// " + action.Attribute);
            if (action.KeyStruct is not null)
            {
                var key = "new " + action.KeyStruct + "(" + action.KeyArguments + ")";
                if (action.KeyCheckedAtRunTime)
                {
                    writer.Line("var __key" + n + " = " + key + ";");
                    writer.Line("if (__key" + n + ".HasKey)");
                    writer.Line("    " + await + cache + "." + delete + "(__key" + n + ".ToKeyString())" + configure + ";");
                }
                else
                {
                    writer.Line(await + cache + "." + delete + "(" + key + ".ToKeyString())" + configure + ";");
                }
            }
            else if (action.TagPieces.Count == 0)
            {
                writer.Line("// The target is not cached (see its CACHKA007/010 warning): nothing to remove.");
            }
            else if (action.TagPieces.All(static p => p.Value is null))
            {
                writer.Line(await + cache + "." + invalidateTag + "(" + Literal(string.Concat(action.TagPieces.Select(static p => p.Text))) + ")" + configure + ";");
            }
            else
            {
                var values = string.Join(", ", action.TagPieces.Where(static p => p.Value is not null).Select(static p => p.Value));
                if (TagCheckedAtRunTime(action))
                {
                    writer.Line("if (__Tag" + n + "(" + values + ") is { } __tag" + n + ")");
                    writer.Line("    " + await + cache + "." + invalidateTag + "(__tag" + n + ")" + configure + ";");
                }
                else
                {
                    writer.Line(await + cache + "." + invalidateTag + "(__Tag" + n + "(" + values + "))" + configure + ";");
                }

                functions.Add((i, action));
            }
        }

        if (spec.ReturnsValue)
        {
            writer.Line();
            writer.Line("return __result;");
        }

        foreach (var (index, action) in functions)
        {
            writer.Line();
            WriteTagFunction(writer, index, action);
        }

        writer.Close();
    }

    // The tag's text: literal pieces as written, each value by its key form (as [Cached(Tags = ...)] writes it from the key).
    private static void WriteTagFunction(SourceWriter writer, int index, InvalidationActionSpec action)
    {
        var parameters = new List<string>();
        foreach (var piece in action.TagPieces)
        {
            if (piece.Value is not null)
                parameters.Add(piece.Type + " __v" + parameters.Count.ToString(CultureInfo.InvariantCulture));
        }

        writer.Open("static string" + (TagCheckedAtRunTime(action) ? "?" : "") + " __Tag" + index.ToString(CultureInfo.InvariantCulture) + "(" + string.Join(", ", parameters) + ")");
        writer.Line("var __b = new " + KnownNames.GlobalKeyBuilder + "(stackalloc char[128]);");
        var value = 0;
        var depth = 0;
        foreach (var piece in action.TagPieces)
        {
            if (piece.Value is null)
                writer.Line("__b.AppendRaw(" + Literal(piece.Text) + ");");
            else
                WriteValue(writer, piece.Shape!, "__v" + (value++).ToString(CultureInfo.InvariantCulture), ref depth);
        }

        writer.Line("return __b.ToString();");
        writer.Close();
    }

    private static bool TagCheckedAtRunTime(InvalidationActionSpec action) => action.TagPieces.Any(static p => p.Shape is { CheckedAtRunTime: true });

    private static string CacheExpression(string? source) =>
        source is null ? KnownNames.GlobalRegistry + ".Get()" : "(" + source + " ?? " + KnownNames.GlobalRegistry + ".Get())";
}

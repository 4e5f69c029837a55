using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Cachka.CodeAnalysis;

/// <summary>One piece of a tag template: literal text, or the name of a key part in braces.</summary>
internal readonly struct TagPiece(string text, bool isName)
{
    /// <summary>The literal text (braces unescaped), or the name between the braces.</summary>
    public string Text { get; } = text;

    public bool IsName { get; } = isName;
}

/// <summary>
/// The syntax of tag templates (<c>[Cached(Tags = ...)]</c>, <c>[InvalidatesTag]</c>), shared by the generator and
/// the analyzers: <c>{name}</c> names a parameter or <c>[CacheKey]</c> member; <c>{{</c> and <c>}}</c> are literal braces.
/// </summary>
internal static class TagTemplate
{
    /// <summary>The pieces of <paramref name="template"/>, or null with what is wrong in <paramref name="error"/> (the end of a CACHKA020 message).</summary>
    public static List<TagPiece>? Parse(string? template, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(template))
        {
            error = "is empty; a tag needs at least one character";
            return null;
        }

        var pieces = new List<TagPiece>();
        var text = new StringBuilder();
        for (var i = 0; i < template!.Length; i++)
        {
            var c = template[i];
            if (c == '}')
            {
                if (i + 1 < template.Length && template[i + 1] == '}')
                {
                    text.Append('}');
                    i++;
                    continue;
                }

                error = "has a '}' at index " + i.ToString(CultureInfo.InvariantCulture) + " that closes nothing; write '}}' for a literal brace";
                return null;
            }

            if (c != '{')
            {
                text.Append(c);
                continue;
            }

            if (i + 1 < template.Length && template[i + 1] == '{')
            {
                text.Append('{');
                i++;
                continue;
            }

            var close = template.IndexOf('}', i + 1);
            var nested = template.IndexOf('{', i + 1);
            if (close < 0 || (nested >= 0 && nested < close))
            {
                error = "has a '{' at index " + i.ToString(CultureInfo.InvariantCulture) + " that is not closed; write '{{' for a literal brace";
                return null;
            }

            var name = template.Substring(i + 1, close - i - 1);
            if (name.Length == 0)
            {
                error = "has empty braces at index " + i.ToString(CultureInfo.InvariantCulture) + "; put a parameter or [CacheKey] member name between them";
                return null;
            }

            if (text.Length > 0)
            {
                pieces.Add(new TagPiece(text.ToString(), isName: false));
                text.Clear();
            }

            pieces.Add(new TagPiece(name, isName: true));
            i = close;
        }

        if (text.Length > 0)
            pieces.Add(new TagPiece(text.ToString(), isName: false));
        return pieces;
    }
}

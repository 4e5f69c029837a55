using System;
using System.Text;

namespace Cachka.Generators.Emit;

/// <summary>Writes C# text with the indentation of the current block.</summary>
internal sealed class SourceWriter
{
    private const int IndentSize = 4;
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length == 0)
        {
            _text.Append('\n');
            return;
        }

        // Multi-line text (raw string literals) keeps its own relative indentation.
        foreach (var part in line.Split('\n'))
        {
            if (part.Length > 0)
                _text.Append(' ', _indent * IndentSize).Append(part);
            _text.Append('\n');
        }
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
    }

    /// <summary>A bare block (<c>{</c> on its own line), for a scope inside a method.</summary>
    public void OpenBlock()
    {
        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent = Math.Max(0, _indent - 1);
        Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}

using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Cachka.Keys;

/// <summary>
/// Writes a cache key: a method identity followed by its arguments, each after a <c>|</c>.
/// Every value has one culture-invariant, injective text: text is escaped (<c>\</c>, <c>|</c>, <c>,</c>
/// and <c>]</c> get a backslash), null is <c>\0</c>, sequences are <c>[count:a,b]</c>. Used by
/// generated code; start it on a stack buffer and call <see cref="ToString"/> once.
/// </summary>
/// <remarks>
/// Formats: bool <c>true</c>/<c>false</c>; integers in decimal; float/double round-trippable ("R");
/// decimal without trailing zeros; enums by their underlying number; Guid "D"; DateTime
/// <c>ticks:U|L|N</c> (kind); DateTimeOffset <c>ticks:offsetMinutes</c>; DateOnly/TimeOnly ISO "O";
/// TimeSpan "c"; <see cref="ICacheKeyFormattable"/> by its escaped text; records, structs and tuples
/// member by member as <c>[a,b]</c>. There is no fallback: a type without one of these forms has no key
/// (see docs/generator.md), and a call with such an argument is not cached.
/// </remarks>
public ref struct CacheKeyBuilder
{
    /// <summary>Separates the identity and the arguments.</summary>
    public const char Separator = '|';

    private char[]? _rented;
    private Span<char> _chars;
    private int _length;

    /// <summary>Starts a key in <paramref name="buffer"/> (typically <c>stackalloc char[256]</c>); grows into pooled arrays.</summary>
    public CacheKeyBuilder(Span<char> buffer)
    {
        _rented = null;
        _chars = buffer;
        _length = 0;
    }

    /// <summary>The characters written so far.</summary>
    public readonly int Length => _length;

    /// <summary>Appends text as is (the method identity, or a part encoded earlier by <see cref="CacheKeyText"/>).</summary>
    public void AppendRaw(scoped ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _chars.Length)
            Grow(text.Length);
        text.CopyTo(_chars[_length..]);
        _length += text.Length;
    }

    /// <summary>Appends the argument separator <c>|</c>.</summary>
    public void AppendSeparator() => AppendChar(Separator);

    /// <summary>Appends the null marker <c>\0</c>.</summary>
    public void AppendNull()
    {
        AppendChar('\\');
        AppendChar('0');
    }

    public void Append(bool value) => AppendRaw(value ? "true" : "false");

    public void Append(char value) => AppendEscaped(new ReadOnlySpan<char>(in value));

    public void Append(sbyte value) => AppendFormatted(value, default);

    public void Append(byte value) => AppendFormatted(value, default);

    public void Append(short value) => AppendFormatted(value, default);

    public void Append(ushort value) => AppendFormatted(value, default);

    public void Append(int value) => AppendFormatted(value, default);

    public void Append(uint value) => AppendFormatted(value, default);

    public void Append(long value) => AppendFormatted(value, default);

    public void Append(ulong value) => AppendFormatted(value, default);

    public void Append(nint value) => AppendFormatted((long)value, default);

    public void Append(nuint value) => AppendFormatted((ulong)value, default);

    public void Append(Int128 value) => AppendFormatted(value, default);

    public void Append(UInt128 value) => AppendFormatted(value, default);

    public void Append(float value) => AppendFormatted(value, "R");

    public void Append(double value) => AppendFormatted(value, "R");

    /// <summary>Appends the decimal without trailing zeros, so <c>1.0m</c> and <c>1.00m</c> (equal values) give one key.</summary>
    public void Append(decimal value) => AppendFormatted(CacheKeyEquality.Normalize(value), default);

    public void Append(Guid value) => AppendFormatted(value, "D");

    /// <summary>Appends <c>ticks:U</c>, <c>ticks:L</c> or <c>ticks:N</c> (UTC, local, unspecified kind): never time-zone dependent.</summary>
    public void Append(DateTime value)
    {
        AppendFormatted(value.Ticks, default);
        AppendChar(':');
        AppendChar(value.Kind switch { DateTimeKind.Utc => 'U', DateTimeKind.Local => 'L', _ => 'N' });
    }

    /// <summary>Appends <c>ticks:offsetMinutes</c> (the clock time and its offset, so equal instants in different offsets differ, as their <c>EqualsExact</c> does).</summary>
    public void Append(DateTimeOffset value)
    {
        AppendFormatted(value.Ticks, default);
        AppendChar(':');
        AppendFormatted((long)value.Offset.TotalMinutes, default);
    }

    public void Append(DateOnly value) => AppendFormatted(value, "O");

    public void Append(TimeOnly value) => AppendFormatted(value, "O");

    public void Append(TimeSpan value) => AppendFormatted(value, "c");

    /// <summary>Appends escaped text, or <c>\0</c> for null.</summary>
    public void Append(string? value)
    {
        if (value is null)
            AppendNull();
        else
            AppendEscaped(value);
    }

    /// <summary>Appends the value's <see cref="ICacheKeyFormattable.FormatCacheKey"/> text, escaped, or <c>\0</c> for null.</summary>
    public void AppendFormattable<T>(T value)
        where T : ICacheKeyFormattable?
    {
        if (value is null)
            AppendNull();
        else
            AppendEscaped(TextOf(value));
    }

    // A value's key text. Null is refused: it would encode as "" and give the value another value's key.
    private static string TextOf(ICacheKeyFormattable value) =>
        value.FormatCacheKey() ?? throw new InvalidOperationException(
            $"{value.GetType().FullName}.FormatCacheKey() returned null for a value in a cache key: it must return the value's key text (\"\" for an empty one), so that values that are not equal never share a key.");

    /// <summary>Starts a sequence of <paramref name="count"/> elements: <c>[count:</c> (elements follow, separated by <see cref="AppendItemSeparator"/>, then <see cref="AppendGroupEnd"/>).</summary>
    public void AppendSequenceStart(int count)
    {
        AppendChar('[');
        AppendFormatted(count, default);
        AppendChar(':');
    }

    /// <summary>Starts the members of a record, struct or tuple: <c>[</c> (members follow in a fixed order, separated by <see cref="AppendItemSeparator"/>, then <see cref="AppendGroupEnd"/>).</summary>
    public void AppendMembersStart() => AppendChar('[');

    /// <summary>Separates two elements or members: <c>,</c>.</summary>
    public void AppendItemSeparator() => AppendChar(',');

    /// <summary>Ends a sequence or a member list: <c>]</c>.</summary>
    public void AppendGroupEnd() => AppendChar(']');

    /// <summary>
    /// Appends a value whose static type (a type parameter, <c>object</c>) does not decide its key form:
    /// the direct types, enums, <see cref="ICacheKeyFormattable"/> values and sequences of these, a value
    /// whose run-time type differs from <typeparamref name="T"/> prefixed with that type's name, so
    /// <c>(object)1</c>, <c>(object)1.0</c> and <c>(object)true</c> differ. Returns false, having written
    /// part of the key, for any other value: then the call has no key and must not be cached.
    /// </summary>
    public bool TryAppendValue<T>(T value)
    {
        // Value types: the JIT keeps one branch per instantiation.
        if (typeof(T) == typeof(bool)) Append(Unsafe.As<T, bool>(ref value));
        else if (typeof(T) == typeof(char)) Append(Unsafe.As<T, char>(ref value));
        else if (typeof(T) == typeof(sbyte)) Append(Unsafe.As<T, sbyte>(ref value));
        else if (typeof(T) == typeof(byte)) Append(Unsafe.As<T, byte>(ref value));
        else if (typeof(T) == typeof(short)) Append(Unsafe.As<T, short>(ref value));
        else if (typeof(T) == typeof(ushort)) Append(Unsafe.As<T, ushort>(ref value));
        else if (typeof(T) == typeof(int)) Append(Unsafe.As<T, int>(ref value));
        else if (typeof(T) == typeof(uint)) Append(Unsafe.As<T, uint>(ref value));
        else if (typeof(T) == typeof(long)) Append(Unsafe.As<T, long>(ref value));
        else if (typeof(T) == typeof(ulong)) Append(Unsafe.As<T, ulong>(ref value));
        else if (typeof(T) == typeof(float)) Append(Unsafe.As<T, float>(ref value));
        else if (typeof(T) == typeof(double)) Append(Unsafe.As<T, double>(ref value));
        else if (typeof(T) == typeof(decimal)) Append(Unsafe.As<T, decimal>(ref value));
        else if (typeof(T) == typeof(Guid)) Append(Unsafe.As<T, Guid>(ref value));
        else if (typeof(T) == typeof(DateTime)) Append(Unsafe.As<T, DateTime>(ref value));
        else if (typeof(T) == typeof(DateTimeOffset)) Append(Unsafe.As<T, DateTimeOffset>(ref value));
        else if (typeof(T) == typeof(DateOnly)) Append(Unsafe.As<T, DateOnly>(ref value));
        else if (typeof(T) == typeof(TimeOnly)) Append(Unsafe.As<T, TimeOnly>(ref value));
        else if (typeof(T) == typeof(TimeSpan)) Append(Unsafe.As<T, TimeSpan>(ref value));
        else if (value is null) AppendNull();
        else return TryAppendObject(value, typeof(T));
        return true;
    }

    private bool TryAppendObject(object value, Type staticType)
    {
        var type = value.GetType();
        if (type != staticType && type != Nullable.GetUnderlyingType(staticType))
        {
            AppendEscaped(CacheKeyTypeName.Of(type));
            AppendChar(':');
        }

        switch (value)
        {
            case string text: AppendEscaped(text); break;
            case bool v: Append(v); break;
            case char v: Append(v); break;
            case sbyte v: Append(v); break;
            case byte v: Append(v); break;
            case short v: Append(v); break;
            case ushort v: Append(v); break;
            case int v: Append(v); break;
            case uint v: Append(v); break;
            case long v: Append(v); break;
            case ulong v: Append(v); break;
            case nint v: Append(v); break;
            case nuint v: Append(v); break;
            case Int128 v: Append(v); break;
            case UInt128 v: Append(v); break;
            case float v: Append(v); break;
            case double v: Append(v); break;
            case decimal v: Append(v); break;
            case Guid v: Append(v); break;
            case DateTime v: Append(v); break;
            case DateTimeOffset v: Append(v); break;
            case DateOnly v: Append(v); break;
            case TimeOnly v: Append(v); break;
            case TimeSpan v: Append(v); break;
            case Enum: AppendEnum(value, type); break;
            case ICacheKeyFormattable formattable: AppendEscaped(TextOf(formattable)); break;
            case IEnumerable sequence: return TryAppendObjects(sequence);
            default: return false;
        }

        return true;
    }

    private void AppendEnum(object value, Type type)
    {
        switch (Type.GetTypeCode(Enum.GetUnderlyingType(type)))
        {
            case TypeCode.SByte: Append((sbyte)value); break;
            case TypeCode.Byte: Append((byte)value); break;
            case TypeCode.Int16: Append((short)value); break;
            case TypeCode.UInt16: Append((ushort)value); break;
            case TypeCode.Int32: Append((int)value); break;
            case TypeCode.UInt32: Append((uint)value); break;
            case TypeCode.UInt64: Append((ulong)value); break;
            default: Append((long)value); break;
        }
    }

    // Each element through the object path, so it carries its own type when that differs from object.
    private bool TryAppendObjects(IEnumerable sequence)
    {
        var items = new List<object?>();
        foreach (var item in sequence)
            items.Add(item);
        AppendSequenceStart(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
                AppendItemSeparator();
            if (!TryAppendValue(items[i]))
                return false;
        }

        AppendGroupEnd();
        return true;
    }

    /// <summary>Appends text with <c>\</c>, <c>|</c>, <c>,</c> and <c>]</c> escaped by a backslash.</summary>
    public void AppendEscaped(scoped ReadOnlySpan<char> text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\\' or Separator or ',' or ']')
            {
                AppendRaw(text[start..i]);
                AppendChar('\\');
                start = i;
            }
        }

        AppendRaw(text[start..]);
    }

    /// <summary>The key; returns any pooled buffer.</summary>
    public override string ToString()
    {
        var result = new string(_chars[.._length]);
        Dispose();
        return result;
    }

    /// <summary>Returns any pooled buffer without building the string.</summary>
    public void Dispose()
    {
        var rented = _rented;
        this = default;
        if (rented is not null)
            ArrayPool<char>.Shared.Return(rented);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AppendChar(char c)
    {
        if (_length == _chars.Length)
            Grow(1);
        _chars[_length++] = c;
    }

    private void AppendFormatted<T>(T value, scoped ReadOnlySpan<char> format)
        where T : ISpanFormattable
    {
        int written;
        while (!value.TryFormat(_chars[_length..], out written, format, CultureInfo.InvariantCulture))
            Grow(64);
        _length += written;
    }

    private void Grow(int additional)
    {
        var size = Math.Max(_length + additional, Math.Max(_chars.Length * 2, 256));
        var next = ArrayPool<char>.Shared.Rent(size);
        _chars[.._length].CopyTo(next);
        var old = _rented;
        _chars = _rented = next;
        if (old is not null)
            ArrayPool<char>.Shared.Return(old);
    }
}

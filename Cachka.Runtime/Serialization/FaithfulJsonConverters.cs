using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cachka.Serialization;

/// <summary>Strings as System.Text.Json writes them, refusing a lone surrogate (UTF-8 would turn it into U+FFFD).</summary>
internal sealed class StrictStringJsonConverter : JsonConverter<string>
{
    public static readonly StrictStringJsonConverter Instance = new();

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString();

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        Surrogates.Guard(value);
        writer.WriteStringValue(value);
    }

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString()!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        Surrogates.Guard(value);
        writer.WritePropertyName(value);
    }
}

/// <summary>A char as a one-character string, refusing half of a surrogate pair.</summary>
internal sealed class StrictCharJsonConverter : JsonConverter<char>
{
    public static readonly StrictCharJsonConverter Instance = new();

    public override char Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { Length: 1 } text ? text[0] : throw new JsonException("Expected a string of one character.");

    public override void Write(Utf8JsonWriter writer, char value, JsonSerializerOptions options)
    {
        if (char.IsSurrogate(value))
            throw Surrogates.Lone();
        writer.WriteStringValue([value]);
    }

    public override char ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Read(ref reader, typeToConvert, options);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, char value, JsonSerializerOptions options)
    {
        if (char.IsSurrogate(value))
            throw Surrogates.Lone();
        writer.WritePropertyName([value]);
    }
}

/// <summary>BigInteger as a JSON number of any length (System.Text.Json has no converter and would store 0).</summary>
internal sealed class BigIntegerJsonConverter : JsonConverter<BigInteger>
{
    public static readonly BigIntegerJsonConverter Instance = new();

    public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
            throw new JsonException("Expected a number.");
        var text = reader.HasValueSequence ? Encoding.UTF8.GetString(reader.ValueSequence) : Encoding.UTF8.GetString(reader.ValueSpan);
        return BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
}

internal static class Surrogates
{
    /// <summary>Throws when <paramref name="text"/> holds a surrogate that is not part of a pair; text without surrogates costs one vectorized scan.</summary>
    public static void Guard(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (i >= 0)
        {
            if (!char.IsHighSurrogate(text[i]) || i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                throw Lone();
            i += 2;
            var next = text[i..].IndexOfAnyInRange('\uD800', '\uDFFF');
            i = next < 0 ? -1 : i + next;
        }
    }

    public static UnfaithfulValueException Lone() => new(
        FidelityRules.ErrorType(FidelityRule.LoneSurrogate),
        "The value holds a string with a lone surrogate (half of a UTF-16 pair), which UTF-8 JSON cannot carry: it would come back as U+FFFD; "
        + FidelityRules.Advice(FidelityRule.LoneSurrogate) + ".");
}

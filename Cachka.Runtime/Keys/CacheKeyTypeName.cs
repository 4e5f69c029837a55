using System.Collections.Concurrent;
using System.Text;

namespace Cachka.Keys;

/// <summary>
/// A type's name for keys: C# keywords for built-in types, otherwise namespace-qualified with
/// <c>.</c> between nested types and type arguments in angle brackets; never assembly versions, so
/// it is the same in every process. Used for the type arguments of generic types with <c>[Cached]</c> members.
/// </summary>
internal static class CacheKeyTypeName
{
    private static readonly ConcurrentDictionary<Type, string> s_names = new();

    /// <summary>The key name of <typeparamref name="T"/> (computed once).</summary>
    public static string Of<T>() => Cache<T>.Name;

    /// <summary>The key name of <paramref name="type"/>.</summary>
    public static string Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return s_names.GetOrAdd(type, static t => Build(t));
    }

    private static string Build(Type type)
    {
        var builder = new StringBuilder();
        Write(builder, type);
        return builder.ToString();
    }

    private static void Write(StringBuilder builder, Type type)
    {
        if (Keyword(type) is { } keyword)
        {
            builder.Append(keyword);
            return;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            Write(builder, underlying);
            builder.Append('?');
            return;
        }

        if (type.IsArray)
        {
            Write(builder, type.GetElementType()!);
            builder.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            return;
        }

        if (type.IsGenericParameter)
        {
            builder.Append(type.Name);
            return;
        }

        var arguments = type.IsGenericType ? type.GetGenericArguments() : Type.EmptyTypes;
        WriteDeclaring(builder, type, arguments, out var used);
        var own = arguments.Length - used;
        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        builder.Append(tick < 0 ? name : name[..tick]);
        if (own > 0)
        {
            builder.Append('<');
            for (var i = used; i < arguments.Length; i++)
            {
                if (i > used)
                    builder.Append(", ");
                Write(builder, arguments[i]);
            }

            builder.Append('>');
        }
    }

    // Writes "Namespace." or the declaring types with their share of the type arguments.
    private static void WriteDeclaring(StringBuilder builder, Type type, Type[] arguments, out int used)
    {
        used = 0;
        if (type.DeclaringType is { } declaring)
        {
            var declaringArity = declaring.IsGenericType ? declaring.GetGenericArguments().Length : 0;
            WriteDeclaring(builder, declaring, arguments, out var outer);
            var name = declaring.Name;
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            builder.Append(tick < 0 ? name : name[..tick]);
            if (declaringArity > outer)
            {
                builder.Append('<');
                for (var i = outer; i < declaringArity; i++)
                {
                    if (i > outer)
                        builder.Append(", ");
                    Write(builder, arguments[i]);
                }

                builder.Append('>');
            }

            builder.Append('.');
            used = declaringArity;
            return;
        }

        if (!string.IsNullOrEmpty(type.Namespace))
            builder.Append(type.Namespace).Append('.');
    }

    private static string? Keyword(Type type) => Type.GetTypeCode(type) switch
    {
        _ when type == typeof(object) => "object",
        _ when type.IsEnum => null,
        TypeCode.Boolean => "bool",
        TypeCode.Char => "char",
        TypeCode.SByte => "sbyte",
        TypeCode.Byte => "byte",
        TypeCode.Int16 => "short",
        TypeCode.UInt16 => "ushort",
        TypeCode.Int32 => "int",
        TypeCode.UInt32 => "uint",
        TypeCode.Int64 => "long",
        TypeCode.UInt64 => "ulong",
        TypeCode.Single => "float",
        TypeCode.Double => "double",
        TypeCode.Decimal => "decimal",
        TypeCode.String => "string",
        _ when type == typeof(nint) => "nint",
        _ when type == typeof(nuint) => "nuint",
        _ => null,
    };

    private static class Cache<T>
    {
        public static readonly string Name = Of(typeof(T));
    }
}

using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Cachka.Tests.Packaging;

/// <summary>
/// The runtime's public surface, compared with the checked-in baseline <c>Cachka.Runtime/PublicAPI.txt</c>: a type
/// or member that appears, disappears or changes shape fails here until the baseline is updated on purpose
/// (<c>CACHKA_ACCEPT_PUBLIC_API=1</c> rewrites it; review the diff like any other API change).
/// </summary>
public sealed class PublicApiTests
{
    private const string AcceptVariable = "CACHKA_ACCEPT_PUBLIC_API";

    [Test]
    public void The_public_surface_matches_the_baseline()
    {
        var actual = Describe(typeof(ICache).Assembly);
        var path = Repository.PathOf("Cachka.Runtime", "PublicAPI.txt");
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
            File.WriteAllText(path, actual);

        var expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        if (expected == actual)
            return;

        var expectedLines = expected.Split('\n').ToHashSet(StringComparer.Ordinal);
        var actualLines = actual.Split('\n').ToHashSet(StringComparer.Ordinal);
        var added = actualLines.Where(line => !expectedLines.Contains(line)).Select(line => "+ " + line);
        var removed = expectedLines.Where(line => !actualLines.Contains(line)).Select(line => "- " + line);
        Assert.Fail($"The public API of Cachka.Runtime changed; if intended, rerun with {AcceptVariable}=1 and commit PublicAPI.txt:\n"
            + string.Join("\n", removed.Concat(added)));
    }

    [Test]
    public void Generated_code_support_is_hidden_from_IntelliSense()
    {
        var visible = typeof(ICache).Assembly.GetExportedTypes()
            .Where(type => type.Namespace is "Cachka.Generated")
            .Where(type => type.GetCustomAttribute<System.ComponentModel.EditorBrowsableAttribute>()?.State != System.ComponentModel.EditorBrowsableState.Never)
            .Select(type => type.FullName)
            .ToList();

        Assert.That(visible, Is.Empty, "types that only generated code calls carry [EditorBrowsable(Never)]");
    }

    internal static string Describe(Assembly assembly)
    {
        var types = assembly.GetExportedTypes().OrderBy(type => type.FullName, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        text.Append("# Public types: ").Append(types.Count).Append('\n');
        foreach (var type in types)
        {
            text.Append(TypeLine(type)).Append('\n');
            foreach (var member in Members(type))
                text.Append("  ").Append(member).Append('\n');
        }

        return text.ToString();
    }

    private static string TypeLine(Type type)
    {
        var kind = type.IsInterface ? "interface"
            : type.IsEnum ? "enum"
            : typeof(Delegate).IsAssignableFrom(type) ? "delegate"
            : type.IsValueType ? (type.IsDefined(typeof(IsReadOnlyAttribute)) ? "readonly struct" : "struct")
            : type.IsAbstract && type.IsSealed ? "static class"
            : type.IsAbstract ? "abstract class"
            : type.IsSealed ? "sealed class"
            : "class";
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum) && !typeof(Delegate).IsAssignableFrom(type))
            bases.Add(Name(baseType));
        bases.AddRange(type.GetInterfaces().Where(i => i.IsVisible).Select(Name).OrderBy(name => name, StringComparer.Ordinal));
        return $"{kind} {Name(type)}" + (bases.Count > 0 ? " : " + string.Join(", ", bases) : "");
    }

    private static IEnumerable<string> Members(Type type)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var lines = new List<string>();
        if (type.IsEnum)
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                lines.Add($"{field.Name} = {Convert.ToInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}");
            return lines;
        }

        foreach (var member in type.GetMembers(flags).Where(m => !m.Name.StartsWith('<')))
        {
            switch (member)
            {
                case ConstructorInfo ctor when Visible(ctor):
                    lines.Add($"{Access(ctor)}ctor({Parameters(ctor)})");
                    break;
                case MethodInfo method when Visible(method) && !method.IsSpecialName:
                    lines.Add($"{Access(method)}{(method.IsStatic ? "static " : "")}{Name(method.ReturnType)} {method.Name}{Generics(method)}({Parameters(method)})");
                    break;
                case PropertyInfo property when property.GetAccessors(nonPublic: true).Any(Visible):
                    var accessors = property.GetAccessors(nonPublic: true).Where(Visible).Select(a => a == property.GetMethod ? "get;" : a.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit") ? "init;" : "set;");
                    var index = property.GetIndexParameters() is { Length: > 0 } ps ? $"[{string.Join(", ", ps.Select(p => Name(p.ParameterType) + " " + p.Name))}]" : "";
                    lines.Add($"{(property.GetAccessors(true).First(Visible).IsStatic ? "static " : "")}{Name(property.PropertyType)} {property.Name}{index} {{ {string.Join(" ", accessors.OrderBy(a => a, StringComparer.Ordinal))} }}");
                    break;
                case FieldInfo field when field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly:
                    lines.Add($"{(field.IsLiteral ? "const " : field.IsStatic ? "static " : "")}{(field.IsInitOnly ? "readonly " : "")}{Name(field.FieldType)} {field.Name}");
                    break;
                case EventInfo @event when @event.AddMethod is { } add && Visible(add):
                    lines.Add($"event {Name(@event.EventHandlerType!)} {@event.Name}");
                    break;
            }
        }

        return lines.OrderBy(line => line, StringComparer.Ordinal);
    }

    private static bool Visible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static string Access(MethodBase method) => method.IsPublic ? "" : "protected ";

    private static string Generics(MethodInfo method) =>
        method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : "";

    private static string Parameters(MethodBase method) => string.Join(", ", method.GetParameters().Select(p =>
        (p.IsOut ? "out " : p.ParameterType.IsByRef && p.IsIn ? "in " : p.ParameterType.IsByRef ? "ref " : "")
        + Name(p.ParameterType) + " " + p.Name + (p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")));

    private static string Name(Type type)
    {
        if (type.IsByRef)
            return Name(type.GetElementType()!);
        if (type.IsArray)
            return Name(type.GetElementType()!) + "[]";
        if (type.IsGenericParameter)
            return type.Name;
        var name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : (type.Namespace is { } ns ? ns + "." : "") + type.Name;
        var tick = name.IndexOf('`');
        if (tick >= 0)
            name = name[..tick];
        if (type.IsGenericType)
        {
            var own = type.GetGenericArguments().Skip(type.IsNested ? type.DeclaringType!.GetGenericArguments().Length : 0).ToList();
            if (own.Count > 0)
                name += "<" + string.Join(", ", own.Select(Name)) + ">";
        }

        return name;
    }
}

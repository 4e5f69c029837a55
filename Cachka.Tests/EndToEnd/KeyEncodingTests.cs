using Cachka.Keys;

namespace Cachka.Tests.EndToEnd;

/// <summary>The key primitives generated code calls: exact, injective, culture-free text.</summary>
public sealed class KeyEncodingTests
{
    [Test]
    public void Text_longer_than_the_stack_buffer_is_kept_whole()
    {
        var text = new string('x', 5000) + "|" + new string('y', 300);

        var key = KeyFormatsCacheKeys.Texts(text, "end");

        Assert.That(key, Is.EqualTo("Cachka.Tests.EndToEnd.KeyFormats.Texts(string,string)|" + new string('x', 5000) + "\\|" + new string('y', 300) + "|end"));
    }

    [Test]
    public void Equal_decimals_give_one_key()
    {
        Assert.That(CacheKeyText.Value(1.0m), Is.EqualTo(CacheKeyText.Value(1.00m)));
        Assert.That(CacheKeyText.Value(-0.0m), Is.EqualTo("0"));
        Assert.That(CacheKeyText.Value(-12.340m), Is.EqualTo("-12.34"));
    }

    [Test]
    public void A_value_typed_as_object_carries_its_type()
    {
        Assert.That(CacheKeyText.Value<object>(1), Is.EqualTo("int:1"));
        Assert.That(CacheKeyText.Value<object>(1L), Is.EqualTo("long:1"));
        Assert.That(CacheKeyText.Value<object>(1.0), Is.EqualTo("double:1"));
        Assert.That(CacheKeyText.Value<object>(true), Is.EqualTo("bool:true"));
        Assert.That(CacheKeyText.Value<object>("1"), Is.EqualTo("string:1"));
        Assert.That(CacheKeyText.Value<object?>(null), Is.EqualTo("\\0"));
        Assert.That(CacheKeyText.Value<object>(Tier.Pro), Is.EqualTo("Cachka.Tests.EndToEnd.Tier:2"));
    }

    [Test]
    public void Sequences_are_counted_so_empty_and_one_empty_element_differ()
    {
        Assert.That(CacheKeyText.Sequence<string>([]), Is.EqualTo("[0:]"));
        Assert.That(CacheKeyText.Sequence<string>([""]), Is.EqualTo("[1:]"));
        Assert.That(CacheKeyText.Sequence<string?>(["a,b", null]), Is.EqualTo("[2:a\\,b,\\0]"));
        Assert.That(CacheKeyText.Sequence<int>(null), Is.EqualTo("\\0"));
        Assert.That(CacheKeyText.Sequence(Enumerable.Range(1, 3).Where(i => i > 1)), Is.EqualTo("[2:2,3]"));
    }

    [Test]
    public void Type_names_are_stable_and_assembly_free()
    {
        Assert.That(CacheKeyTypeName.Of<int>(), Is.EqualTo("int"));
        Assert.That(CacheKeyTypeName.Of<int?[]>(), Is.EqualTo("int?[]"));
        Assert.That(CacheKeyTypeName.Of<Dictionary<string, List<Guid>>>(), Is.EqualTo("System.Collections.Generic.Dictionary<string, System.Collections.Generic.List<System.Guid>>"));
        Assert.That(CacheKeyTypeName.Of<Box<long>>(), Is.EqualTo("Cachka.Tests.EndToEnd.Box<long>"));
        Assert.That(CacheKeyTypeName.Of<Dictionary<int, string>.KeyCollection>(), Is.EqualTo("System.Collections.Generic.Dictionary<int, string>.KeyCollection"));
    }

    [Test]
    public void Exact_equality_is_as_strict_as_the_key_text()
    {
        Assert.That(CacheKeyEquality.Equal(0.0, -0.0), Is.False);
        Assert.That(CacheKeyEquality.Equal(double.NaN, double.NaN), Is.True);
        Assert.That(CacheKeyEquality.Equal(new DateTime(1, DateTimeKind.Utc), new DateTime(1, DateTimeKind.Local)), Is.False);
        var instant = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.That(CacheKeyEquality.Equal(instant, instant.ToOffset(TimeSpan.FromHours(1))), Is.False);
    }
}

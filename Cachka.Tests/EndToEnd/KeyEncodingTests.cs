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
        Assert.That(CacheKeyText.TryValue(1.0m), Is.EqualTo(CacheKeyText.TryValue(1.00m)));
        Assert.That(CacheKeyText.TryValue(-0.0m), Is.EqualTo("0"));
        Assert.That(CacheKeyText.TryValue(-12.340m), Is.EqualTo("-12.34"));
    }

    [Test]
    public void A_value_typed_as_object_carries_its_type()
    {
        Assert.That(CacheKeyText.TryValue<object>(1), Is.EqualTo("int:1"));
        Assert.That(CacheKeyText.TryValue<object>(1L), Is.EqualTo("long:1"));
        Assert.That(CacheKeyText.TryValue<object>(1.0), Is.EqualTo("double:1"));
        Assert.That(CacheKeyText.TryValue<object>(true), Is.EqualTo("bool:true"));
        Assert.That(CacheKeyText.TryValue<object>("1"), Is.EqualTo("string:1"));
        Assert.That(CacheKeyText.TryValue<object?>(null), Is.EqualTo("\\0"));
        Assert.That(CacheKeyText.TryValue<object>(Tier.Pro), Is.EqualTo("Cachka.Tests.EndToEnd.Tier:2"));
    }

    [Test]
    public void Sequences_are_counted_so_empty_and_one_empty_element_differ()
    {
        const string Prefix = "Cachka.Tests.EndToEnd.KeyFormats.Lists(int[],System.Collections.Generic.List<string>,System.Collections.Generic.IReadOnlyList<Cachka.Tests.EndToEnd.Tier>,System.Collections.Generic.IEnumerable<double>)|";
        Assert.That(KeyFormatsCacheKeys.Lists([], [], [], []), Is.EqualTo(Prefix + "[0:]|[0:]|[0:]|[0:]"));
        Assert.That(KeyFormatsCacheKeys.Lists(null, [""], [], []), Is.EqualTo(Prefix + "\\0|[1:]|[0:]|[0:]"));
        Assert.That(KeyFormatsCacheKeys.Lists([1], ["a,b", null], [Tier.Pro], Enumerable.Range(1, 3).Where(i => i > 1).Select(i => (double)i)),
            Is.EqualTo(Prefix + "[1:1]|[2:a\\,b,\\0]|[1:2]|[2:2,3]"));
    }

    [Test]
    public void A_value_typed_as_object_without_a_key_form_has_no_key()
    {
        Assert.That(CacheKeyText.TryValue<object>(new MemoryStream()), Is.Null);
        Assert.That(CacheKeyText.TryValue<object>(new List<object> { 1, new MemoryStream() }), Is.Null);
        Assert.That(CacheKeyText.TryValue<object>(new List<object> { 1, "x" }), Is.EqualTo("System.Collections.Generic.List<object>:[2:int:1,string:x]"));
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

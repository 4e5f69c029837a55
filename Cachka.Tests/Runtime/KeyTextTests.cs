using Cachka.Keys;
namespace Cachka.Tests.Runtime;

public class KeyTextTests
{
    // A key part whose text is null would be keyed as "" (an empty text): another value with that text would share
    // its entry. It is refused, naming the type, wherever the key is built.
    [Test]
    public void A_formattable_key_part_whose_text_is_null_is_refused_naming_its_type()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
        {
            var builder = new CacheKeyBuilder(new char[64]);
            builder.AppendFormattable(new NoText());
        });

        Assert.That(error!.Message, Does.Contain(typeof(NoText).FullName).And.Contain("FormatCacheKey() returned null"));
    }

    [Test]
    public void A_formattable_inside_a_list_whose_text_is_null_is_refused_too()
    {
        Assert.Throws<InvalidOperationException>(() =>
        {
            var builder = new CacheKeyBuilder(new char[64]);
            builder.TryAppendValue<IReadOnlyList<ICacheKeyFormattable>>([new EmptyText(), new NoText()]);
        });
    }

    [Test]
    public void An_empty_text_is_a_key_part_of_its_own()
    {
        var empty = new CacheKeyBuilder(new char[64]);
        empty.AppendFormattable(new EmptyText());
        var none = new CacheKeyBuilder(new char[64]);
        none.AppendFormattable<EmptyText?>(null);

        Assert.That(empty.ToString(), Is.Not.EqualTo(none.ToString()), "an empty text is not the null value");
    }

    private sealed class NoText : ICacheKeyFormattable
    {
        public string FormatCacheKey() => null!;
    }

    private sealed class EmptyText : ICacheKeyFormattable
    {
        public string FormatCacheKey() => "";
    }
}

using Cachka.Internal;

namespace Cachka.Tests.Sqlite;

public class SqliteKeyTests : SqliteTestBase
{
    private static string LongKey(char fill, int length = 2000) => "UserService.GetUser:" + new string(fill, length);

    [Test]
    public void A_long_key_round_trips()
    {
        var layer = Layer();
        var key = LongKey('a');
        layer.Set(key, "value", In(TimeSpan.FromMinutes(5)));

        Assert.That(layer.Get<string>(key).Value, Is.EqualTo("value"));
    }

    [Test]
    public void A_long_key_is_stored_as_a_readable_prefix_and_a_sha256_digest()
    {
        var layer = Layer();
        layer.Set(LongKey('a'), "value", In(TimeSpan.FromMinutes(5)));

        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, full_key FROM cachka_entries";
        using var reader = command.ExecuteReader();
        Assert.That(reader.Read(), Is.True);
        var stored = reader.GetString(0);
        Assert.That(stored, Has.Length.LessThanOrEqualTo(512));
        Assert.That(stored, Does.StartWith("UserService.GetUser:aaaa"));
        Assert.That(stored, Does.Match("#[0-9a-f]{64}$"));
        Assert.That(reader.GetString(1), Is.EqualTo(LongKey('a')), "the full key is kept to verify reads");
    }

    [Test]
    public void Two_long_keys_with_the_same_prefix_never_collide()
    {
        var layer = Layer();
        var first = LongKey('a') + "1";
        var second = LongKey('a') + "2";
        layer.Set(first, "one", In(TimeSpan.FromMinutes(5)));
        layer.Set(second, "two", In(TimeSpan.FromMinutes(5)));

        Assert.That(layer.Get<string>(first).Value, Is.EqualTo("one"));
        Assert.That(layer.Get<string>(second).Value, Is.EqualTo("two"));
        Assert.That(RowCount(), Is.EqualTo(2));
    }

    [Test]
    public void A_short_key_that_looks_like_a_shortened_one_does_not_read_its_row()
    {
        var layer = Layer();
        var longKey = LongKey('b');
        layer.Set(longKey, "long", In(TimeSpan.FromMinutes(5)));
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key FROM cachka_entries";
        var lookalike = (string)command.ExecuteScalar()!;

        Assert.That(layer.Get<string>(lookalike).Found, Is.False);
        Assert.That(layer.Get<string>(longKey).Value, Is.EqualTo("long"));
    }

    [Test]
    public void A_long_key_is_deleted_by_its_full_form()
    {
        var layer = Layer();
        var key = LongKey('c');
        layer.Set(key, "value", In(TimeSpan.FromMinutes(5)));

        Assert.That(layer.Delete(key), Is.True);
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public void A_key_at_the_limit_is_stored_as_is()
    {
        var layer = Layer(Config() with { MaxKeyLength = 100 });
        var key = new string('k', 100);
        layer.Set(key, 1, In(TimeSpan.FromMinutes(5)));

        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key FROM cachka_entries";
        Assert.That(command.ExecuteScalar(), Is.EqualTo(key));
    }

    [Test]
    public void The_digest_never_splits_a_surrogate_pair()
    {
        var key = new string('x', 14) + string.Concat(Enumerable.Repeat("😀", 100));

        var fitted = KeyDigest.Fit(key, KeyDigest.MinimumMaxLength, out var shortened);

        Assert.That(shortened, Is.True);
        Assert.That(char.IsHighSurrogate(fitted[fitted.IndexOf('#', StringComparison.Ordinal) - 1]), Is.False);
    }
}

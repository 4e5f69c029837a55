using System.Text.Json.Serialization;

namespace Cachka.Tests.Sqlite;

public class SqliteEnvelopeTests : SqliteTestBase
{
    [Test]
    public void A_plain_envelope_has_version_flags_expiry_and_payload()
    {
        var layer = Layer();
        var expiry = In(TimeSpan.FromMinutes(3));
        layer.Set("k", 42, expiry);

        var blob = StoredBlob("k");

        Assert.That(blob[0], Is.EqualTo(2));
        Assert.That(blob[1], Is.EqualTo(0));
        Assert.That(BitConverter.ToInt64(blob, 2), Is.EqualTo(expiry.ToUnixTimeMilliseconds()));
        Assert.That(System.Text.Encoding.UTF8.GetString(blob, 10, blob.Length - 10), Is.EqualTo("42"));
    }

    [TestCase(new byte[] { 3, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, (byte)'4', (byte)'2' }, TestName = "An_unknown_envelope_version_is_a_counted_miss_and_removed")]
    [TestCase(new byte[] { 2, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x7F, (byte)'4', (byte)'2' }, TestName = "Unknown_envelope_flags_are_a_counted_miss_and_removed")]
    [TestCase(new byte[] { 2, 0, 0 }, TestName = "A_truncated_envelope_is_a_counted_miss_and_removed")]
    [TestCase(new byte[0], TestName = "An_empty_blob_is_a_counted_miss_and_removed")]
    public void A_bad_envelope_is_a_counted_miss_and_removed(byte[] blob)
    {
        var layer = Layer();
        layer.Set("k", 42, In(TimeSpan.FromMinutes(5)));
        Exec("UPDATE cachka_entries SET value = $v WHERE key = 'k'", ("$v", blob));

        Assert.That(layer.Get<int>("k").Found, Is.False);
        Assert.That(ErrorsOf("envelope_invalid"), Is.EqualTo(1));
        Assert.That(RowCount(), Is.Zero);
    }

    // Format 1 was written before values were checked for exact round trips: a value tuple was stored as "{}" and
    // would read back as a hit holding (0, null, 0). Such rows are never trusted.
    [Test]
    public void A_row_written_in_format_1_is_a_counted_miss_and_removed()
    {
        var layer = Layer();
        layer.Set("k", (1, "two", 3.5), In(TimeSpan.FromMinutes(5)));
        var formatOne = new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, (byte)'{', (byte)'}' };
        BitConverter.GetBytes(In(TimeSpan.FromMinutes(5)).ToUnixTimeMilliseconds()).CopyTo(formatOne, 2);
        Exec("UPDATE cachka_entries SET value = $v WHERE key = 'k'", ("$v", formatOne));

        var hit = layer.Get<(int, string, double)>("k");

        Assert.That(hit.Found, Is.False, $"served {hit.Value} from a format-1 row");
        Assert.That(ErrorsOf("envelope_invalid"), Is.EqualTo(1));
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public async Task An_undeserializable_payload_is_a_counted_miss_and_removed()
    {
        var layer = Layer();
        await layer.SetAsync("k", "not a number", In(TimeSpan.FromMinutes(5)), CancellationToken.None);

        var hit = await layer.GetAsync<int>("k", CancellationToken.None);

        Assert.That(hit.Found, Is.False);
        Assert.That(ErrorsOf("deserialize_failed"), Is.EqualTo(1));
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public void Garbage_in_the_file_never_reaches_the_caller_through_the_pipeline()
    {
        var cache = Cache();
        Layer().Set("k", 1, In(TimeSpan.FromMinutes(5)));
        Exec("UPDATE cachka_entries SET value = randomblob(64) WHERE key = 'k'");

        Assert.That(cache.GetOrCreate("k", () => 7, TimeSpan.FromMinutes(1)), Is.EqualTo(7));
        Assert.That(cache.Metrics.ErrorCount("envelope_invalid"), Is.EqualTo(1));
    }

    [Test]
    public void A_bad_row_replaced_meanwhile_is_not_removed()
    {
        var layer = Layer();
        layer.Set("k", "fresh", In(TimeSpan.FromMinutes(5)));

        // Removal only deletes the exact blob that failed, so a concurrent rewrite survives.
        Exec("DELETE FROM cachka_entries WHERE key = 'k' AND value = $v", ("$v", new byte[] { 9, 9 }));

        Assert.That(layer.Get<string>("k").Value, Is.EqualTo("fresh"));
    }

    [Test]
    public void A_value_over_MaxPayloadBytes_is_skipped_counted_and_replaces_the_old_value()
    {
        var layer = Layer(Config() with { MaxPayloadBytes = 100 });
        layer.Set("k", "small", In(TimeSpan.FromMinutes(5)));

        Assert.That(() => layer.Set("k", new string('x', 200), In(TimeSpan.FromMinutes(5))), Throws.Nothing);

        Assert.That(ErrorsOf("payload_too_large"), Is.EqualTo(1));
        Assert.That(layer.Get<string>("k").Found, Is.False, "the older value must not outlive the newer one");
    }

    [Test]
    public void A_value_the_serializer_cannot_handle_is_skipped_and_counted()
    {
        var cache = Cache();

        cache.Set("k", new SelfReferencing(), ttl: TimeSpan.FromMinutes(5));

        Assert.That(cache.Metrics.ErrorCount("serialize_failed"), Is.EqualTo(1));
        Assert.That(cache.Get<SelfReferencing>("k"), Is.Not.Null, "L1 still holds it");
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public void A_source_generated_context_serializes_values()
    {
        var layer = Layer(Config() with { Serializer = new JsonCacheSerializer(SqliteTestJsonContext.Default) });
        layer.Set("k", new Person("Linus", 55, ["kernel"]), In(TimeSpan.FromMinutes(5)));

        Assert.That(layer.Get<Person>("k").Value.Name, Is.EqualTo("Linus"));
    }

    [Test]
    public void A_source_generated_context_without_the_type_skips_the_write()
    {
        var layer = Layer(Config() with { Serializer = new JsonCacheSerializer(SqliteTestJsonContext.Default) });

        layer.Set("k", new Address(), In(TimeSpan.FromMinutes(5)));

        // Judged before the write (issue 7): the context has no metadata for the type, which is named as the reason.
        Assert.That(ErrorsOf("no_json_metadata"), Is.EqualTo(1));
        Assert.That(RowCount(), Is.Zero);
    }

    public sealed class SelfReferencing
    {
        public SelfReferencing Self => this;
    }
}

[JsonSerializable(typeof(Person))]
internal sealed partial class SqliteTestJsonContext : JsonSerializerContext;

using System.Text;

namespace Cachka.Tests.Sqlite;

public class SqliteEncryptionTests : SqliteTestBase
{
    private static readonly string KeyA = CacheEncryptionKey.Generate();
    private static readonly string KeyB = CacheEncryptionKey.Generate();

    private SqliteCacheConfig Encrypted(string key, params string[] previous) =>
        Config() with { EnableEncryption = true, EncryptionKey = key, PreviousEncryptionKeys = previous };

    [Test]
    public void An_encrypted_value_round_trips()
    {
        var layer = Layer(Encrypted(KeyA));
        layer.Set("person", new Person("Ada", 36, ["math"]), In(TimeSpan.FromMinutes(5)));

        Assert.That(layer.Get<Person>("person").Value, Is.EqualTo(new Person("Ada", 36, ["math"])).Using<Person>((a, b) => a.Name == b.Name && a.Age == b.Age));
    }

    [Test]
    public void The_stored_blob_holds_no_plaintext_and_has_the_documented_layout()
    {
        var layer = Layer(Encrypted(KeyA));
        layer.Set("k", "top-secret-value", In(TimeSpan.FromMinutes(5)));

        var blob = StoredBlob("k");
        var plainJsonLength = Encoding.UTF8.GetByteCount("\"top-secret-value\"");

        Assert.That(Encoding.UTF8.GetString(blob), Does.Not.Contain("top-secret"));
        Assert.That(blob[0], Is.EqualTo(2), "format version");
        Assert.That(blob[1], Is.EqualTo(1), "encrypted flag");
        Assert.That(blob, Has.Length.EqualTo(10 + 4 + 12 + plainJsonLength + 16), "header, key id, nonce, ciphertext, tag");
    }

    [Test]
    public void Each_write_uses_a_fresh_nonce()
    {
        var layer = Layer(Encrypted(KeyA));
        layer.Set("k", "same", In(TimeSpan.FromMinutes(5)));
        var first = StoredBlob("k");
        layer.Set("k", "same", In(TimeSpan.FromMinutes(5)));
        var second = StoredBlob("k");

        Assert.That(second.AsSpan(14, 12).SequenceEqual(first.AsSpan(14, 12)), Is.False);
    }

    [Test]
    public void A_tampered_blob_is_a_counted_miss_and_the_row_is_removed()
    {
        var layer = Layer(Encrypted(KeyA));
        layer.Set("k", "value", In(TimeSpan.FromMinutes(5)));
        var blob = StoredBlob("k");
        blob[^20] ^= 0x01;
        Exec("UPDATE cachka_entries SET value = $v WHERE key = 'k'", ("$v", blob));

        Assert.That(layer.Get<string>("k").Found, Is.False);
        Assert.That(ErrorsOf("decrypt_failed"), Is.EqualTo(1));
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public void A_tampered_expiry_in_the_header_fails_authentication()
    {
        var layer = Layer(Encrypted(KeyA));
        layer.Set("k", "value", In(TimeSpan.FromMinutes(5)));
        var blob = StoredBlob("k");
        blob[5] ^= 0x10; // push the expiry far out
        Exec("UPDATE cachka_entries SET value = $v WHERE key = 'k'", ("$v", blob));

        Assert.That(layer.Get<string>("k").Found, Is.False);
        Assert.That(ErrorsOf("decrypt_failed"), Is.EqualTo(1));
    }

    [Test]
    public void A_kept_entry_has_the_format_3_layout_and_round_trips_with_both_instants()
    {
        var layer = Layer(Encrypted(KeyA));
        var expiresAt = In(TimeSpan.FromMinutes(5));
        var keepUntil = In(TimeSpan.FromHours(2));
        layer.Set("k", "value", expiresAt, keepUntil, tags: null);

        var blob = StoredBlob("k");
        Assert.That(blob[0], Is.EqualTo(3), "format version of an entry kept past its TTL (fail-safe)");
        Assert.That(blob, Has.Length.EqualTo(18 + 4 + 12 + Encoding.UTF8.GetByteCount("\"value\"") + 16), "header with the TTL's end, key id, nonce, ciphertext, tag");
        var hit = layer.Get<string>("k");
        Assert.That((hit.Value, hit.ExpiresAt.ToUnixTimeMilliseconds(), hit.KeepUntil.ToUnixTimeMilliseconds()),
            Is.EqualTo(("value", expiresAt.ToUnixTimeMilliseconds(), keepUntil.ToUnixTimeMilliseconds())));
    }

    [Test]
    public void A_tampered_end_of_ttl_fails_authentication()
    {
        var layer = Layer(Encrypted(KeyA));
        layer.Set("k", "value", In(TimeSpan.FromMinutes(5)), In(TimeSpan.FromHours(2)), tags: null);
        var blob = StoredBlob("k");
        blob[10] ^= 0x01; // move the end of the TTL by a millisecond: authenticated like the rest of the header
        Exec("UPDATE cachka_entries SET value = $v WHERE key = 'k'", ("$v", blob));

        Assert.That(layer.Get<string>("k").Found, Is.False);
        Assert.That(ErrorsOf("decrypt_failed"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_blob_moved_to_another_key_does_not_decrypt()
    {
        var layer = Layer(Encrypted(KeyA));
        layer.Set("admin", "secret", In(TimeSpan.FromMinutes(5)));
        layer.Set("guest", "public", In(TimeSpan.FromMinutes(5)));
        Exec("UPDATE cachka_entries SET value = $v WHERE key = 'guest'", ("$v", StoredBlob("admin")));

        var hit = await layer.GetAsync<string>("guest", CancellationToken.None);

        Assert.That(hit.Found, Is.False);
        Assert.That(ErrorsOf("decrypt_failed"), Is.EqualTo(1));
        Assert.That(RowCount(), Is.EqualTo(1), "only the moved row was removed");
    }

    [Test]
    public void A_row_written_with_another_key_is_a_counted_miss()
    {
        Layer(Encrypted(KeyA)).Set("k", "value", In(TimeSpan.FromMinutes(5)));

        var other = Layer(Encrypted(KeyB));

        Assert.That(other.Get<string>("k").Found, Is.False);
        Assert.That(ErrorsOf("decrypt_failed"), Is.EqualTo(1));
        Assert.That(RowCount(), Is.Zero);
    }

    [Test]
    public void During_rotation_rows_under_the_previous_key_are_still_read()
    {
        Layer(Encrypted(KeyA)).Set("old", "written-under-A", In(TimeSpan.FromMinutes(5)));

        var rotated = Layer(Encrypted(KeyB, KeyA));
        rotated.Set("new", "written-under-B", In(TimeSpan.FromMinutes(5)));

        Assert.That(rotated.Get<string>("old").Value, Is.EqualTo("written-under-A"));
        Assert.That(Layer(Encrypted(KeyB)).Get<string>("new").Value, Is.EqualTo("written-under-B"), "new writes use the current key");
        Assert.That(ErrorsOf("decrypt_failed"), Is.Zero);
    }

    [Test]
    public void A_plaintext_row_is_not_trusted_when_encryption_is_on()
    {
        Layer().Set("k", "plain", In(TimeSpan.FromMinutes(5)));

        Assert.That(Layer(Encrypted(KeyA)).Get<string>("k").Found, Is.False);
        Assert.That(ErrorsOf("decrypt_failed"), Is.EqualTo(1));
    }

    [Test]
    public void An_encrypted_row_read_without_a_key_is_a_counted_miss()
    {
        Layer(Encrypted(KeyA)).Set("k", "secret", In(TimeSpan.FromMinutes(5)));

        Assert.That(Layer().Get<string>("k").Found, Is.False);
        Assert.That(ErrorsOf("decrypt_failed"), Is.EqualTo(1));
    }

    [Test]
    public void Through_the_pipeline_a_decrypt_failure_is_a_miss_and_the_origin_serves()
    {
        Cache(Encrypted(KeyA)).Set("k", "value", ttl: TimeSpan.FromMinutes(5));
        var cache = Cache(Encrypted(KeyB));

        var value = cache.GetOrCreate("k", () => "from-origin", TimeSpan.FromMinutes(5));

        Assert.That(value, Is.EqualTo("from-origin"));
        Assert.That(cache.Metrics.ErrorCount("decrypt_failed"), Is.EqualTo(1));
        Assert.That(SqliteLayerOf(cache).Get<string>("k").Value, Is.EqualTo("from-origin"), "rewritten under the new key");
    }
}

public class SqliteConfigTests : SqliteTestBase
{
    [TestCase("notbase64!!", "'!'")]
    [TestCase("AAAA AAAA", "whitespace")]
    [TestCase("AAAA", "decodes to 3 bytes")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "decodes to 36 bytes")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not valid base64")]
    public void A_bad_encryption_key_is_rejected_with_a_clear_message(string key, string reason)
    {
        var config = new SqliteCacheConfig { EnableEncryption = true, EncryptionKey = key };

        Assert.That(config.Validate, Throws.ArgumentException.With.Message.Contains("EncryptionKey").And.Message.Contains(reason));
    }

    [Test]
    public void A_key_with_a_garbage_prefix_is_rejected()
    {
        var config = new SqliteCacheConfig { EnableEncryption = true, EncryptionKey = "!!" + CacheEncryptionKey.Generate() };

        Assert.That(config.Validate, Throws.ArgumentException);
    }

    [Test]
    public void Encryption_without_a_key_is_an_error_not_plaintext()
    {
        var config = new SqliteCacheConfig { EnableEncryption = true };

        Assert.That(config.Validate, Throws.ArgumentException.With.Message.Contains("EncryptionKey is not set"));
    }

    [Test]
    public void A_key_without_EnableEncryption_is_an_error()
    {
        var config = new SqliteCacheConfig { EncryptionKey = CacheEncryptionKey.Generate() };

        Assert.That(config.Validate, Throws.ArgumentException.With.Message.Contains("EnableEncryption is false"));
    }

    [Test]
    public void A_bad_previous_key_is_rejected()
    {
        var config = new SqliteCacheConfig { EnableEncryption = true, EncryptionKey = CacheEncryptionKey.Generate(), PreviousEncryptionKeys = ["nope"] };

        Assert.That(config.Validate, Throws.ArgumentException.With.Message.Contains("PreviousEncryptionKeys[0]"));
    }

    [Test]
    public void A_generated_key_is_valid()
    {
        var config = new SqliteCacheConfig { EnableEncryption = true, EncryptionKey = CacheEncryptionKey.Generate() };

        Assert.That(config.Validate, Throws.Nothing);
    }

    [Test]
    public void MaxKeyLength_must_hold_a_digest()
    {
        var config = new SqliteCacheConfig { MaxKeyLength = 64 };

        Assert.That(config.Validate, Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("SHA-256"));
    }

    [Test]
    public void An_empty_DbPath_is_rejected()
    {
        var config = new SqliteCacheConfig { DbPath = " " };

        Assert.That(config.Validate, Throws.ArgumentException.With.Message.Contains("DbPath"));
    }

    [Test]
    public void Validation_happens_when_the_cache_is_built()
    {
        var config = new CacheConfig { Layers = [new MemoryCacheConfig(), new SqliteCacheConfig { EnableEncryption = true }] };

        Assert.That(() => new LayeredCache(config), Throws.ArgumentException.With.Message.Contains("EncryptionKey"));
    }

    [Test]
    public void The_defaults_match_the_documentation()
    {
        var config = new SqliteCacheConfig();

        Assert.That(config.DbPath, Is.EqualTo("cache.db"));
        Assert.That(config.Name, Is.EqualTo("sqlite_cache"));
        Assert.That(config.MaxKeyLength, Is.EqualTo(512));
        Assert.That(config.MaxPayloadBytes, Is.EqualTo(16 * 1024 * 1024));
        Assert.That(config.EnableEncryption, Is.False);
        Assert.That(config.Serializer, Is.SameAs(JsonCacheSerializer.Default));
    }

    [Test]
    public void The_embedded_default_is_memory_plus_sqlite_cache_db()
    {
        var layers = CacheConfig.Default.Layers;

        Assert.That(layers.Select(l => l.GetType()), Is.EqualTo(new[] { typeof(MemoryCacheConfig), typeof(SqliteCacheConfig) }));
        Assert.That(((SqliteCacheConfig)layers[1]).DbPath, Is.EqualTo("cache.db"));
    }
}

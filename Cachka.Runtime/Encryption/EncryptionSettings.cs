namespace Cachka.Encryption;

/// <summary>
/// The encryption settings every serializing layer's config has (EnableEncryption, EncryptionKey,
/// PreviousEncryptionKeys): one set of checks, with messages that name the config's own setting.
/// </summary>
internal static class EncryptionSettings
{
    /// <summary>Throws with a message naming the bad setting of <paramref name="config"/> (for example "RedisCacheConfig").</summary>
    public static void Validate(string config, bool enabled, string? key, IReadOnlyList<string>? previousKeys)
    {
        if (previousKeys is null)
            throw new ArgumentException($"{config}.PreviousEncryptionKeys must not be null (use an empty list).", "PreviousEncryptionKeys");
        if (enabled && string.IsNullOrEmpty(key))
            throw new ArgumentException(
                $"{config}.EnableEncryption is true but EncryptionKey is not set: give a base64 key of exactly 32 bytes (CacheEncryptionKey.Generate() makes one). Values are never stored in plaintext by mistake.",
                "EncryptionKey");
        if (!enabled && !string.IsNullOrEmpty(key))
            throw new ArgumentException(
                $"{config}.EncryptionKey is set but EnableEncryption is false: set EnableEncryption = true to encrypt, or remove the key.",
                "EnableEncryption");
        if (key is not null)
            Parse(key, $"{config}.EncryptionKey", "EncryptionKey");
        for (var i = 0; i < previousKeys.Count; i++)
            Parse(previousKeys[i], $"{config}.PreviousEncryptionKeys[{i}]", "PreviousEncryptionKeys");
    }

    /// <summary>The cipher for validated settings, or null when encryption is off.</summary>
    public static EnvelopeCipher? CreateCipher(string config, bool enabled, string? key, IReadOnlyList<string> previousKeys)
    {
        if (!enabled)
            return null;
        var current = Parse(key, $"{config}.EncryptionKey", "EncryptionKey");
        var previous = new List<byte[]>(previousKeys.Count);
        foreach (var old in previousKeys)
            previous.Add(Parse(old, $"{config}.PreviousEncryptionKeys", "PreviousEncryptionKeys"));
        return new EnvelopeCipher(current, previous);
    }

    private static byte[] Parse(string? base64, string setting, string parameter) =>
        CacheEncryptionKey.TryParse(base64, out var error)
        ?? throw new ArgumentException($"{setting} is invalid: {error}. It must be standard base64 of exactly 32 bytes (CacheEncryptionKey.Generate() makes one).", parameter);
}

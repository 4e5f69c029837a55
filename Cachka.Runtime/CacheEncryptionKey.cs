using System.Security.Cryptography;

namespace Cachka;

/// <summary>Creates and checks the AES-256 keys used to encrypt cache entries (base64 of exactly 32 bytes).</summary>
public static class CacheEncryptionKey
{
    /// <summary>Key size in bytes (AES-256).</summary>
    public const int SizeInBytes = 32;

    /// <summary>A fresh random key, base64-encoded, ready for <see cref="SqliteCacheConfig.EncryptionKey"/>.</summary>
    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(SizeInBytes));

    /// <summary>
    /// Decodes a key strictly: standard base64 alphabet and padding only (no whitespace, no URL-safe characters,
    /// nothing ignored), decoding to exactly 32 bytes. Returns null and a message saying what is wrong otherwise.
    /// </summary>
    public static byte[]? TryParse(string? base64, out string? error)
    {
        if (string.IsNullOrEmpty(base64))
        {
            error = "the key is empty";
            return null;
        }

        foreach (var c in base64)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/' or '='))
            {
                error = c is ' ' or '\t' or '\r' or '\n'
                    ? "the key contains whitespace"
                    : $"the key contains '{c}', which is not a base64 character";
                return null;
            }
        }

        var bytes = new byte[(base64.Length / 4 * 3) + 3];
        if (base64.Length % 4 != 0 || !Convert.TryFromBase64String(base64, bytes, out var written))
        {
            error = "the key is not valid base64 (wrong length or padding)";
            return null;
        }

        if (written != SizeInBytes)
        {
            error = $"the key decodes to {written} bytes; AES-256 needs exactly {SizeInBytes}";
            return null;
        }

        error = null;
        return bytes.AsSpan(0, SizeInBytes).ToArray();
    }
}

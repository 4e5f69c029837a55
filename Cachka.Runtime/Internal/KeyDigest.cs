using System.Security.Cryptography;
using System.Text;

namespace Cachka.Internal;

/// <summary>
/// Fits keys into a storage layer's length limit: a key longer than the limit becomes a readable prefix,
/// <c>'#'</c>, and the SHA-256 (lowercase hex) of the whole key's UTF-8 bytes. Never rejected, never
/// truncated into a collision; layers keep the full key beside the entry and compare it on read.
/// </summary>
internal static class KeyDigest
{
    public const int HexLength = 64;
    public const char Separator = '#';

    /// <summary>The smallest limit that still leaves 15 characters of readable prefix.</summary>
    public const int MinimumMaxLength = HexLength + 1 + 15;

    /// <summary>The key itself when it fits, otherwise its shortened form; <paramref name="shortened"/> says which.</summary>
    public static string Fit(string key, int maxLength, out bool shortened)
    {
        if (key.Length <= maxLength)
        {
            shortened = false;
            return key;
        }

        shortened = true;
        var prefixLength = maxLength - HexLength - 1;
        if (char.IsHighSurrogate(key[prefixLength - 1]))
            prefixLength--; // never split a surrogate pair

        Span<byte> hash = stackalloc byte[32];
        var bytes = Encoding.UTF8.GetBytes(key);
        SHA256.HashData(bytes, hash);
        return string.Create(prefixLength + 1 + HexLength, (key, prefixLength, Hash: Convert.ToHexStringLower(hash)), static (span, state) =>
        {
            state.key.AsSpan(0, state.prefixLength).CopyTo(span);
            span[state.prefixLength] = Separator;
            state.Hash.AsSpan().CopyTo(span[(state.prefixLength + 1)..]);
        });
    }
}

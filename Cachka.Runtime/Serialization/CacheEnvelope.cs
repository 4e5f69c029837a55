using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Cachka.Encryption;

namespace Cachka.Serialization;

/// <summary>
/// The versioned byte layout of one stored entry (formats 2 and 3):
/// <code>
/// [0]      format version (2, or 3 for an entry kept past its TTL by fail-safe)
/// [1]      flags (bit 0: encrypted)
/// [2..10)  absolute expiry (the entry is gone after it), Unix milliseconds, little-endian int64
/// format 3 only: [10..18) end of the TTL (fresh until; stale, a fail-safe fallback, after it)
/// plain:     [h..)  payload (serializer output), h = 10 (format 2) or 18 (format 3)
/// encrypted: [h..h+4) key id | nonce(12) | ciphertext | tag(16)
///            associated data = bytes [0..h+4) followed by the UTF-8 full cache key
/// </code>
/// An entry whose TTL ends when it expires is written in format 2 (byte for byte what earlier versions wrote).
/// Anything else (another version, unknown flags, a truncated blob, a failed tag) does not open. Format 1 had the same
/// layout but was written before values were checked for exact round trips (a value tuple was stored as <c>{}</c>):
/// its rows are never trusted.
/// </summary>
internal static class CacheEnvelope
{
    public const byte Version = 2;
    public const byte KeptVersion = 3;
    public const byte FlagEncrypted = 1;
    public const int HeaderSize = 10;
    public const int KeptHeaderSize = HeaderSize + 8;
    private const int StackLimit = 1024;

    public static int SealedLength(int payloadLength, EnvelopeCipher? cipher, bool kept = false) =>
        (kept ? KeptHeaderSize : HeaderSize) + payloadLength + (cipher is null ? 0 : EnvelopeCipher.Overhead);

    /// <summary>
    /// Builds the stored blob for <paramref name="payload"/>: gone after <paramref name="keepUntilMs"/>, fresh until
    /// <paramref name="freshUntilMs"/> (the same instant for an entry not kept past its TTL).
    /// </summary>
    public static byte[] Seal(ReadOnlySpan<byte> payload, long freshUntilMs, long keepUntilMs, string key, EnvelopeCipher? cipher)
    {
        var kept = freshUntilMs < keepUntilMs;
        var header = kept ? KeptHeaderSize : HeaderSize;
        var blob = new byte[SealedLength(payload.Length, cipher, kept)];
        blob[0] = kept ? KeptVersion : Version;
        blob[1] = cipher is null ? (byte)0 : FlagEncrypted;
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(2, 8), keepUntilMs);
        if (kept)
            BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(HeaderSize, 8), freshUntilMs);
        if (cipher is null)
        {
            payload.CopyTo(blob.AsSpan(header));
            return blob;
        }

        cipher.CurrentKeyId.CopyTo(blob.AsSpan(header, EnvelopeCipher.KeyIdSize));
        var max = MaxAssociatedDataLength(key, header);
        byte[]? rented = null;
        var aad = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            aad = aad[..WriteAssociatedData(blob.AsSpan(0, header + EnvelopeCipher.KeyIdSize), key, aad)];
            cipher.Seal(payload, blob.AsSpan(header), aad);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }

        return blob;
    }

    /// <summary>
    /// Opens a stored blob. On <see cref="EnvelopeStatus.Ok"/>, <paramref name="payload"/> is the serializer input;
    /// it may live in <paramref name="rented"/>, which the caller returns to <see cref="ArrayPool{T}.Shared"/>.
    /// </summary>
    public static EnvelopeStatus Open(ReadOnlySpan<byte> blob, string key, EnvelopeCipher? cipher, out long freshUntilMs, out long keepUntilMs, out ReadOnlySpan<byte> payload, out byte[]? rented)
    {
        payload = default;
        rented = null;
        freshUntilMs = keepUntilMs = 0;
        if (blob.Length < HeaderSize || (blob[0] != Version && blob[0] != KeptVersion) || (blob[1] & ~FlagEncrypted) != 0)
            return EnvelopeStatus.Invalid;
        var header = blob[0] == KeptVersion ? KeptHeaderSize : HeaderSize;
        if (blob.Length < header)
            return EnvelopeStatus.Invalid;
        keepUntilMs = BinaryPrimitives.ReadInt64LittleEndian(blob.Slice(2, 8));
        freshUntilMs = header == KeptHeaderSize ? BinaryPrimitives.ReadInt64LittleEndian(blob.Slice(HeaderSize, 8)) : keepUntilMs;
        if (freshUntilMs > keepUntilMs)
            return EnvelopeStatus.Invalid;
        var encrypted = (blob[1] & FlagEncrypted) != 0;
        if (cipher is null)
        {
            if (encrypted)
                return EnvelopeStatus.DecryptFailed; // written with encryption, read without a key
            payload = blob[header..];
            return EnvelopeStatus.Ok;
        }

        // With encryption on, an unauthenticated (plain) entry is never trusted.
        if (!encrypted)
            return EnvelopeStatus.DecryptFailed;
        if (blob.Length < header + EnvelopeCipher.Overhead)
            return EnvelopeStatus.Invalid;

        var plainLength = blob.Length - header - EnvelopeCipher.Overhead;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(plainLength, 1));
        var max = MaxAssociatedDataLength(key, header);
        byte[]? rentedAad = null;
        var aad = max <= StackLimit ? stackalloc byte[StackLimit] : (rentedAad = ArrayPool<byte>.Shared.Rent(max));
        bool opened;
        try
        {
            aad = aad[..WriteAssociatedData(blob[..(header + EnvelopeCipher.KeyIdSize)], key, aad)];
            opened = cipher.TryOpen(blob[header..], buffer.AsSpan(0, plainLength), aad);
        }
        finally
        {
            if (rentedAad is not null)
                ArrayPool<byte>.Shared.Return(rentedAad);
        }

        if (!opened)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return EnvelopeStatus.DecryptFailed;
        }

        rented = buffer;
        payload = buffer.AsSpan(0, plainLength);
        return EnvelopeStatus.Ok;
    }

    private static int MaxAssociatedDataLength(string key, int header) => header + EnvelopeCipher.KeyIdSize + Encoding.UTF8.GetMaxByteCount(key.Length);

    private static int WriteAssociatedData(ReadOnlySpan<byte> header, string key, Span<byte> destination)
    {
        header.CopyTo(destination);
        return header.Length + Encoding.UTF8.GetBytes(key, destination[header.Length..]);
    }
}

internal enum EnvelopeStatus
{
    Ok,
    Invalid,
    DecryptFailed,
}

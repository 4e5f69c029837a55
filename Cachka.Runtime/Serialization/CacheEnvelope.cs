using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Cachka.Encryption;

namespace Cachka.Serialization;

/// <summary>
/// The versioned byte layout of one stored entry (format 2):
/// <code>
/// [0]      format version (2)
/// [1]      flags (bit 0: encrypted)
/// [2..10)  absolute expiry, Unix milliseconds, little-endian int64
/// plain:     [10..)  payload (serializer output)
/// encrypted: [10..14) key id | [14..26) nonce | ciphertext | tag(16)
///            associated data = bytes [0..14) followed by the UTF-8 full cache key
/// </code>
/// Anything else (another version, unknown flags, a truncated blob, a failed tag) does not open. Format 1 had the same
/// layout but was written before values were checked for exact round trips (a value tuple was stored as <c>{}</c>):
/// its rows are never trusted.
/// </summary>
internal static class CacheEnvelope
{
    public const byte Version = 2;
    public const byte FlagEncrypted = 1;
    public const int HeaderSize = 10;
    private const int AuthenticatedHeaderSize = HeaderSize + EnvelopeCipher.KeyIdSize;
    private const int StackLimit = 1024;

    public static int SealedLength(int payloadLength, EnvelopeCipher? cipher) =>
        HeaderSize + payloadLength + (cipher is null ? 0 : EnvelopeCipher.Overhead);

    /// <summary>Builds the stored blob for <paramref name="payload"/>.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> payload, long expiresAtMs, string key, EnvelopeCipher? cipher)
    {
        var blob = new byte[SealedLength(payload.Length, cipher)];
        blob[0] = Version;
        blob[1] = cipher is null ? (byte)0 : FlagEncrypted;
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(2, 8), expiresAtMs);
        if (cipher is null)
        {
            payload.CopyTo(blob.AsSpan(HeaderSize));
            return blob;
        }

        cipher.CurrentKeyId.CopyTo(blob.AsSpan(HeaderSize, EnvelopeCipher.KeyIdSize));
        var max = MaxAssociatedDataLength(key);
        byte[]? rented = null;
        var aad = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            aad = aad[..WriteAssociatedData(blob.AsSpan(0, AuthenticatedHeaderSize), key, aad)];
            cipher.Seal(payload, blob.AsSpan(HeaderSize), aad);
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
    public static EnvelopeStatus Open(ReadOnlySpan<byte> blob, string key, EnvelopeCipher? cipher, out long expiresAtMs, out ReadOnlySpan<byte> payload, out byte[]? rented)
    {
        payload = default;
        rented = null;
        expiresAtMs = 0;
        if (blob.Length < HeaderSize || blob[0] != Version || (blob[1] & ~FlagEncrypted) != 0)
            return EnvelopeStatus.Invalid;
        expiresAtMs = BinaryPrimitives.ReadInt64LittleEndian(blob.Slice(2, 8));
        var encrypted = (blob[1] & FlagEncrypted) != 0;
        if (cipher is null)
        {
            if (encrypted)
                return EnvelopeStatus.DecryptFailed; // written with encryption, read without a key
            payload = blob[HeaderSize..];
            return EnvelopeStatus.Ok;
        }

        // With encryption on, an unauthenticated (plain) entry is never trusted.
        if (!encrypted)
            return EnvelopeStatus.DecryptFailed;
        if (blob.Length < HeaderSize + EnvelopeCipher.Overhead)
            return EnvelopeStatus.Invalid;

        var plainLength = blob.Length - HeaderSize - EnvelopeCipher.Overhead;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(plainLength, 1));
        var max = MaxAssociatedDataLength(key);
        byte[]? rentedAad = null;
        var aad = max <= StackLimit ? stackalloc byte[StackLimit] : (rentedAad = ArrayPool<byte>.Shared.Rent(max));
        bool opened;
        try
        {
            aad = aad[..WriteAssociatedData(blob[..AuthenticatedHeaderSize], key, aad)];
            opened = cipher.TryOpen(blob[HeaderSize..], buffer.AsSpan(0, plainLength), aad);
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

    private static int MaxAssociatedDataLength(string key) => AuthenticatedHeaderSize + Encoding.UTF8.GetMaxByteCount(key.Length);

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

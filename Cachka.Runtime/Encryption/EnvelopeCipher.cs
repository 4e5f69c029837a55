using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Cachka.Encryption;

/// <summary>
/// AES-256-GCM for cache envelopes: a fresh random 12-byte nonce per seal, a 16-byte tag, caller-supplied
/// associated data (the envelope header and the full cache key, so a blob moved to another key or with an
/// edited header fails to open). Sealed output is <c>keyId(4) | nonce(12) | ciphertext | tag(16)</c>; the key id
/// says which key to try first during key rotation (new seals always use the current key).
/// </summary>
internal sealed class EnvelopeCipher : IDisposable
{
    public const int KeyIdSize = 4;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = KeyIdSize + NonceSize + TagSize;

    private readonly Slot[] _keys;

    public EnvelopeCipher(byte[] current, IEnumerable<byte[]> previous)
    {
        var keys = new List<Slot> { new(current) };
        foreach (var key in previous)
        {
            if (!keys.Exists(k => k.Id.AsSpan().SequenceEqual(Slot.IdOf(key))))
                keys.Add(new Slot(key));
        }

        _keys = [.. keys];
    }

    public int KeyCount => _keys.Length;

    /// <summary>The current key's id, written in the header (and so covered by the associated data).</summary>
    public ReadOnlySpan<byte> CurrentKeyId => _keys[0].Id;

    /// <summary>Seals <paramref name="plaintext"/> into <paramref name="destination"/> (<c>Overhead</c> bytes longer); the key id is written by the caller.</summary>
    public void Seal(ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        var nonce = destination.Slice(KeyIdSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var cipherText = destination.Slice(KeyIdSize + NonceSize, plaintext.Length);
        var tag = destination.Slice(KeyIdSize + NonceSize + plaintext.Length, TagSize);
        var slot = _keys[0];
        var aes = slot.Rent();
        try
        {
            aes.Encrypt(nonce, plaintext, cipherText, tag, associatedData);
        }
        finally
        {
            slot.Return(aes);
        }
    }

    /// <summary>Opens a sealed block (starting at the key id) into <paramref name="plaintext"/>; false when no key authenticates it.</summary>
    public bool TryOpen(ReadOnlySpan<byte> sealedBlock, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        if (sealedBlock.Length < Overhead || plaintext.Length < sealedBlock.Length - Overhead)
            return false;
        var keyId = sealedBlock[..KeyIdSize];
        var nonce = sealedBlock.Slice(KeyIdSize, NonceSize);
        var cipherText = sealedBlock[(KeyIdSize + NonceSize)..^TagSize];
        var tag = sealedBlock[^TagSize..];
        var output = plaintext[..cipherText.Length];

        // The key named by the id first; the others only if it fails (an id collision or a forged id).
        var first = -1;
        for (var i = 0; i < _keys.Length; i++)
        {
            if (keyId.SequenceEqual(_keys[i].Id))
            {
                first = i;
                if (TryDecrypt(_keys[i], nonce, cipherText, tag, output, associatedData))
                    return true;
                break;
            }
        }

        for (var i = 0; i < _keys.Length; i++)
        {
            if (i != first && TryDecrypt(_keys[i], nonce, cipherText, tag, output, associatedData))
                return true;
        }

        output.Clear();
        return false;
    }

    private static bool TryDecrypt(Slot slot, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> cipherText, ReadOnlySpan<byte> tag, Span<byte> output, ReadOnlySpan<byte> associatedData)
    {
        var aes = slot.Rent();
        try
        {
            aes.Decrypt(nonce, cipherText, tag, output, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            slot.Return(aes);
        }
    }

    public void Dispose()
    {
        foreach (var slot in _keys)
            slot.Dispose();
    }

    // AesGcm instances are not shared between threads: each key keeps a few for reuse.
    private sealed class Slot(byte[] key) : IDisposable
    {
        private const int MaxPooled = 16;
        private readonly ConcurrentQueue<AesGcm> _pool = new();
        private int _pooled;

        public byte[] Id { get; } = IdOf(key);

        public static byte[] IdOf(byte[] key)
        {
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(key, hash);
            return hash[..KeyIdSize].ToArray();
        }

        public AesGcm Rent()
        {
            if (_pool.TryDequeue(out var aes))
            {
                Interlocked.Decrement(ref _pooled);
                return aes;
            }

            return new AesGcm(key, TagSize);
        }

        public void Return(AesGcm aes)
        {
            if (Interlocked.Increment(ref _pooled) <= MaxPooled)
            {
                _pool.Enqueue(aes);
                return;
            }

            Interlocked.Decrement(ref _pooled);
            aes.Dispose();
        }

        public void Dispose()
        {
            while (_pool.TryDequeue(out var aes))
                aes.Dispose();
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cachka.Internal;

/// <summary>The hash of a string key for the tables Cachka keeps itself (the memory layer's index, the flights).</summary>
internal static class KeyHash
{
    // A per-process random key, so no one outside the process can choose keys that share buckets.
    private static readonly ulong s_seed0 = (ulong)Random.Shared.NextInt64() | 1;
    private static readonly ulong s_seed1 = (ulong)Random.Shared.NextInt64() | 1;
    private static readonly ulong s_seed2 = (ulong)Random.Shared.NextInt64() | 1;

    /// <summary>
    /// A key's hash: a keyed folded-multiply hash over its UTF-16 bytes, 16 at a time (about 7 ns for a 23-character
    /// key, where <see cref="string.GetHashCode()"/> takes 16 and a hit would pay it). Randomly keyed per process like
    /// <see cref="HashCode"/>, which the typed keys use; not a cryptographic hash. Its low bits choose buckets.
    /// </summary>
    public static int Of(string key)
    {
        var bytes = MemoryMarshal.AsBytes(key.AsSpan());
        ref var start = ref MemoryMarshal.GetReference(bytes);
        var length = bytes.Length;
        var hash = s_seed0 ^ (ulong)length;
        var i = 0;
        for (; length - i > 16; i += 16)
            hash = Fold(Read8(ref start, i) ^ s_seed1, Read8(ref start, i + 8) ^ hash);

        // The last 1 to 16 bytes (overlapping what came before; the length is in the hash).
        ulong low, high;
        var rest = length - i;
        if (rest >= 8)
        {
            low = Read8(ref start, i);
            high = Read8(ref start, length - 8);
        }
        else if (rest >= 4)
        {
            low = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
            high = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - 4));
        }
        else
        {
            low = rest == 0 ? 0UL : Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            high = 0;
        }

        hash = Fold(Fold(low ^ s_seed1, high ^ hash), s_seed2);
        return (int)hash ^ (int)(hash >> 32);
    }

    private static ulong Read8(ref byte start, int offset) => Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, offset));

    private static ulong Fold(ulong a, ulong b)
    {
        var high = Math.BigMul(a, b, out var low);
        return high ^ low;
    }
}

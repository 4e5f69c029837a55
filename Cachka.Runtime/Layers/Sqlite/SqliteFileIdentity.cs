using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cachka.Layers.Sqlite;

/// <summary>
/// Which file a path names: device, inode and birth time on Linux (<c>statx</c>; the birth time where the file
/// system records it, so a reused inode number still tells two files apart), volume serial number and file index
/// on Windows (<c>GetFileInformationByHandle</c>). Two identities are equal only for the same file, so a database
/// file that was deleted and recreated, or replaced by another file, no longer matches the one SQLite opened.
/// Elsewhere (or where the call is not available) only whether the file exists is known.
/// </summary>
internal readonly record struct SqliteFileIdentity(ulong Device, ulong File, ulong Birth = 0)
{
    private static int s_unavailable;

    /// <summary>The identity of the file at <paramref name="path"/>, null when there is none; <see cref="Unknown"/> where the platform cannot tell.</summary>
    public static SqliteFileIdentity? Of(string path)
    {
        if (!System.IO.File.Exists(path))
            return null;
        if (Volatile.Read(ref s_unavailable) != 0)
            return Unknown;
        try
        {
            if (OperatingSystem.IsLinux())
                return Linux(path);
            if (OperatingSystem.IsWindows())
                return Windows(path);
        }
        catch (Exception error) when (error is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref s_unavailable, 1);
        }

        return Unknown;
    }

    /// <summary>A file exists, but which one is not known: it matches any identity.</summary>
    public static SqliteFileIdentity Unknown => default;

    public bool IsUnknown => this == default;

    /// <summary>Whether the two name the same file (an unknown identity matches any).</summary>
    public bool SameFileAs(SqliteFileIdentity other) => IsUnknown || other.IsUnknown || this == other;

    private static SqliteFileIdentity? Linux(string path)
    {
        var buffer = new byte[StatxSize];
        if (statx(AtFdCwd, path, 0, StatxBasicStats | StatxBirthTime, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT || errno == ENOTDIR)
                return null;
            if (errno == ENOSYS)
                Volatile.Write(ref s_unavailable, 1);
            return Unknown;
        }

        var inode = BitConverter.ToUInt64(buffer, 32);
        var device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
        var birth = (BitConverter.ToUInt32(buffer, 0) & StatxBirthTime) != 0
            ? (BitConverter.ToUInt64(buffer, 80) * 1_000_000_000UL) + BitConverter.ToUInt32(buffer, 88)
            : 0;
        return new SqliteFileIdentity(device, inode, birth);
    }

    private static SqliteFileIdentity? Windows(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Unknown;
        }

        using (handle)
        {
            if (!GetFileInformationByHandle(handle, out var info))
                return Unknown;
            return new SqliteFileIdentity(info.VolumeSerialNumber, ((ulong)info.FileIndexHigh << 32) | info.FileIndexLow);
        }
    }

    // struct statx has the same layout on every Linux architecture: stx_mask at 0, stx_ino at 32, stx_btime at 80
    // (seconds, then nanoseconds at 88), stx_dev_major/minor at 136/140.
    private const int StatxSize = 256;
    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x7ff, StatxBirthTime = 0x800;
    private const int ENOENT = 2, ENOTDIR = 20, ENOSYS = 38;

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string pathname, int flags, uint mask, [Out] byte[] statxbuf);

    // FILETIME is two DWORDs: 4-byte packing keeps the fields where Windows puts them.
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct ByHandleFileInformation
    {
        public uint FileAttributes;
        public ulong CreationTime;
        public ulong LastAccessTime;
        public ulong LastWriteTime;
        public uint VolumeSerialNumber;
        public uint FileSizeHigh;
        public uint FileSizeLow;
        public uint NumberOfLinks;
        public uint FileIndexHigh;
        public uint FileIndexLow;
    }

    [DllImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool GetFileInformationByHandle(SafeFileHandle file, out ByHandleFileInformation information);
}

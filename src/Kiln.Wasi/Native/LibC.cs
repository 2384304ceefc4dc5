using System.Runtime.InteropServices;

namespace Kiln.Wasi.Native;

/// <summary>
/// The libc calls the sandbox is built on: the <c>*at</c> family relative to directory
/// descriptors, so every path is resolved one component at a time from a descriptor Kiln holds,
/// never from the process's working directory or root. Constants are Linux x86-64 values.
/// </summary>
internal static unsafe partial class LibC
{
    public const int ORdonly = 0;
    public const int OWronly = 1;
    public const int ORdwr = 2;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int ONoctty = 0x100;
    public const int OTrunc = 0x200;
    public const int OAppend = 0x400;
    public const int ONonblock = 0x800;
    public const int ODsync = 0x1000;
    public const int ODirectory = 0x10000;
    public const int ONofollow = 0x20000;
    public const int OCloexec = 0x80000;
    public const int OSync = 0x101000;
    public const int OPath = 0x200000;

    public const int AtSymlinkNofollow = 0x100;
    public const int AtRemovedir = 0x200;
    public const int AtEmptyPath = 0x1000;

    public const int FGetfl = 3;
    public const int FSetfl = 4;
    public const int FDupfdCloexec = 1030;

    public const int SeekSet = 0;
    public const int SeekCur = 1;
    public const int SeekEnd = 2;

    public const long UtimeNow = (1L << 30) - 1;
    public const long UtimeOmit = (1L << 30) - 2;

    public const uint SIfmt = 0xF000;
    public const uint SIfdir = 0x4000;
    public const uint SIfreg = 0x8000;
    public const uint SIflnk = 0xA000;
    public const uint SIfchr = 0x2000;
    public const uint SIfblk = 0x6000;
    public const uint SIfifo = 0x1000;
    public const uint SIfsock = 0xC000;

    public const short PollIn = 1;
    public const short PollOut = 4;
    public const short PollErr = 8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    public const ulong FionRead = 0x541B;

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int dirFd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int FDataSync(int fd);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(int fd, long length);

    /// <summary>Returns an error number (not -1 and errno).</summary>
    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    public static partial int PosixFallocate(int fd, long offset, long length);

    /// <summary>Returns an error number (not -1 and errno).</summary>
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    public static partial int PosixFadvise(int fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    public static partial int FStat(int fd, out Stat stat);

    [LibraryImport("libc", EntryPoint = "fstatat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FStatAt(int dirFd, string path, out Stat stat, int flags);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(int dirFd, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int dirFd, string path, int flags);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt(int oldDirFd, string oldPath, int newDirFd, string newPath);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LinkAt(int oldDirFd, string oldPath, int newDirFd, string newPath, int flags);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SymlinkAt(string target, int newDirFd, string linkPath);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ReadlinkAt(int dirFd, string path, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UtimensAt(int dirFd, string path, Timespec* times, int flags);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    public static partial int FUtimens(int fd, Timespec* times);

    [LibraryImport("libc", EntryPoint = "fdopendir", SetLastError = true)]
    public static partial nint FdOpenDir(int fd);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    public static partial nint ReadDir(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(nint dir);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, ulong request, out int value);

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGetTime(int clock, out Timespec time);

    [LibraryImport("libc", EntryPoint = "clock_getres", SetLastError = true)]
    public static partial int ClockGetRes(int clock, out Timespec resolution);

    [LibraryImport("libc", EntryPoint = "isatty")]
    public static partial int IsATty(int fd);
}

/// <summary>glibc's <c>struct stat</c> on x86-64 (144 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Stat
{
    public ulong Dev;
    public ulong Ino;
    public ulong Nlink;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public int Pad0;
    public ulong Rdev;
    public long Size;
    public long BlkSize;
    public long Blocks;
    public Timespec Atime;
    public Timespec Mtime;
    public Timespec Ctime;
    public long Reserved0;
    public long Reserved1;
    public long Reserved2;

    public readonly uint Format => Mode & LibC.SIfmt;
}

[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    public long Seconds;
    public long Nanoseconds;

    public readonly ulong ToNanoseconds() => Seconds < 0 ? 0 : (ulong)Seconds * 1_000_000_000UL + (ulong)Nanoseconds;

    public static Timespec FromNanoseconds(ulong ns) => new() { Seconds = (long)(ns / 1_000_000_000UL), Nanoseconds = (long)(ns % 1_000_000_000UL) };
}

[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

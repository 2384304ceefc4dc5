using System.Runtime.InteropServices;

namespace Kiln.Isolation.Native;

/// <summary>
/// The libc calls the sandbox needs: prctl and the raw seccomp system call, rlimits, and signal dispositions.
/// Declared with <c>SetLastError</c> so callers read errno through <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    public const int PrSetNoNewPrivs = 38;
    public const int PrSetSeccomp = 22;
    public const int SeccompModeFilter = 2;
    public const int SeccompSetModeFilter = 1;
    public const uint SeccompFilterFlagTsync = 1;
    public const long SysSeccomp = 317;

    public const int RlimitCpu = 0;
    public const int RlimitFsize = 1;
    public const int RlimitCore = 4;
    public const int RlimitNofile = 7;
    public const int RlimitAs = 9;

    public const int Sigxfsz = 25;

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SockFprog
    {
        public ushort Length;
        public void* Filter;
    }

    [LibraryImport(Library, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, nuint arg1, nuint arg2, nuint arg3);

    [LibraryImport(Library, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int Getrlimit(int resource, RLimit* limit);

    [LibraryImport(Library, EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int Setrlimit(int resource, RLimit* limit);

    public const int FGetfd = 1;
    public const int FSetfd = 2;
    public const int FGetfl = 3;
    public const int FSetfl = 4;
    public const int FdCloexec = 1;
    public const int ONonblock = 0x800;

    [LibraryImport(Library, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    public const ulong MsRdonly = 1;
    public const ulong MsNosuid = 2;
    public const ulong MsNodev = 4;
    public const ulong MsNoexec = 8;
    public const ulong MsRemount = 32;
    public const ulong MsNoatime = 1024;
    public const ulong MsNodiratime = 2048;
    public const ulong MsBind = 4096;
    public const ulong MsRec = 16384;
    public const ulong MsPrivate = 1 << 18;
    public const ulong MsRelatime = 1 << 21;
    public const int MntDetach = 2;
    public const long SysPivotRoot = 155;

    [StructLayout(LayoutKind.Sequential)]
    public struct StatVfs
    {
        public ulong BlockSize, FragmentSize, Blocks, BlocksFree, BlocksAvailable, Files, FilesFree, FilesAvailable, FileSystemId, Flags, NameMax;
        public fixed int Spare[6];
    }

    [LibraryImport(Library, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string? source, string target, string? fileSystemType, ulong flags, nint data);

    [LibraryImport(Library, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport(Library, EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statvfs(string path, StatVfs* result);

    [LibraryImport(Library, EntryPoint = "chdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chdir(string path);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial long SyscallPaths(long number, string first, string second);

    [LibraryImport(Library, EntryPoint = "signal", SetLastError = true)]
    public static partial nint Signal(int signal, nint handler);

    /// <summary>"EPERM (Operation not permitted)"-style text for an errno.</summary>
    public static string Describe(int errno) => $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})";
}

using System.Runtime.InteropServices;

namespace Kiln.Jit.Interop;

/// <summary>
/// The libc calls that code memory needs (mmap, munmap, mprotect, memfd_create, ftruncate, close, sysconf).
/// Declared with <see cref="LibraryImportAttribute"/> so the marshalling is generated at compile time, and
/// with <c>SetLastError</c> so callers read errno through <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    public const int ProtNone = 0x0;
    public const int ProtRead = 0x1;
    public const int ProtWrite = 0x2;
    public const int ProtExec = 0x4;

    public const int MapShared = 0x01;
    public const int MapPrivate = 0x02;
    public const int MapFixed = 0x10;
    public const int MapAnonymous = 0x20;
    public const int MapNoReserve = 0x4000;

    public const uint MfdCloexec = 0x0001;
    // Since Linux 6.3: ask for an executable memfd explicitly, so a system with vm.memfd_noexec=1 does not seal it non-executable.
    public const uint MfdExec = 0x0010;

    private const int ScPageSize = 30;

    /// <summary>The value <c>mmap</c> returns on failure.</summary>
    public static readonly nint MapFailed = -1;

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "mprotect", SetLastError = true)]
    public static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport(Library, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "sysconf", SetLastError = true)]
    private static partial long Sysconf(int name);

    private static readonly nuint s_pageSize = QueryPageSize();

    /// <summary>The kernel's page size, the unit of every protection change.</summary>
    public static nuint PageSize => s_pageSize;

    private static nuint QueryPageSize()
    {
        long size = Sysconf(ScPageSize);
        // A page size that is not a power of two would break every rounding in code memory: refuse it loudly.
        if (size <= 0 || (size & (size - 1)) != 0)
        {
            throw new InvalidOperationException($"sysconf(_SC_PAGESIZE) returned {size}; errno {Errno.Describe(Marshal.GetLastPInvokeError())}");
        }
        return (nuint)size;
    }
}

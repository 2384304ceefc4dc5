using System.Runtime.InteropServices;
using Kiln.Jit.Interop;

namespace Kiln.Jit;

/// <summary>
/// The page-level system calls of the Linux backends, each counted in <see cref="CodeMemoryCounters"/> as it
/// is made and each turning a failure into a <see cref="CodeMemoryException"/> that names the call and errno.
/// Keeping the counting here is what makes the statistics honest: no path reaches libc around it.
/// </summary>
internal static class PageSyscalls
{
    public static nint Map(CodeMemoryCounters counters, nint address, nuint length, int protection, int flags, int fd, long offset, string what)
    {
        CodeMemoryCounters.Increment(ref counters.MapCalls);
        nint result = LibC.Mmap(address, length, protection, flags, fd, offset);
        if (result == LibC.MapFailed)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new CodeMemoryException($"mmap of {length} bytes for {what} failed: {Errno.Describe(errno)}", errno);
        }
        // SECURITY: MAP_FIXED replaces whatever was there; it is only ever used inside a range this code mapped itself.
        if ((flags & LibC.MapFixed) != 0 && result != address)
        {
            throw new CodeMemoryException($"mmap MAP_FIXED for {what} returned 0x{result:x} instead of 0x{address:x}");
        }
        CodeMemoryCounters.Add(ref counters.BytesReserved, (long)length);
        return result;
    }

    public static void Unmap(CodeMemoryCounters counters, nint address, nuint length)
    {
        if (length == 0)
        {
            return;
        }
        CodeMemoryCounters.Increment(ref counters.UnmapCalls);
        if (LibC.Munmap(address, length) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new CodeMemoryException($"munmap of {length} bytes at 0x{address:x} failed: {Errno.Describe(errno)}", errno);
        }
        CodeMemoryCounters.Add(ref counters.BytesReserved, -(long)length);
    }

    public static void Protect(CodeMemoryCounters counters, nint address, nuint length, int protection)
    {
        if (length == 0)
        {
            return;
        }
        CodeMemoryCounters.Increment(ref counters.PermissionChanges);
        if (LibC.Mprotect(address, length, protection) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new CodeMemoryException($"mprotect of {length} bytes at 0x{address:x} to {DescribeProtection(protection)} failed: {Errno.Describe(errno)}", errno);
        }
    }

    public static string DescribeProtection(int protection) => string.Create(3, protection, static (span, p) =>
    {
        span[0] = (p & LibC.ProtRead) != 0 ? 'r' : '-';
        span[1] = (p & LibC.ProtWrite) != 0 ? 'w' : '-';
        span[2] = (p & LibC.ProtExec) != 0 ? 'x' : '-';
    });

    public static nuint RoundUpToPage(nuint value)
    {
        nuint mask = LibC.PageSize - 1;
        return (value + mask) & ~mask;
    }
}

using System.Runtime.InteropServices;
using Kiln.Jit.Interop;

namespace Kiln.Jit;

/// <summary>
/// W^X with two views of one <c>memfd_create</c> file per batch: bytes are written through a read-write
/// <c>MAP_SHARED</c> view and run from a separate read-execute view (data from a read-only one), so no page is
/// ever writable and executable. Sealing unmaps the writable view: no <c>mprotect</c> at all, and after the
/// seal no writable alias of the code remains in the process.
/// </summary>
internal sealed class DualMappingBackend : ICodeMemoryBackend
{
    private const string MemfdName = "kiln-code";

    private readonly CodeMemoryCounters _counters;

    public DualMappingBackend(CodeMemoryCounters counters)
    {
        _counters = counters;
    }

    public CodeMemoryStrategy Strategy => CodeMemoryStrategy.DualMapping;

    public CodeRegion Reserve(nuint codeAreaSize, nuint dataAreaSize)
    {
        nuint total = codeAreaSize + dataAreaSize;
        int fd = CreateExecutableMemfd();
        nint writable = 0;
        nint executable = 0;
        try
        {
            if (LibC.Ftruncate(fd, (long)total) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new CodeMemoryException($"ftruncate of the code memfd to {total} bytes failed: {Errno.Describe(errno)}", errno);
            }
            writable = PageSyscalls.Map(_counters, 0, total, LibC.ProtRead | LibC.ProtWrite, LibC.MapShared, fd, 0, "the writable view of a code batch");
            executable = PageSyscalls.Map(_counters, 0, total, LibC.ProtRead | LibC.ProtExec, LibC.MapShared, fd, 0, "the executable view of a code batch");
            if (dataAreaSize != 0)
            {
                // W^X: the data area of the executable view is read-only, not executable; mapped over our own
                // view so code and data stay adjacent (RIP-relative reach).
                PageSyscalls.Map(_counters, executable + (nint)codeAreaSize, dataAreaSize, LibC.ProtRead,
                    LibC.MapShared | LibC.MapFixed, fd, (long)codeAreaSize, "the read-only data view of a code batch");
                // The fixed mapping replaced part of the executable view rather than adding address space.
                CodeMemoryCounters.Add(ref _counters.BytesReserved, -(long)dataAreaSize);
            }
        }
        catch
        {
            if (writable != 0)
            {
                PageSyscalls.Unmap(_counters, writable, total);
            }
            if (executable != 0)
            {
                PageSyscalls.Unmap(_counters, executable, total);
            }
            LibC.Close(fd);
            throw;
        }
        // The mappings keep the file alive; the descriptor is not needed any more.
        LibC.Close(fd);
        return new CodeRegion(writable, executable, codeAreaSize, dataAreaSize);
    }

    public void Seal(CodeRegion region, nuint codePages, nuint dataPages)
    {
        // W^X: dropping the only writable view seals the batch; the executable view was never writable.
        PageSyscalls.Unmap(_counters, region.WritableBase, region.TotalSize);
        region.WritableBase = 0;
        nint code = region.ExecutableBase;
        nint data = region.ExecutableDataBase;
        PageSyscalls.Unmap(_counters, code + (nint)codePages, region.CodeAreaSize - codePages);
        PageSyscalls.Unmap(_counters, data + (nint)dataPages, region.DataAreaSize - dataPages);
        region.MarkSealed(codePages, dataPages);
    }

    public void Release(CodeRegion region)
    {
        if (region.WritableBase != 0)
        {
            PageSyscalls.Unmap(_counters, region.WritableBase, region.TotalSize);
            region.WritableBase = 0;
        }
        region.UnmapExecutableView(_counters);
    }

    private int CreateExecutableMemfd()
    {
        CodeMemoryCounters.Increment(ref _counters.MemfdCreates);
        int fd = LibC.MemfdCreate(MemfdName, LibC.MfdCloexec | LibC.MfdExec);
        if (fd < 0 && Marshal.GetLastPInvokeError() == Errno.EINVAL)
        {
            // Kernels before 6.3 do not know MFD_EXEC; there every memfd is executable anyway.
            CodeMemoryCounters.Increment(ref _counters.MemfdCreates);
            fd = LibC.MemfdCreate(MemfdName, LibC.MfdCloexec);
        }
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new CodeMemoryException($"memfd_create failed: {Errno.Describe(errno)}", errno);
        }
        return fd;
    }
}

using Kiln.Jit.Interop;

namespace Kiln.Jit;

/// <summary>
/// W^X with one anonymous mapping per batch: written read-write, then sealed in place with <c>mprotect</c>
/// (code read-execute, data read-only). One permission change for the code of a batch however many functions
/// it holds, one more when it has read-only data. Anonymous memory is what perf maps and GDB software
/// breakpoints need, so profiling and debugging modes use this strategy.
/// </summary>
internal sealed class MprotectBackend : ICodeMemoryBackend
{
    private readonly CodeMemoryCounters _counters;

    public MprotectBackend(CodeMemoryCounters counters)
    {
        _counters = counters;
    }

    public CodeMemoryStrategy Strategy => CodeMemoryStrategy.Mprotect;

    public CodeRegion Reserve(nuint codeAreaSize, nuint dataAreaSize)
    {
        nuint total = codeAreaSize + dataAreaSize;
        // Mapped read-write at once rather than PROT_NONE plus a commit: Linux backs pages only on first
        // touch and MAP_NORESERVE skips the commit charge, so a separate commit would be a wasted system call.
        nint baseAddress = PageSyscalls.Map(_counters, 0, total, LibC.ProtRead | LibC.ProtWrite,
            LibC.MapPrivate | LibC.MapAnonymous | LibC.MapNoReserve, -1, 0, "a code batch");
        return new CodeRegion(baseAddress, baseAddress, codeAreaSize, dataAreaSize);
    }

    public void Seal(CodeRegion region, nuint codePages, nuint dataPages)
    {
        nint code = region.ExecutableBase;
        nint data = region.ExecutableDataBase;
        // W^X: the writable pages become read-execute in one call; from here on nothing writes them.
        PageSyscalls.Protect(_counters, code, codePages, LibC.ProtRead | LibC.ProtExec);
        // W^X: constants and jump tables are read-only and not executable, on pages of their own.
        PageSyscalls.Protect(_counters, data, dataPages, LibC.ProtRead);
        // Unused pages would otherwise stay writable next to code: give them back instead.
        PageSyscalls.Unmap(_counters, code + (nint)codePages, region.CodeAreaSize - codePages);
        PageSyscalls.Unmap(_counters, data + (nint)dataPages, region.DataAreaSize - dataPages);
        region.MarkSealed(codePages, dataPages);
        region.WritableBase = 0;
    }

    public void Release(CodeRegion region)
    {
        region.UnmapExecutableView(_counters);
        region.WritableBase = 0;
    }
}

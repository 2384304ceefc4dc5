namespace Kiln.Jit;

/// <summary>
/// The pages of one batch: a code area followed directly by a read-only data area, both page-aligned, in
/// one reservation so that any code can reach any of its data with a 32-bit RIP-relative displacement.
/// The writable base is where the writer stores bytes; the executable base is where they run from (the
/// same address under mprotect, a second view under dual mapping).
/// </summary>
internal sealed class CodeRegion
{
    public CodeRegion(nint writableBase, nint executableBase, nuint codeAreaSize, nuint dataAreaSize)
    {
        WritableBase = writableBase;
        ExecutableBase = executableBase;
        CodeAreaSize = codeAreaSize;
        DataAreaSize = dataAreaSize;
    }

    /// <summary>Where bytes are written until the seal; zero once nothing of the batch is writable any more.</summary>
    public nint WritableBase { get; set; }

    /// <summary>Where the code runs from and where the data is read from: the addresses handed to callers.</summary>
    public nint ExecutableBase { get; }

    /// <summary>Bytes of the code area (a page multiple).</summary>
    public nuint CodeAreaSize { get; }

    /// <summary>Bytes of the read-only data area (a page multiple, possibly zero).</summary>
    public nuint DataAreaSize { get; }

    /// <summary>Bytes of the whole reservation.</summary>
    public nuint TotalSize => CodeAreaSize + DataAreaSize;

    /// <summary>Whether the seal has trimmed the region to its used code and data pages.</summary>
    public bool IsSealed { get; private set; }

    /// <summary>Code pages still mapped after the seal (a page multiple).</summary>
    public nuint SealedCodePages { get; private set; }

    /// <summary>Data pages still mapped after the seal (a page multiple).</summary>
    public nuint SealedDataPages { get; private set; }

    public void MarkSealed(nuint codePages, nuint dataPages)
    {
        IsSealed = true;
        SealedCodePages = codePages;
        SealedDataPages = dataPages;
    }

    /// <summary>
    /// Returns the executable view's pages: all of them before the seal, exactly the used code and data pages after
    /// it. SECURITY: never one munmap over the trimmed holes, because by then the process may have mapped something
    /// else there (the runtime's own JIT views land in freed ranges within microseconds) and it would be torn away.
    /// </summary>
    public void UnmapExecutableView(CodeMemoryCounters counters)
    {
        if (IsSealed)
        {
            PageSyscalls.Unmap(counters, ExecutableBase, SealedCodePages);
            PageSyscalls.Unmap(counters, ExecutableDataBase, SealedDataPages);
            SealedCodePages = 0;
            SealedDataPages = 0;
        }
        else
        {
            PageSyscalls.Unmap(counters, ExecutableBase, TotalSize);
        }
    }

    /// <summary>Start of the data area in the executable view.</summary>
    public nint ExecutableDataBase => ExecutableBase + (nint)CodeAreaSize;
}

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

    /// <summary>Bytes of the executable view still mapped (the whole reservation until the seal trims unused pages).</summary>
    public nuint ExecutableMappedBytes { get; set; }

    /// <summary>Start of the data area in the executable view.</summary>
    public nint ExecutableDataBase => ExecutableBase + (nint)CodeAreaSize;

    /// <summary>
    /// After the seal: bytes of the code area and of the data area still mapped (the unused tails were
    /// unmapped, and the address space they occupied may belong to someone else by now).
    /// </summary>
    public nuint SealedCodeBytes { get; set; }

    public nuint SealedDataBytes { get; set; }

    public bool IsSealed { get; set; }
}

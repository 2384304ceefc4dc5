namespace Kiln.Jit;

/// <summary>
/// A snapshot of one <see cref="CodeMemory"/>'s counters. System calls are counted as they are made, so
/// <see cref="PermissionChanges"/> is the true number of <c>mprotect</c> calls (zero under dual mapping, whose
/// seal unmaps the writable view instead: those show in <see cref="UnmapCalls"/>).
/// </summary>
public readonly record struct CodeMemoryStatistics
{
    /// <summary>The strategy in use.</summary>
    public CodeMemoryStrategy Strategy { get; init; }

    /// <summary>Why this strategy: explicit choice, environment variable, measured default, or fallback.</summary>
    public string StrategyReason { get; init; }

    /// <summary>Why the preferred strategy could not be used, or null when there was no fallback.</summary>
    public string? FallbackReason { get; init; }

    /// <summary>Address space currently mapped for code, data and writable views (both views count under dual mapping).</summary>
    public long BytesReserved { get; init; }

    /// <summary>Whole pages holding written code or data in live batches and open builders.</summary>
    public long BytesCommitted { get; init; }

    /// <summary>Bytes of functions (with their alignment padding) and read-only data in live batches and open builders.</summary>
    public long BytesUsed { get; init; }

    /// <summary><c>mprotect</c> calls made (each changes the permission of a range of pages).</summary>
    public long PermissionChanges { get; init; }

    /// <summary><c>mmap</c> calls made.</summary>
    public long MapCalls { get; init; }

    /// <summary><c>munmap</c> calls made.</summary>
    public long UnmapCalls { get; init; }

    /// <summary><c>memfd_create</c> calls made (dual mapping only).</summary>
    public long MemfdCreates { get; init; }

    /// <summary>Batches sealed since the start.</summary>
    public long BatchesSealed { get; init; }

    /// <summary>Batches freed (disposed) since the start.</summary>
    public long BatchesFreed { get; init; }

    /// <summary>Sealed batches not yet freed.</summary>
    public long LiveBatches { get; init; }

    /// <summary>Builders neither sealed nor disposed.</summary>
    public long OpenBuilders { get; init; }
}

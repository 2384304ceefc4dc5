namespace Kiln;

/// <summary>
/// A snapshot of the counters of an engine's code memory (<see cref="Engine.GetCodeMemoryStatistics"/>), for
/// <c>kiln run --stats</c> and monitoring. System calls are counted as they are made, so <see cref="PermissionChanges"/>
/// is the true number of <c>mprotect</c> calls: zero under dual mapping, whose seal unmaps the writable view instead
/// (those show in <see cref="UnmapCalls"/>).
/// </summary>
public sealed record CodeMemoryStatistics
{
    /// <summary>The W^X strategy in use, as <c>KILN_CODE_MEMORY</c> names it in .NET spelling (<c>DualMapping</c>, <c>Mprotect</c>).</summary>
    public required string Strategy { get; init; }

    /// <summary>Why this strategy: explicit choice, environment variable, measured default, or fallback.</summary>
    public required string StrategyReason { get; init; }

    /// <summary>Why the preferred strategy could not be used, or null when there was no fallback.</summary>
    public string? FallbackReason { get; init; }

    /// <summary>The size of a code page in bytes (the unit of <see cref="PagesCommitted"/>).</summary>
    public int PageSize { get; init; }

    /// <summary>Address space currently mapped for code, data and writable views (both views count under dual mapping).</summary>
    public long BytesReserved { get; init; }

    /// <summary>Whole pages holding written code or data in live batches and open builders, in bytes.</summary>
    public long BytesCommitted { get; init; }

    /// <summary><see cref="BytesCommitted"/> in pages.</summary>
    public long PagesCommitted => PageSize == 0 ? 0 : BytesCommitted / PageSize;

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

    /// <summary>The runtime's copy of the compiler layer's counters.</summary>
    internal static CodeMemoryStatistics From(Jit.CodeMemoryStatistics s) => new()
    {
        Strategy = s.Strategy.ToString(),
        StrategyReason = s.StrategyReason,
        FallbackReason = s.FallbackReason,
        PageSize = Jit.CodeMemory.PageSize,
        BytesReserved = s.BytesReserved,
        BytesCommitted = s.BytesCommitted,
        BytesUsed = s.BytesUsed,
        PermissionChanges = s.PermissionChanges,
        MapCalls = s.MapCalls,
        UnmapCalls = s.UnmapCalls,
        MemfdCreates = s.MemfdCreates,
        BatchesSealed = s.BatchesSealed,
        BatchesFreed = s.BatchesFreed,
        LiveBatches = s.LiveBatches,
        OpenBuilders = s.OpenBuilders,
    };
}

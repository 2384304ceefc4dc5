using System.Runtime.InteropServices;
using Kiln.Jit.Interop;

namespace Kiln.Jit;

/// <summary>
/// Executable memory for machine code generated at run time, kept W^X: no page is ever writable and executable
/// at once. Code is installed in batches (reserve, write, seal, flush, publish): a <see cref="CodeBatchBuilder"/>
/// takes many functions and their read-only data, <see cref="CodeBatchBuilder.Seal"/> changes permissions once
/// for all of them, and the resulting <see cref="CodeBatch"/> unmaps its pages when disposed. This type owns the
/// platform strategy and the statistics; it is safe to use from several threads at once.
/// </summary>
public sealed class CodeMemory : IDisposable
{
    /// <summary>The environment variable that picks a strategy when the options leave it at Auto: mprotect, dual or auto.</summary>
    public const string StrategyEnvironmentVariable = "KILN_CODE_MEMORY";

    /// <summary>Every function starts at a multiple of this, the fetch-block size x86-64 and AArch64 cores prefer.</summary>
    public const int FunctionAlignment = 16;

    /// <summary>
    /// Upper bound on a batch's reservation (code plus data). Keeping it well under 2 GiB means every
    /// function reaches every data item of its batch with a 32-bit RIP-relative displacement.
    /// </summary>
    public const int MaxBatchBytes = 1 << 30;

    private readonly ICodeMemoryBackend _backend;
    private readonly IInstructionCache _instructionCache;
    private readonly CodeMemoryCounters _counters = new();
    private readonly object _lock = new();
    private readonly HashSet<CodeBatchBuilder> _openBuilders = [];
    private readonly HashSet<CodeBatch> _liveBatches = [];
    private readonly string _reason;
    private readonly string? _fallbackReason;
    private bool _disposed;

    /// <summary>Creates code memory with the default strategy (or the one <c>KILN_CODE_MEMORY</c> names).</summary>
    public CodeMemory() : this(new CodeMemoryOptions())
    {
    }

    /// <summary>Creates code memory; throws <see cref="CodeMemoryException"/> when the chosen strategy cannot work here.</summary>
    public CodeMemory(CodeMemoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _instructionCache = InstructionCache.ForCurrentProcess();
        CodeMemoryStrategySelector.Choice choice = CodeMemoryStrategySelector.Select(options, _counters);
        _backend = choice.Backend;
        _reason = choice.Reason;
        _fallbackReason = choice.FallbackReason;
    }

    /// <summary>The strategy in use (never <see cref="CodeMemoryStrategy.Auto"/>).</summary>
    public CodeMemoryStrategy Strategy => _backend.Strategy;

    /// <summary>Why <see cref="Strategy"/> was chosen.</summary>
    public string StrategyReason => _reason;

    /// <summary>Why the default strategy was not used, or null when it was.</summary>
    public string? FallbackReason => _fallbackReason;

    /// <summary>The page size, the granularity of reservations and permissions.</summary>
    public static int PageSize => (int)LibC.PageSize;

    /// <summary>One line for humans: <c>dual-mapping (memfd, ...)</c> or <c>mprotect (reason)</c>.</summary>
    public string Describe()
    {
        string name = CodeMemoryStrategySelector.NameOf(Strategy);
        return Strategy == CodeMemoryStrategy.DualMapping ? $"{name} (memfd; {_reason})" : $"{name} ({_reason})";
    }

    /// <summary>
    /// Describes the strategy a default <see cref="CodeMemory"/> would use here, by building one (for <c>kiln version</c>).
    /// Never throws: when no strategy works, or <c>KILN_CODE_MEMORY</c> is invalid, it says <c>unavailable (why)</c>.
    /// </summary>
    public static string DescribeDefault()
    {
        try
        {
            using var memory = new CodeMemory();
            return memory.Describe();
        }
        catch (Exception e) when (e is CodeMemoryException or PlatformNotSupportedException)
        {
            return $"unavailable ({e.Message})";
        }
    }

    /// <summary>
    /// Starts a batch with room for <paramref name="codeCapacity"/> bytes of functions (alignment padding included)
    /// and <paramref name="readOnlyDataCapacity"/> bytes of read-only data. Capacities are rounded up to pages;
    /// address space is cheap and unused pages are returned at the seal, so generous capacities cost little.
    /// </summary>
    public CodeBatchBuilder CreateBatch(int codeCapacity, int readOnlyDataCapacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(codeCapacity);
        ArgumentOutOfRangeException.ThrowIfNegative(readOnlyDataCapacity);
        nuint codeArea = PageSyscalls.RoundUpToPage((nuint)codeCapacity);
        nuint dataArea = PageSyscalls.RoundUpToPage((nuint)readOnlyDataCapacity);
        if (codeArea + dataArea > MaxBatchBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(codeCapacity),
                $"A batch holds at most {MaxBatchBytes} bytes of code and data together, so code can reach its data RIP-relative; asked for {codeArea + dataArea}.");
        }
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CodeRegion region = _backend.Reserve(codeArea, dataArea);
            var builder = new CodeBatchBuilder(this, region);
            _openBuilders.Add(builder);
            CodeMemoryCounters.Increment(ref _counters.OpenBuilders);
            return builder;
        }
    }

    /// <summary>A snapshot of the counters (each field read atomically, the set not).</summary>
    public CodeMemoryStatistics GetStatistics() => new()
    {
        Strategy = Strategy,
        StrategyReason = _reason,
        FallbackReason = _fallbackReason,
        BytesReserved = CodeMemoryCounters.Read(ref _counters.BytesReserved),
        BytesCommitted = CodeMemoryCounters.Read(ref _counters.BytesCommitted),
        BytesUsed = CodeMemoryCounters.Read(ref _counters.BytesUsed),
        PermissionChanges = CodeMemoryCounters.Read(ref _counters.PermissionChanges),
        MapCalls = CodeMemoryCounters.Read(ref _counters.MapCalls),
        UnmapCalls = CodeMemoryCounters.Read(ref _counters.UnmapCalls),
        MemfdCreates = CodeMemoryCounters.Read(ref _counters.MemfdCreates),
        BatchesSealed = CodeMemoryCounters.Read(ref _counters.BatchesSealed),
        BatchesFreed = CodeMemoryCounters.Read(ref _counters.BatchesFreed),
        LiveBatches = CodeMemoryCounters.Read(ref _counters.LiveBatches),
        OpenBuilders = CodeMemoryCounters.Read(ref _counters.OpenBuilders),
    };

    /// <summary>
    /// Frees every batch and open builder of this memory. Only call it when none of its code can run any more:
    /// a thread still inside a freed function faults.
    /// </summary>
    public void Dispose()
    {
        CodeBatchBuilder[] builders;
        CodeBatch[] batches;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            builders = [.. _openBuilders];
            batches = [.. _liveBatches];
        }
        foreach (CodeBatchBuilder builder in builders)
        {
            builder.Dispose();
        }
        foreach (CodeBatch batch in batches)
        {
            batch.Dispose();
        }
    }

    internal CodeMemoryCounters Counters => _counters;

    internal void SealRegion(CodeRegion region, nuint codePages, nuint dataPages, nuint codeBytes)
    {
        _backend.Seal(region, codePages, dataPages);
        // Step 4 of the life cycle: instruction fetch must see the bytes before anyone gets an entry point.
        _instructionCache.Flush(region.ExecutableBase, codeBytes);
    }

    internal void OnBuilderSealed(CodeBatchBuilder builder, CodeBatch batch)
    {
        bool ownerGone;
        lock (_lock)
        {
            _openBuilders.Remove(builder);
            ownerGone = _disposed;
            if (!ownerGone)
            {
                _liveBatches.Add(batch);
            }
        }
        CodeMemoryCounters.Add(ref _counters.OpenBuilders, -1);
        CodeMemoryCounters.Increment(ref _counters.BatchesSealed);
        CodeMemoryCounters.Increment(ref _counters.LiveBatches);
        if (ownerGone)
        {
            // The memory was disposed while this batch was being sealed: it would never be freed, so free it now.
            batch.Dispose();
            throw new ObjectDisposedException(nameof(CodeMemory), "The code memory was disposed while the batch was being sealed.");
        }
    }

    internal void ReleaseAbandoned(CodeBatchBuilder builder, CodeRegion region, long usedBytes, long committedBytes)
    {
        lock (_lock)
        {
            _openBuilders.Remove(builder);
        }
        CodeMemoryCounters.Add(ref _counters.OpenBuilders, -1);
        ReleaseRegion(region, usedBytes, committedBytes);
    }

    internal void ReleaseBatch(CodeBatch batch, CodeRegion region, long usedBytes, long committedBytes)
    {
        lock (_lock)
        {
            _liveBatches.Remove(batch);
        }
        CodeMemoryCounters.Add(ref _counters.LiveBatches, -1);
        CodeMemoryCounters.Increment(ref _counters.BatchesFreed);
        ReleaseRegion(region, usedBytes, committedBytes);
    }

    private void ReleaseRegion(CodeRegion region, long usedBytes, long committedBytes)
    {
        _backend.Release(region);
        CodeMemoryCounters.Add(ref _counters.BytesUsed, -usedBytes);
        CodeMemoryCounters.Add(ref _counters.BytesCommitted, -committedBytes);
    }

    /// <summary>The byte that fills gaps in code: a trap instruction, so a stray jump into padding stops at once.</summary>
    internal static byte CodePaddingByte => RuntimeInformation.ProcessArchitecture == Architecture.X64
        ? (byte)0xCC // int3
        : (byte)0x00; // AArch64: 0x00000000 is a permanently undefined instruction (udf #0)
}

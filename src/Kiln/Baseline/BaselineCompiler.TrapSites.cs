using Kiln.Compiled;
using Kiln.Jit.X64;

namespace Kiln.Baseline;

/// <summary>
/// Guard-page bounds checks: with <see cref="GuardPages"/> an access whose offset fits in the guard region is
/// emitted with no check, and the code offset of its one faulting instruction is recorded here. The module
/// registers the batch's sites with the trap handler, which resumes a fault at one of them in the batch's
/// <see cref="TrapCode.MemoryOutOfBounds"/> stub. The stub needs r15 = vmctx and the rbp frame chain, which hold
/// everywhere inside a function body (r15 changes only between setting a callee's vmctx and the call, where no
/// memory access is emitted), and rsp 16-byte aligned, which holds there as well.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    private int[] _trapSites = new int[64];
    private int _trapSiteCount;

    /// <summary>Emit unchecked accesses as trap sites (the engine's memories reserve the index space and guard region).</summary>
    public bool GuardPages { get; init; }

    /// <summary>Forgets recorded sites; call with <see cref="BeginBatch"/> when a compiler is reused after a failed batch.</summary>
    public void ResetTrapSites() => _trapSiteCount = 0;

    /// <summary>
    /// After <see cref="EndBatch"/>: the batch's trap-site offsets (ascending, as emitted) and the offset of the
    /// out-of-bounds stub they resume at (-1 when there are no sites). Clears the list.
    /// </summary>
    public int[] TakeTrapSites(out int recoveryOffset)
    {
        if (_trapSiteCount == 0)
        {
            recoveryOffset = -1;
            return [];
        }
        recoveryOffset = _asm.GetLabelOffset(_traps.Existing(TrapCode.MemoryOutOfBounds));
        int[] sites = _trapSites.AsSpan(0, _trapSiteCount).ToArray();
        _trapSiteCount = 0;
        return sites;
    }

    /// <summary>The next instruction is an unchecked access: a fault there is the out-of-bounds trap.</summary>
    private void MarkTrapSite()
    {
        // Creating the label makes EndBatch emit the stub the handler resumes at.
        _ = TrapLabel(TrapCode.MemoryOutOfBounds);
        if (_trapSiteCount == _trapSites.Length)
        {
            Array.Resize(ref _trapSites, _trapSites.Length * 2);
        }
        _trapSites[_trapSiteCount++] = _asm.Position;
    }

    /// <summary>The memory length for an explicit check: r13 without guard pages; loaded into rcx with them (r13 is not kept).</summary>
    private Gpr MemoryLengthForCheck()
    {
        if (!GuardPages)
        {
            return s_memLength;
        }
        MemorySequences.LoadLength(_asm, s_scratch2);
        return s_scratch2;
    }
}

using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Vm;

namespace Kiln.Baseline;

// Tier.Auto: counting calls and loop entries toward the optimizing tier.
internal sealed partial class BaselineCompiler
{
    // Caller-saved under SysV besides rax (scratch at every counting point): what the tier-up routine keeps for the
    // body around its helper call. rbx, rbp, r12-r15 survive a C# call anyway.
    private static readonly Gpr[] s_hotSaved = [Gpr.Rcx, Gpr.Rdx, Gpr.Rsi, Gpr.Rdi, Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11];

    private Label _hotRoutine;
    private bool _hotRoutineUsed;

    /// <summary>
    /// Count each call and loop entry in the function's hotness counter, which follows the module's code table
    /// (<see cref="ModuleCode.CounterOffset"/>); when it runs out, call the tier-up helper, which queues the function
    /// for the optimizing tier (<see cref="EngineOptions.TierUpThreshold"/>).
    /// </summary>
    public bool HotnessCounters { get; init; }

    /// <summary>
    /// What entering a loop counts for, against one for a call: loops run many iterations, and counting each one would
    /// cost more than it tells (below).
    /// </summary>
    public const int LoopEntryWeight = 64;

    /// <summary>
    /// At the function entry (weight 1, after the interrupt check) and before each loop header (weight
    /// <see cref="LoopEntryWeight"/>, once per entry into the loop, not per iteration): <c>mov rax, [r15+CodeTable];
    /// sub dword [rax+counter], weight; jns next; call routine</c>. Counting iterations at the header would chain every
    /// iteration through a store and a reload of the counter, about five cycles a turn: measured, it doubled the time
    /// of sieve's tight loops. An inner loop is entered once per iteration of its outer loop, so nests still count in
    /// proportion to their work. Once the function is queued, its counter stays far from zero.
    /// </summary>
    private void EmitHotnessCount(int definedIndex, int weight)
    {
        if (!HotnessCounters)
        {
            return;
        }
        if (!_hotRoutineUsed)
        {
            _hotRoutine = _asm.CreateLabel();
            _hotRoutineUsed = true;
        }
        int definedCount = _functionTypes.Length - _importedFunctions;
        Label next = _asm.CreateLabel();
        _asm.Mov(OperandSize.S64, s_scratch, Mem.At(s_vmctx, VmOffsets.CodeTable));
        _asm.Sub(OperandSize.S32, Mem.At(s_scratch, ModuleCode.CounterOffset(definedCount, definedIndex)), weight);
        _asm.Jcc(Condition.NotSign, next, JumpDistance.Short);
        _asm.Call(_hotRoutine);
        _asm.Bind(next);
    }

    /// <summary>
    /// After the body: the routine every counting point of the function calls when its counter runs out. It runs with
    /// any register state of the body (pinned and cached locals, v128 values), so it saves every caller-saved
    /// general register and all sixteen xmm registers in full around the helper call, and returns to the counting
    /// point. rsp is 16-byte aligned in the body; the return address and eight pushes leave it 8 off, which the
    /// 264-byte save area rounds back.
    /// </summary>
    private void EmitHotRoutine(int definedIndex)
    {
        if (!_hotRoutineUsed)
        {
            return;
        }
        _hotRoutineUsed = false;
        _asm.Bind(_hotRoutine);
        foreach (Gpr r in s_hotSaved)
        {
            _asm.Push(r);
        }
        const int XmmArea = (16 * 16) + 8;
        _asm.Sub(OperandSize.S64, Gpr.Rsp, XmmArea);
        for (int x = 0; x < 16; x++)
        {
            _asm.Movdqu(Mem.At(Gpr.Rsp, 16 * x), Xmm.FromIndex(x));
        }
        _asm.Mov(OperandSize.S64, Gpr.Rdi, s_vmctx);
        _asm.Mov(OperandSize.S32, Gpr.Rsi, definedIndex);
        CompiledAbi.EmitHelperCall(_asm, RuntimeHelper.TierUp);
        for (int x = 0; x < 16; x++)
        {
            _asm.Movdqu(Xmm.FromIndex(x), Mem.At(Gpr.Rsp, 16 * x));
        }
        _asm.Add(OperandSize.S64, Gpr.Rsp, XmmArea);
        for (int i = s_hotSaved.Length - 1; i >= 0; i--)
        {
            _asm.Pop(s_hotSaved[i]);
        }
        _asm.Ret();
    }
}

using Kiln.Jit.X64;
using Kiln.Vm;

namespace Kiln.Compiled;

/// <summary>
/// Prologue pieces both compiling tiers emit (the frame layout itself is <see cref="CompiledAbi"/>'s): the frame
/// header backtraces read, the stack-limit check, and the interrupt and fuel checks at function entries and loop
/// headers. The store context is read through rax.
/// </summary>
internal static class FrameSequences
{
    /// <summary>push rbp; mov rbp, rsp; the frame header for backtraces: [rbp-8] = vmctx, [rbp-16] = function index.</summary>
    public static void FrameHeader(Assembler asm, int functionIndex)
    {
        asm.Push(Gpr.Rbp);
        asm.Mov(OperandSize.S64, Gpr.Rbp, Gpr.Rsp);
        asm.Mov(OperandSize.S64, Mem.At(Gpr.Rbp, CompiledAbi.SavedVmctxOffset), CompiledAbi.Vmctx);
        asm.Mov(OperandSize.S32, Mem.At(Gpr.Rbp, CompiledAbi.FunctionIndexOffset), functionIndex);
    }

    /// <summary>After sub rsp, frame: rax = the store context, then a jump to <paramref name="exhausted"/> when rsp is below the stack limit.</summary>
    public static void StackLimitCheck(Assembler asm, Label exhausted)
    {
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(CompiledAbi.Vmctx, VmOffsets.StoreContext));
        // SECURITY: the frame is allocated but not touched yet; below the limit we trap before any write.
        asm.Cmp(OperandSize.S64, Gpr.Rsp, Mem.At(Gpr.Rax, VmOffsets.StoreStackLimit));
        asm.Jcc(Condition.Below, exhausted);
    }

    /// <summary>
    /// Traps when the interrupt word is set (when <paramref name="interrupted"/> is a label: interrupt checks on) or
    /// fuel runs out (when <paramref name="outOfFuel"/> is one: fuel on); nothing when neither is. rax holds the store
    /// context, or is loaded with it when <paramref name="loadContext"/>.
    /// </summary>
    public static void InterruptCheck(Assembler asm, bool loadContext, Label interrupted, Label outOfFuel)
    {
        if (!interrupted.IsValid && !outOfFuel.IsValid)
        {
            return;
        }
        if (loadContext)
        {
            asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(CompiledAbi.Vmctx, VmOffsets.StoreContext));
        }
        InterruptCheck(asm, Gpr.Rax, interrupted, outOfFuel);
    }

    /// <summary>The checks of <see cref="InterruptCheck(Assembler, bool, Label, Label)"/> with the store context in <paramref name="context"/>.</summary>
    public static void InterruptCheck(Assembler asm, Gpr context, Label interrupted, Label outOfFuel)
    {
        if (interrupted.IsValid)
        {
            // Byte 0 only: byte 1 is the OSR poll (VmOffsets.StoreOsrPoll), which only baseline loop headers read.
            asm.Cmp(OperandSize.S8, Mem.At(context, VmOffsets.StoreInterrupt), 0);
            asm.Jcc(Condition.NotEqual, interrupted);
        }
        if (outOfFuel.IsValid)
        {
            asm.Sub(OperandSize.S64, Mem.At(context, VmOffsets.StoreFuel), 1);
            asm.Jcc(Condition.Sign, outOfFuel);
        }
    }
}

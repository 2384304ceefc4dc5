using Kiln.Jit.X64;
using Kiln.Vm;

namespace Kiln.Compiled;

/// <summary>
/// The one calling convention of compiled Wasm code, shared by every compiling tier, the stubs and the runtime that
/// walks compiled frames. Code of one tier calls code of another, the trap stub of one unwinds frames of the other,
/// and the backtrace walker reads every frame the same way, so these are facts of the runtime, not choices of a
/// compiler. Field positions inside vmctx are in <see cref="VmOffsets"/>; this type says which registers and frame
/// slots hold what (docs/ARCHITECTURE.md, "Compiled-code ABI").
/// </summary>
internal static class CompiledAbi
{
    /// <summary>
    /// The callee's vmctx on entry to every compiled function and throughout its body (reloaded from the frame after
    /// each call). Trap stubs, lazy stubs and helper calls find the store, the helper table and the code table
    /// through it. SysV preserves it across C# helpers.
    /// </summary>
    public static readonly Gpr Vmctx = Gpr.R15;

    /// <summary>Base of memory 0, loaded from vmctx on first use after entry and after each call (never stale across one).</summary>
    public static readonly Gpr MemoryBase = Gpr.R14;

    /// <summary>Length of memory 0 in bytes when accesses are checked in code (not kept with guard pages).</summary>
    public static readonly Gpr MemoryLength = Gpr.R13;

    /// <summary>
    /// Registers a Wasm callee preserves for its caller: only rbp and rsp. Every other register, r13-r15 included, is
    /// clobbered by a Wasm call, so a caller keeps live values in its frame and reloads vmctx from
    /// <see cref="SavedVmctxOffset"/>; this keeps calls between tiers free of register save/restore conventions.
    /// </summary>
    public static readonly System.Collections.Immutable.ImmutableArray<Gpr> CalleeSaved = [Gpr.Rbp, Gpr.Rsp];

    /// <summary>
    /// [rbp-8]: the frame's vmctx. The caller reloads r15 from here after a call, and the backtrace walker
    /// (<see cref="CompiledRuntime"/>) finds the instance of each frame through it.
    /// </summary>
    public const int SavedVmctxOffset = -8;

    /// <summary>[rbp-16]: the frame's function index (4 bytes), what a backtrace names.</summary>
    public const int FunctionIndexOffset = -16;

    /// <summary>
    /// The function index a baseline frame stores at <see cref="FunctionIndexOffset"/> when it hands its activation to an
    /// on-stack-replacement entry (<see cref="Tier.Auto"/>): the OSR frame above it continues the same activation, so
    /// backtraces skip this one.
    /// </summary>
    public const uint OsrReplacedFunctionIndex = 0xFFFF_FFFF;

    /// <summary>[rbp-24]: one scratch word a helper may write through a pointer (the truncation status).</summary>
    public const int ScratchOffset = -24;

    /// <summary>Size of the fixed frame header below rbp (vmctx, function index, scratch); a compiler's own frame slots start below it.</summary>
    public const int FrameHeaderSize = 24;

    /// <summary>
    /// [rbp+16]: the argument/result area, in 8-byte slots as <see cref="SlotLayout"/> lays out a row (a v128 takes
    /// two). The caller reserves max(parameter slots, result slots) at its rsp before the call; results replace the
    /// arguments. [rbp+8] is the return address, [rbp] the caller's rbp.
    /// </summary>
    public const int ArgsOffset = 16;

    /// <summary>Size of one slot of the argument/result area.</summary>
    public const int SlotSize = 8;

    /// <summary>
    /// What a trap stub leaves in eax and returns to the entry trampoline's caller after restoring the stack pointer
    /// the trampoline saved in <see cref="VmStoreContext.EntryStackPointer"/> (0 is a normal return).
    /// </summary>
    public const int TrappedStatus = 1;

    /// <summary>
    /// The trap-exit protocol, shared by every compiler's trap stubs: with the trap code in <paramref name="code"/>
    /// (not rax or rdi) and r15 = vmctx, store the code into the store context, let the runtime record the Wasm
    /// backtrace while the frames are still on the stack (rsp must be 16-byte aligned, as it is inside every function
    /// body), then unwind every Wasm frame at once to the entry trampoline's saved rsp and return
    /// <see cref="TrappedStatus"/> from its inner call. No .NET exception crosses native frames.
    /// </summary>
    public static void EmitTrapExit(Assembler asm, Gpr code)
    {
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Vmctx, VmOffsets.StoreContext));
        asm.Mov(OperandSize.S32, Mem.At(Gpr.Rax, VmOffsets.StoreTrapCode), code);
        asm.Mov(OperandSize.S64, Gpr.Rdi, Gpr.Rbp);
        EmitHelperCall(asm, RuntimeHelper.RecordTrapFrames);
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Vmctx, VmOffsets.StoreContext));
        asm.Mov(OperandSize.S64, Gpr.Rsp, Mem.At(Gpr.Rax, VmOffsets.StoreEntryStackPointer));
        asm.Mov(OperandSize.S32, Gpr.Rax, TrappedStatus);
        asm.Ret();
    }

    /// <summary>
    /// Calls runtime helper <paramref name="helper"/> (SysV; arguments already in place) through the helper table
    /// that vmctx points to: <c>mov rax, [r15 + HelperTable]; call [rax + 8*k]</c>. Neither the process's helper
    /// addresses nor anything else of the engine ends up in the code, so it is relocatable; helper calls are rare,
    /// the extra load costs nothing measurable. Clobbers rax.
    /// </summary>
    public static void EmitHelperCall(Assembler asm, RuntimeHelper helper)
    {
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Vmctx, VmOffsets.HelperTable));
        asm.Call(Mem.At(Gpr.Rax, HelperTable.Offset(helper)));
    }
}

using Kiln.Jit.X64;
using Kiln.Vm;

namespace Kiln.Compiled;

/// <summary>
/// Hand-written machine code around compiled functions of every tier: the host-to-Wasm entry trampoline (one
/// per signature), the native entry that lets compiled code call any managed function (host or
/// interpreted), and the lazy-compilation stubs. They implement <see cref="CompiledAbi"/> (docs/ARCHITECTURE.md,
/// "Compiled-code ABI").
/// </summary>
internal static class CompiledStubs
{
    /// <summary>
    /// <c>int trampoline(vmctx, code, ulong* values)</c> (values in 8-byte slots, <see cref="SlotLayout"/>; the counts are slot counts): saves the SysV callee-saved registers and the
    /// previous entry stack pointer, records its own stack pointer in the store context (a trap
    /// restores it and returns 1 from the inner call), copies the arguments to the outgoing area,
    /// calls, copies the results back and returns 0.
    /// </summary>
    public static void EmitEntryTrampoline(Assembler asm, int paramCount, int resultCount)
    {
        int slots = Math.Max(paramCount, resultCount);
        int area = ((8 * slots + 15) & ~15) + 8;
        Label inner = asm.CreateLabel();
        asm.Push(Gpr.Rbp);
        asm.Mov(OperandSize.S64, Gpr.Rbp, Gpr.Rsp);
        asm.Push(Gpr.Rbx);
        asm.Push(Gpr.R12);
        asm.Push(Gpr.R13);
        asm.Push(Gpr.R14);
        asm.Push(Gpr.R15);
        asm.Push(Gpr.Rdx);
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rdi, VmOffsets.StoreContext));
        asm.Push(Gpr.Rax);
        asm.Push(Mem.At(Gpr.Rax, VmOffsets.StoreEntryStackPointer));
        asm.Mov(OperandSize.S64, CompiledAbi.Vmctx, Gpr.Rdi);
        asm.Mov(OperandSize.S64, Gpr.R11, Gpr.Rsi);
        asm.Call(inner);
        // Reached by the normal return and by a trap (which restored rsp): rbp may be anything, so rsp-relative.
        asm.Mov(OperandSize.S64, Gpr.Rcx, Mem.At(Gpr.Rsp, 8));
        asm.Mov(OperandSize.S64, Gpr.Rdx, Mem.At(Gpr.Rsp));
        asm.Mov(OperandSize.S64, Mem.At(Gpr.Rcx, VmOffsets.StoreEntryStackPointer), Gpr.Rdx);
        asm.Add(OperandSize.S64, Gpr.Rsp, 24);
        asm.Pop(Gpr.R15);
        asm.Pop(Gpr.R14);
        asm.Pop(Gpr.R13);
        asm.Pop(Gpr.R12);
        asm.Pop(Gpr.Rbx);
        asm.Pop(Gpr.Rbp);
        asm.Ret();

        asm.Bind(inner);
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rsp, 16));
        asm.Mov(OperandSize.S64, Mem.At(Gpr.Rax, VmOffsets.StoreEntryStackPointer), Gpr.Rsp);
        asm.Sub(OperandSize.S64, Gpr.Rsp, area);
        asm.Mov(OperandSize.S64, Gpr.Rdx, Mem.At(Gpr.Rsp, area + 24));
        for (int i = 0; i < paramCount; i++)
        {
            asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rdx, 8 * i));
            asm.Mov(OperandSize.S64, Mem.At(Gpr.Rsp, CompiledAbi.SlotSize * i), Gpr.Rax);
        }
        asm.Call(Gpr.R11);
        asm.Mov(OperandSize.S64, Gpr.Rdx, Mem.At(Gpr.Rsp, area + 24));
        for (int i = 0; i < resultCount; i++)
        {
            asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rsp, 8 * i));
            asm.Mov(OperandSize.S64, Mem.At(Gpr.Rdx, 8 * i), Gpr.Rax);
        }
        asm.Add(OperandSize.S64, Gpr.Rsp, area);
        asm.Xor(OperandSize.S32, Gpr.Rax, Gpr.Rax);
        asm.Ret();
    }

    /// <summary>
    /// The native entry of every managed function (host or interpreted) as compiled code sees it:
    /// r15 holds the function's <see cref="VmFuncRef"/>, the arguments are at [rsp + 8]. Calls
    /// <see cref="CompiledRuntime"/>'s managed-call helper, which returns 0, or the store context
    /// when the callee failed (the exception is kept pending) so this stub unwinds like a trap.
    /// It is the one stub with a process address in it: it is engine code, not a module's (nothing caches it), and
    /// r15 holds a funcref here, not a vmctx, so the helper table is out of reach.
    /// </summary>
    public static void EmitManagedCallStub(Assembler asm, nint helper)
    {
        Label fail = asm.CreateLabel();
        asm.Push(Gpr.Rbp);
        asm.Mov(OperandSize.S64, Gpr.Rbp, Gpr.Rsp);
        asm.Mov(OperandSize.S64, Gpr.Rdi, Gpr.R15);
        asm.Lea(OperandSize.S64, Gpr.Rsi, Mem.At(Gpr.Rbp, CompiledAbi.ArgsOffset));
        asm.Mov(OperandSize.S64, Gpr.Rdx, Mem.At(Gpr.Rbp));
        asm.MovImm(Gpr.Rax, helper);
        asm.Call(Gpr.Rax);
        asm.Test(OperandSize.S64, Gpr.Rax, Gpr.Rax);
        asm.Jcc(Condition.NotZero, fail, JumpDistance.Short);
        asm.Pop(Gpr.Rbp);
        asm.Ret();
        asm.Bind(fail);
        asm.Mov(OperandSize.S64, Gpr.Rsp, Mem.At(Gpr.Rax, VmOffsets.StoreEntryStackPointer));
        asm.Mov(OperandSize.S32, Gpr.Rax, CompiledAbi.TrappedStatus);
        asm.Ret();
    }

    /// <summary>
    /// The shared tail of the lazy stubs (each is <c>mov esi, index; jmp common</c>): calls the
    /// lazy-compile helper with (vmctx, index) through the helper table (r15 is the callee's vmctx on every path
    /// into a function, so also here), then tail-jumps to the code it returns, the arguments still in place; a
    /// failed compile unwinds like a trap with the error pending.
    /// </summary>
    public static void EmitLazyCommon(Assembler asm, Label common)
    {
        Label fail = asm.CreateLabel();
        asm.Bind(common);
        asm.Push(Gpr.Rbp);
        asm.Mov(OperandSize.S64, Gpr.Rbp, Gpr.Rsp);
        asm.Mov(OperandSize.S64, Gpr.Rdi, CompiledAbi.Vmctx);
        CompiledAbi.EmitHelperCall(asm, RuntimeHelper.LazyCompile);
        asm.Test(OperandSize.S64, Gpr.Rax, Gpr.Rax);
        asm.Jcc(Condition.Zero, fail, JumpDistance.Short);
        asm.Pop(Gpr.Rbp);
        asm.Jmp(Gpr.Rax);
        asm.Bind(fail);
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(CompiledAbi.Vmctx, VmOffsets.StoreContext));
        asm.Mov(OperandSize.S64, Gpr.Rsp, Mem.At(Gpr.Rax, VmOffsets.StoreEntryStackPointer));
        asm.Mov(OperandSize.S32, Gpr.Rax, CompiledAbi.TrappedStatus);
        asm.Ret();
    }
}

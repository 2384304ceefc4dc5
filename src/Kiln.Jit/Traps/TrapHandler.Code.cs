using Kiln.Jit.Interop;
using Kiln.Jit.X64;

namespace Kiln.Jit.Traps;

/// <summary>The SIGSEGV handler as machine code.</summary>
public static unsafe partial class TrapHandler
{
    /// <summary>
    /// <c>void handler(int signal, siginfo_t* info, ucontext_t* context)</c>, entered from the kernel's signal frame
    /// (rdi, rsi, rdx as the SysV ABI passes them, the return address the libc restorer). In outline:
    /// <code>
    /// readers++                                  (lock add: a full barrier before the table is read)
    /// rip = context->rip; table = state->table
    /// range = last range with start &lt;= rip     (binary search)
    /// if range and rip &lt; range.end and (rip - range.start) is in range.sites (binary search):
    ///     context->rip = range.recovery; readers--; return      (sigreturn resumes at the recovery code)
    /// readers--
    /// previous handler is a function: jmp to it with rdi, rsi, rdx unchanged, as if the kernel had called it
    /// previous handler is SIG_DFL or SIG_IGN: rt_sigaction(signal, SIG_DFL) and return: the instruction faults
    ///     again and the default action (death with a core dump) happens, as if we had never been installed.
    /// </code>
    /// Only caller-saved registers and the three argument registers (saved on the stack) are used. The stack is
    /// whatever the kernel chose (the alternate signal stack under SA_ONSTACK); the handler needs 24 bytes of it.
    /// </summary>
    private static nint EmitHandler(CodeMemory memory, State* state)
    {
        var asm = new Assembler();
        Label rangeLoop = asm.CreateLabel(), rangeUpper = asm.CreateLabel(), rangeFound = asm.CreateLabel();
        Label siteLoop = asm.CreateLabel(), siteLower = asm.CreateLabel(), hit = asm.CreateLabel();
        Label miss = asm.CreateLabel(), defaultAction = asm.CreateLabel();
        Gpr st = Gpr.R11, rip = Gpr.R8, entries = Gpr.R9, mid = Gpr.R10, hi = Gpr.Rax, lo = Gpr.Rcx, tmp = Gpr.Rsi;

        asm.Push(Gpr.Rdi);
        asm.Push(Gpr.Rsi);
        asm.Push(Gpr.Rdx);
        asm.MovImm(st, (nint)state);
        // The increment is ordered before the table load (a locked instruction is a full barrier), which is what
        // lets the registry free a table once it has seen the count at zero after replacing the pointer.
        asm.LockAdd(OperandSize.S64, Mem.At(st, StateReaders), 1);
        asm.Mov(OperandSize.S64, rip, Mem.At(Gpr.Rdx, LibC.UcontextRip));
        asm.Mov(OperandSize.S64, entries, Mem.At(st, StateTable));
        asm.Test(OperandSize.S64, entries, entries);
        asm.Jcc(Condition.Zero, miss);
        asm.Mov(OperandSize.S64, hi, Mem.At(entries, 0));
        asm.Xor(OperandSize.S32, lo, lo);
        asm.Add(OperandSize.S64, entries, sizeof(TableHeader));

        // Upper bound: lo = number of ranges whose start is <= rip.
        asm.Bind(rangeLoop);
        asm.Cmp(OperandSize.S64, lo, hi);
        asm.Jcc(Condition.AboveOrEqual, rangeFound);
        asm.Lea(OperandSize.S64, mid, Mem.At(lo, hi));
        asm.Shr(OperandSize.S64, mid, 1);
        asm.Imul(OperandSize.S64, tmp, mid, RangeSize);
        asm.Cmp(OperandSize.S64, rip, Mem.At(entries, tmp, 1, RangeStart));
        asm.Jcc(Condition.Below, rangeUpper);
        asm.Lea(OperandSize.S64, lo, Mem.At(mid, 1));
        asm.Jmp(rangeLoop);
        asm.Bind(rangeUpper);
        asm.Mov(OperandSize.S64, hi, mid);
        asm.Jmp(rangeLoop);

        asm.Bind(rangeFound);
        asm.Test(OperandSize.S64, lo, lo);
        asm.Jcc(Condition.Zero, miss);
        asm.Dec(OperandSize.S64, lo);
        asm.Imul(OperandSize.S64, tmp, lo, RangeSize);
        asm.Add(OperandSize.S64, tmp, entries);
        asm.Cmp(OperandSize.S64, rip, Mem.At(tmp, RangeEnd));
        asm.Jcc(Condition.AboveOrEqual, miss);
        asm.Sub(OperandSize.S64, rip, Mem.At(tmp, RangeStart));
        asm.Mov(OperandSize.S64, entries, Mem.At(tmp, RangeSites));
        asm.Mov(OperandSize.S64, hi, Mem.At(tmp, RangeSiteCount));
        asm.Xor(OperandSize.S32, lo, lo);

        // Exact match of the offset among the sorted int32 site offsets.
        asm.Bind(siteLoop);
        asm.Cmp(OperandSize.S64, lo, hi);
        asm.Jcc(Condition.AboveOrEqual, miss);
        asm.Lea(OperandSize.S64, mid, Mem.At(lo, hi));
        asm.Shr(OperandSize.S64, mid, 1);
        asm.Mov(OperandSize.S32, Gpr.Rdi, Mem.At(entries, mid, 4));
        asm.Cmp(OperandSize.S64, Gpr.Rdi, rip);
        asm.Jcc(Condition.Equal, hit);
        asm.Jcc(Condition.Below, siteLower);
        asm.Mov(OperandSize.S64, hi, mid);
        asm.Jmp(siteLoop);
        asm.Bind(siteLower);
        asm.Lea(OperandSize.S64, lo, Mem.At(mid, 1));
        asm.Jmp(siteLoop);

        asm.Bind(hit);
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(tmp, RangeRecovery));
        asm.Mov(OperandSize.S64, Gpr.Rdx, Mem.At(Gpr.Rsp, 0));
        asm.Mov(OperandSize.S64, Mem.At(Gpr.Rdx, LibC.UcontextRip), Gpr.Rax);
        asm.LockAdd(OperandSize.S64, Mem.At(st, StateRedirected), 1);
        asm.LockAdd(OperandSize.S64, Mem.At(st, StateReaders), -1);
        asm.Pop(Gpr.Rdx);
        asm.Pop(Gpr.Rsi);
        asm.Pop(Gpr.Rdi);
        asm.Ret();

        asm.Bind(miss);
        asm.LockAdd(OperandSize.S64, Mem.At(st, StatePassedOn), 1);
        asm.LockAdd(OperandSize.S64, Mem.At(st, StateReaders), -1);
        asm.Pop(Gpr.Rdx);
        asm.Pop(Gpr.Rsi);
        asm.Pop(Gpr.Rdi);
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(st, StatePreviousHandler));
        asm.Cmp(OperandSize.S64, Gpr.Rax, (int)LibC.SigIgn);
        asm.Jcc(Condition.BelowOrEqual, defaultAction);
        // A tail jump, not a call: the previous handler returns straight to the kernel's restorer.
        asm.Jmp(Gpr.Rax);

        asm.Bind(defaultAction);
        // rt_sigaction(signal, &SIG_DFL, NULL, sizeof(kernel sigset)): no libc in a signal handler.
        asm.Lea(OperandSize.S64, Gpr.Rsi, Mem.At(st, StateDefaultAction));
        asm.Xor(OperandSize.S32, Gpr.Rdx, Gpr.Rdx);
        asm.Mov(OperandSize.S32, Gpr.R10, 8);
        asm.Mov(OperandSize.S32, Gpr.Rax, LibC.SysRtSigaction);
        asm.Syscall();
        asm.Ret();
        asm.Finish();

        using CodeBatchBuilder builder = memory.CreateBatch(asm.Code.Length);
        CodeItem item = builder.AddFunction(asm.Code);
        CodeBatch batch = builder.Seal();
        return batch.GetAddress(item);
    }
}

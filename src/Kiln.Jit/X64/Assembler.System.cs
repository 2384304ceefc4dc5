namespace Kiln.Jit.X64;

// Instructions for hand-written runtime code rather than compiled programs: a locked read-modify-write
// for counters shared between threads (and signal handlers), and the system-call instruction for code
// that must not go through libc (a signal handler).
public sealed partial class Assembler
{
    /// <summary>
    /// lock add [dst], imm: an atomic add that is also a full memory barrier (Intel SDM Vol. 3, 9.2.3:
    /// locked instructions are not reordered with loads or stores).
    /// </summary>
    public void LockAdd(OperandSize size, Mem dst, int imm)
    {
        Reserve();
        Put(0xF0);
        AluMI(AluAdd, size, dst, imm);
    }

    /// <summary>syscall: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9; clobbers rcx and r11.</summary>
    public void Syscall()
    {
        Reserve();
        Put(0x0F);
        Put(0x05);
    }
}

using System.Runtime.InteropServices;
using Kiln.Jit.Traps;
using Kiln.Jit.X64;

namespace Kiln.Jit.CrashProbe;

/// <summary>
/// Faults under the guard-page trap handler: one at a registered site (must resume at the recovery code) and, in
/// "unregistered" mode, one at an instruction that is not a site (must reach the previous handler and kill the
/// process with SIGSEGV). "default" first resets SIGSEGV to SIG_DFL, so the handler chains to no handler at all.
/// </summary>
public static unsafe partial class Program
{
    private static int GuardTrap(string mode, bool withoutRuntimeHandler)
    {
        if (withoutRuntimeHandler)
        {
            // A zeroed struct sigaction is SIG_DFL with no flags.
            byte* action = stackalloc byte[152];
            new Span<byte>(action, 152).Clear();
            Console.WriteLine($"reset to SIG_DFL: {Sigaction(11, action, null)}");
        }
        using var memory = new CodeMemory();
        var asm = new Assembler();
        int registered = asm.Position;
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rdi));
        asm.Ret();
        asm.Align(16);
        int unregistered = asm.Position;
        asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rdi));
        asm.Ret();
        asm.Align(16);
        int recovery = asm.Position;
        asm.Mov(OperandSize.S32, Gpr.Rax, 0xBAD);
        asm.Ret();
        asm.Finish();
        using CodeBatchBuilder builder = memory.CreateBatch(asm.Code.Length);
        CodeItem item = builder.AddFunction(asm.Code);
        using CodeBatch batch = builder.Seal();
        nint code = batch.GetAddress(item);
        using TrapSiteRegistration sites = TrapHandler.Register(batch, code, asm.Code.Length, [registered], code + recovery);

        nint page = Mmap(0, 4096, 0, 0x22, -1, 0);
        Console.WriteLine($"registered: 0x{((delegate* unmanaged<nint, long>)(code + registered))(page):x}");
        if (mode == "unregistered")
        {
            Console.WriteLine("calling unregistered");
            Console.Out.Flush();
            long value = ((delegate* unmanaged<nint, long>)(code + unregistered))(page);
            Console.WriteLine($"unregistered-survived 0x{value:x}");
            return 3;
        }
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int Sigaction(int signal, byte* action, byte* previous);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);
}

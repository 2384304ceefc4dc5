using Kiln.Jit.Linking;
using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.X64;

/// <summary>The emitter's hot path allocates nothing once its buffers have grown (reused across Reset).</summary>
public sealed class AllocationTests
{
    [Fact]
    public void SteadyStateEmissionDoesNotAllocate()
    {
        var asm = new Assembler(CpuFeatures.All);
        for (int warmup = 0; warmup < 3; warmup++)
        {
            asm.Reset();
            EmitMix(asm);
            asm.Finish();
        }
        asm.Reset();
        long before = GC.GetAllocatedBytesForCurrentThread();
        EmitMix(asm);
        asm.Finish();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(asm.Position > 10_000);
        Assert.Equal(0, allocated);
    }

    // rsp cannot be an index; r14/r15 hold the VM context and memory base in this mix.
    private static readonly Gpr[] s_registers =
        [Gpr.Rax, Gpr.Rcx, Gpr.Rdx, Gpr.Rbx, Gpr.Rbp, Gpr.Rsi, Gpr.Rdi, Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11, Gpr.R12, Gpr.R13];

    private static void EmitMix(Assembler asm)
    {
        Label loop = asm.CreateLabel();
        asm.Bind(loop);
        for (int i = 0; i < 500; i++)
        {
            Gpr a = s_registers[i % s_registers.Length];
            Gpr b = s_registers[(i + 5) % s_registers.Length];
            Xmm x = Xmm.FromIndex(i % 16);
            Label skip = asm.CreateLabel();
            asm.Mov(OperandSize.S32, a, Mem.At(Gpr.R14, 8 * (i % 16)));
            asm.Mov(OperandSize.S32, b, Mem.At(Gpr.R15, a, 1, 0x1000));
            asm.Add(OperandSize.S32, a, b);
            asm.Lea(OperandSize.S64, a, Mem.At(a, b, 4, 16));
            asm.Imul(OperandSize.S32, a, b, 10);
            asm.Cmp(OperandSize.S32, a, 100);
            asm.Jcc(Condition.Less, skip);
            asm.Movsd(x, Mem.At(Gpr.Rsp, 16));
            asm.Addsd(x, asm.ConstF64(i % 7));
            asm.Movsd(Mem.At(Gpr.Rsp, 16), x);
            Xmm y = Xmm.FromIndex((i + 7) % 16);
            asm.Movdqu(y, Mem.At(Gpr.R15, a, 1, 32));
            asm.Pshufb(y, asm.Const128(0x0706050403020100, (ulong)i));
            asm.Pinsrd(y, b, (byte)(i % 4));
            asm.Psllw(y, 3);
            asm.Cmpps(x, y, FloatComparison.LessThan);
            asm.Vpaddd(x, y, Mem.At(Gpr.Rsp, 32));
            asm.Vpblendvb(x, x, y, Xmm.Xmm15);
            asm.Vpbroadcastd(y, x);
            asm.Movdqu(Mem.At(Gpr.R15, a, 1, 32), y);
            asm.Call(RelocationTarget.Function(i % 3));
            asm.CallViaSlot(RelocationTarget.Symbol(new SymbolId(i % 4)));
            asm.Bind(skip);
            asm.Jcc(Condition.NotEqual, loop);
        }
        asm.Ret();
    }
}

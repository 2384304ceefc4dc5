using BenchmarkDotNet.Attributes;
using Iced.Intel;
using Kiln.Jit.X64;
using static Iced.Intel.AssemblerRegisters;
using KilnAssembler = Kiln.Jit.X64.Assembler;
using KilnLabel = Kiln.Jit.X64.Label;

namespace Kiln.Benchmarks.X64;

/// <summary>
/// Encodes the same instruction stream with Kiln's assembler and with Iced's <c>Assembler</c>: blocks
/// shaped like baseline-compiler output (loads from the VM context and linear memory, integer and
/// float arithmetic, a forward branch, a spill, an indirect call, a loop back-edge). Both reuse their
/// buffers between invocations; results are per instruction.
/// </summary>
[MemoryDiagnoser]
public class AssemblerBenchmarks
{
    private const int Blocks = 400;
    private const int InstructionsPerBlock = 15;
    public const int Instructions = Blocks * InstructionsPerBlock;

    // rsp is never an index; r14 (VM context) and r15 (memory base) are reserved in the mix.
    private static readonly Gpr[] s_kiln =
        [Gpr.Rax, Gpr.Rcx, Gpr.Rdx, Gpr.Rbx, Gpr.Rbp, Gpr.Rsi, Gpr.Rdi, Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11, Gpr.R12, Gpr.R13];
    private static readonly AssemblerRegister64[] s_iced64 = [rax, rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13];
    private static readonly AssemblerRegister32[] s_iced32 = [eax, ecx, edx, ebx, ebp, esi, edi, r8d, r9d, r10d, r11d, r12d, r13d];
    private static readonly AssemblerRegisterXMM[] s_icedXmm =
        [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15];

    private readonly KilnAssembler _kiln = new(CpuFeatures.All, 64 * 1024);
    private readonly Iced.Intel.Assembler _iced = new(64);
    private readonly ReusableCodeWriter _writer = new();

    [Benchmark(Baseline = true, OperationsPerInvoke = Instructions)]
    public int Iced()
    {
        Iced.Intel.Assembler a = _iced;
        a.Reset();
        Iced.Intel.Label loop = a.CreateLabel();
        a.Label(ref loop);
        for (int i = 0; i < Blocks; i++)
        {
            AssemblerRegister64 a64 = s_iced64[i % 13], b64 = s_iced64[(i + 5) % 13];
            AssemblerRegister32 a32 = s_iced32[i % 13], b32 = s_iced32[(i + 5) % 13];
            AssemblerRegisterXMM x = s_icedXmm[i % 16], y = s_icedXmm[(i + 7) % 16];
            Iced.Intel.Label skip = a.CreateLabel();
            a.mov(a32, __dword_ptr[r14 + 8 * (i % 16)]);
            a.mov(b32, __dword_ptr[r15 + a64 * 1 + 0x1000]);
            a.add(a32, b32);
            a.lea(a64, __[a64 + b64 * 4 + 16]);
            a.imul(a32, b32, 10);
            a.shl(b64, 3);
            a.cmp(a32, 100);
            a.jl(skip);
            a.movsd(x, __qword_ptr[rsp + 16]);
            a.addsd(x, y);
            a.movsd(__qword_ptr[rsp + 16], x);
            a.mov(__qword_ptr[rsp + 24], a64);
            a.call(__qword_ptr[r14 + 0x40]);
            a.Label(ref skip);
            a.test(a32, a32);
            a.jne(loop);
        }
        _writer.Position = 0;
        a.Assemble(_writer, 0x10000);
        return _writer.Position;
    }

    [Benchmark(OperationsPerInvoke = Instructions)]
    public int Kiln()
    {
        KilnAssembler a = _kiln;
        a.Reset();
        KilnLabel loop = a.CreateLabel();
        a.Bind(loop);
        for (int i = 0; i < Blocks; i++)
        {
            Gpr ra = s_kiln[i % 13], rb = s_kiln[(i + 5) % 13];
            Xmm x = Xmm.FromIndex(i % 16), y = Xmm.FromIndex((i + 7) % 16);
            KilnLabel skip = a.CreateLabel();
            a.Mov(OperandSize.S32, ra, Mem.At(Gpr.R14, 8 * (i % 16)));
            a.Mov(OperandSize.S32, rb, Mem.At(Gpr.R15, ra, 1, 0x1000));
            a.Add(OperandSize.S32, ra, rb);
            a.Lea(OperandSize.S64, ra, Mem.At(ra, rb, 4, 16));
            a.Imul(OperandSize.S32, ra, rb, 10);
            a.Shl(OperandSize.S64, rb, 3);
            a.Cmp(OperandSize.S32, ra, 100);
            a.Jcc(Condition.Less, skip);
            a.Movsd(x, Mem.At(Gpr.Rsp, 16));
            a.Addsd(x, y);
            a.Movsd(Mem.At(Gpr.Rsp, 16), x);
            a.Mov(OperandSize.S64, Mem.At(Gpr.Rsp, 24), ra);
            a.Call(Mem.At(Gpr.R14, 0x40));
            a.Bind(skip);
            a.Test(OperandSize.S32, ra, ra);
            a.Jcc(Condition.NotEqual, loop);
        }
        a.Finish();
        return a.Position;
    }

    /// <summary>Iced's output sink over one buffer kept across invocations.</summary>
    private sealed class ReusableCodeWriter : CodeWriter
    {
        private readonly byte[] _buffer = new byte[256 * 1024];

        public int Position { get; set; }

        public override void WriteByte(byte value) => _buffer[Position++] = value;
    }
}

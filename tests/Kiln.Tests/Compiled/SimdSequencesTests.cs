using Iced.Intel;
using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Wasm.Model;
using Assembler = Kiln.Jit.X64.Assembler;
using IcedRegister = Iced.Intel.Register;

namespace Kiln.Tests.Compiled;

/// <summary>
/// The contract of the shared SIMD sequences that the optimizing tier relies on beyond what the spec suite checks:
/// where <see cref="SimdSequences.BinaryKeepsB"/> says a sequence only reads its second operand, the optimizing tier
/// passes the register that operand's value lives in, so no instruction of the sequence may write it. Every binary
/// sequence is emitted and decoded (with and without SSE4.2, whose absence changes the i64x2 comparisons).
/// </summary>
public class SimdSequencesTests
{
    private static readonly Xmm s_a = Xmm.Xmm13;
    private static readonly Xmm s_b = Xmm.Xmm14;

    public static TheoryData<bool> Sse42 => new(true, false);

    [Theory]
    [MemberData(nameof(Sse42))]
    public void SequencesThatKeepBNeverWriteIt(bool sse42)
    {
        CpuFeatures features = sse42 ? CpuFeatures.All : new CpuFeatures(CpuFeature.Sse3 | CpuFeature.Ssse3 | CpuFeature.Sse41);
        int binary = 0, keeping = 0;
        for (int sub = 0; sub <= 0xFF; sub++)
        {
            var op = (Opcode)(0xFD00 | sub);
            var asm = new Assembler(features);
            bool isBinary = SimdSequences.TryBinary(asm, op, s_a, s_b, Xmm.Xmm0, Xmm.Xmm1, out Xmm result);
            bool keeps = SimdSequences.BinaryKeepsB(op);
            if (keeps)
            {
                Assert.True(isBinary, $"{op} is said to keep b but is no binary sequence");
            }
            if (!isBinary)
            {
                continue;
            }
            binary++;
            string[] writers = WritersOf(asm.ToAssembledCode().Code, IcedRegister.XMM14);
            if (keeps)
            {
                keeping++;
                Assert.True(result == s_a, $"{op} keeps b but leaves its result in {result}");
                Assert.True(writers.Length == 0, $"{op} is said to keep b but writes it: {string.Join("; ", writers)}");
            }
        }
        // Most binary sequences keep b; the count guards against an empty loop.
        Assert.True(binary > 100 && keeping > 70, $"{binary} binary sequences, {keeping} keep b");
    }

    [Fact]
    public void AnExtmulThatOverwritesBIsNotSaidToKeepIt()
    {
        var asm = new Assembler(CpuFeatures.All);
        Assert.True(SimdSequences.TryBinary(asm, Opcode.I16x8ExtmulLowI8x16S, s_a, s_b, Xmm.Xmm0, Xmm.Xmm1, out _));
        Assert.NotEmpty(WritersOf(asm.ToAssembledCode().Code, IcedRegister.XMM14));
        Assert.False(SimdSequences.BinaryKeepsB(Opcode.I16x8ExtmulLowI8x16S));
    }

    /// <summary>The instructions of <paramref name="code"/> that write <paramref name="register"/>.</summary>
    private static string[] WritersOf(byte[] code, IcedRegister register)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code));
        var info = new InstructionInfoFactory();
        var writers = new List<string>();
        while (decoder.IP < (ulong)code.Length)
        {
            Instruction ins = decoder.Decode();
            foreach (UsedRegister used in info.GetInfo(ins).GetUsedRegisters())
            {
                if (used.Register.GetFullRegister() == IcedRegister.ZMM14 || used.Register == register)
                {
                    if (used.Access is OpAccess.Write or OpAccess.ReadWrite or OpAccess.CondWrite or OpAccess.ReadCondWrite)
                    {
                        writers.Add(ins.ToString());
                    }
                }
            }
        }
        return [.. writers];
    }
}

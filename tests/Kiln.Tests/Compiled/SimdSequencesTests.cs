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

    /// <summary>
    /// The optimizing tier's VEX twins (<see cref="SimdSequences.BinaryVex"/>) must be the legacy sequence's one
    /// instruction, VEX-encoded, with the same operands in the same order (so the same NaN payloads): vop dst, x, y
    /// where the legacy form is op x, y with its result in x; and they read a and b only.
    /// </summary>
    [Fact]
    public void VexBinaryFormsAreTheLegacyInstructionWithThreeOperands()
    {
        Xmm dst = Xmm.Xmm12;
        int count = 0;
        for (int sub = 0; sub <= 0xFF; sub++)
        {
            var op = (Opcode)(0xFD00 | sub);
            if (!SimdSequences.HasBinaryVex(op))
            {
                continue;
            }
            count++;
            var legacyAsm = new Assembler(CpuFeatures.All);
            Assert.True(SimdSequences.TryBinary(legacyAsm, op, s_a, s_b, Xmm.Xmm0, Xmm.Xmm1, out Xmm result), $"{op}");
            Instruction legacy = Assert.Single(Decode(legacyAsm.ToAssembledCode().Code));
            var vexAsm = new Assembler(CpuFeatures.All);
            SimdSequences.BinaryVex(vexAsm, op, dst, s_a, s_b);
            byte[] code = vexAsm.ToAssembledCode().Code;
            Instruction vex = Assert.Single(Decode(code));
            Assert.Equal("v" + legacy.Mnemonic.ToString().ToLowerInvariant(), vex.Mnemonic.ToString().ToLowerInvariant());
            Assert.Equal(IcedRegister.XMM12, vex.Op0Register);
            Assert.Equal(result == s_a ? IcedRegister.XMM13 : IcedRegister.XMM14, legacy.Op0Register);
            Assert.Equal(legacy.Op0Register, vex.Op1Register);
            Assert.Equal(legacy.Op1Register, vex.Op2Register);
            Assert.Equal(legacy.OpCount == 3 ? legacy.Immediate8 : 0, vex.OpCount == 4 ? vex.Immediate8 : 0);
            Assert.Empty(WritersOf(code, IcedRegister.XMM13));
            Assert.Empty(WritersOf(code, IcedRegister.XMM14));
        }
        Assert.True(count > 60, $"{count} VEX binary forms");
    }

    /// <summary>
    /// <see cref="SimdSequences.UnaryInto"/> reads its source only, and where it is one instruction it is the legacy
    /// sequence's instruction with a separate destination.
    /// </summary>
    [Fact]
    public void UnaryIntoFormsReadTheirSourceOnly()
    {
        int count = 0;
        for (int sub = 0; sub <= 0xFF; sub++)
        {
            var op = (Opcode)(0xFD00 | sub);
            if (!SimdSequences.HasUnaryInto(op, vex: true))
            {
                continue;
            }
            count++;
            var asm = new Assembler(CpuFeatures.All);
            SimdSequences.UnaryInto(asm, op, Xmm.Xmm12, s_a, Xmm.Xmm0);
            byte[] code = asm.ToAssembledCode().Code;
            Assert.Empty(WritersOf(code, IcedRegister.XMM13));
            if (!SimdSequences.HasUnaryInto(op, vex: false))
            {
                continue;
            }
            var legacyAsm = new Assembler(CpuFeatures.All);
            Assert.True(SimdSequences.TryUnary(legacyAsm, op, s_a, Xmm.Xmm0, Xmm.Xmm1), $"{op}");
            Instruction legacy = Assert.Single(Decode(legacyAsm.ToAssembledCode().Code));
            Instruction into = Assert.Single(Decode(code));
            Assert.Equal(legacy.Mnemonic, into.Mnemonic);
            Assert.Equal(IcedRegister.XMM12, into.Op0Register);
            Assert.Equal(IcedRegister.XMM13, into.Op1Register);
            Assert.Equal(legacy.OpCount == 3 ? legacy.Immediate8 : 0, into.OpCount == 3 ? into.Immediate8 : 0);
        }
        Assert.True(count == 19, $"{count} unary forms");
    }

    private static List<Instruction> Decode(byte[] code)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code));
        var list = new List<Instruction>();
        while (decoder.IP < (ulong)code.Length)
        {
            list.Add(decoder.Decode());
        }
        return list;
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

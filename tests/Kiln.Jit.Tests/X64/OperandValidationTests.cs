using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.X64;

/// <summary>Operands x86-64 cannot encode are rejected with a clear error, never encoded wrongly.</summary>
public sealed class OperandValidationTests
{
    private readonly Assembler _asm = new(CpuFeatures.All);

    [Fact]
    public void RspCannotBeAnIndex()
    {
        Assert.Throws<ArgumentException>(() => Mem.At(Gpr.Rax, Gpr.Rsp));
        Assert.Throws<ArgumentException>(() => Mem.Indexed(Gpr.Rsp, 2, 0));
        Mem ok = Mem.At(Gpr.Rsp, Gpr.R12, 8, 16);
        Assert.Equal(Gpr.Rsp, ok.Base);
        Assert.Equal(Gpr.R12, ok.Index);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(16)]
    public void ScaleMustBe1248(int scale) => Assert.Throws<ArgumentOutOfRangeException>(() => Mem.At(Gpr.Rax, Gpr.Rcx, scale));

    [Fact]
    public void RegisterNumbersAreChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpr.FromIndex(16));
        Assert.Throws<ArgumentOutOfRangeException>(() => Xmm.FromIndex(-1));
    }

    [Fact]
    public void ImmediatesMustFitTheOperand()
    {
        Assert.Throws<AssemblerException>(() => _asm.Add(OperandSize.S8, Gpr.Rax, 256));
        Assert.Throws<AssemblerException>(() => _asm.Mov(OperandSize.S16, Gpr.Rax, 70000));
        Assert.Throws<AssemblerException>(() => _asm.Shl(OperandSize.S32, Gpr.Rax, 64));
        Assert.Throws<AssemblerException>(() => _asm.Bt(OperandSize.S32, Gpr.Rax, -1));
        _asm.Add(OperandSize.S8, Gpr.Rax, -128);
        _asm.Add(OperandSize.S16, Gpr.Rax, 65535);
    }

    [Fact]
    public void FormsThatDoNotExistAreRejected()
    {
        Assert.Throws<AssemblerException>(() => _asm.Movzx(OperandSize.S64, Gpr.Rax, OperandSize.S32, Gpr.Rcx));
        Assert.Throws<AssemblerException>(() => _asm.Movzx(OperandSize.S8, Gpr.Rax, OperandSize.S8, Gpr.Rcx));
        Assert.Throws<AssemblerException>(() => _asm.Imul(OperandSize.S8, Gpr.Rax, Gpr.Rcx));
        Assert.Throws<AssemblerException>(() => _asm.Bswap(OperandSize.S16, Gpr.Rax));
        Assert.Throws<AssemblerException>(() => _asm.Cmovcc(Condition.Equal, OperandSize.S8, Gpr.Rax, Gpr.Rcx));
        Assert.Throws<AssemblerException>(() => _asm.Cvtsi2sd(Xmm.Xmm0, OperandSize.S16, Gpr.Rax));
        Assert.Throws<AssemblerException>(() => _asm.Lea(OperandSize.S8, Gpr.Rax, Mem.At(Gpr.Rcx)));
        Assert.Throws<AssemblerException>(() => _asm.Nop(-1));
        Assert.Equal(0, _asm.Position);
    }

    [Fact]
    public void LanesAndMasksMustExist()
    {
        // The CPU would take the index modulo the lane count (or drop the mask's extra bits) and
        // silently touch another lane.
        Assert.Throws<AssemblerException>(() => _asm.Pinsrb(Xmm.Xmm0, Gpr.Rax, 16));
        Assert.Throws<AssemblerException>(() => _asm.Pinsrw(Xmm.Xmm0, Mem.At(Gpr.Rax), 8));
        Assert.Throws<AssemblerException>(() => _asm.Pinsrd(Xmm.Xmm0, Gpr.Rax, 4));
        Assert.Throws<AssemblerException>(() => _asm.Pinsrq(Xmm.Xmm0, Gpr.Rax, 2));
        Assert.Throws<AssemblerException>(() => _asm.Pextrb(Gpr.Rax, Xmm.Xmm0, 16));
        Assert.Throws<AssemblerException>(() => _asm.Pextrw(Gpr.Rax, Xmm.Xmm0, 8));
        Assert.Throws<AssemblerException>(() => _asm.Pextrd(Mem.At(Gpr.Rax), Xmm.Xmm0, 4));
        Assert.Throws<AssemblerException>(() => _asm.Pextrq(Gpr.Rax, Xmm.Xmm0, 2));
        Assert.Throws<AssemblerException>(() => _asm.Extractps(Gpr.Rax, Xmm.Xmm0, 4));
        Assert.Throws<AssemblerException>(() => _asm.Vpinsrq(Xmm.Xmm0, Xmm.Xmm1, Gpr.Rax, 2));
        Assert.Throws<AssemblerException>(() => _asm.Blendps(Xmm.Xmm0, Xmm.Xmm1, 0x10));
        Assert.Throws<AssemblerException>(() => _asm.Blendpd(Xmm.Xmm0, Xmm.Xmm1, 0x4));
        Assert.Throws<AssemblerException>(() => _asm.Shufpd(Xmm.Xmm0, Xmm.Xmm1, 0x4));
        Assert.Throws<AssemblerException>(() => _asm.Vblendps(Xmm.Xmm0, Xmm.Xmm1, Xmm.Xmm2, 0x10));
        Assert.Equal(0, _asm.Position);
        _asm.Pinsrb(Xmm.Xmm0, Gpr.Rax, 15);
        _asm.Pextrq(Gpr.Rax, Xmm.Xmm0, 1);
        _asm.Blendps(Xmm.Xmm0, Xmm.Xmm1, 0xF);
    }

    [Fact]
    public void GreaterThanPredicatesAreVexOnly()
    {
        Assert.Throws<AssemblerException>(() => _asm.Cmpps(Xmm.Xmm0, Xmm.Xmm1, FloatComparison.GreaterThan));
        Assert.Throws<AssemblerException>(() => _asm.Cmppd(Xmm.Xmm0, Mem.At(Gpr.Rax), FloatComparison.GreaterOrEqual));
        Assert.Throws<AssemblerException>(() => _asm.Vcmpps(Xmm.Xmm0, Xmm.Xmm1, Xmm.Xmm2, (FloatComparison)32));
        Assert.Equal(0, _asm.Position);
        _asm.Vcmpps(Xmm.Xmm0, Xmm.Xmm1, Xmm.Xmm2, FloatComparison.GreaterThan);
        _asm.Cmpps(Xmm.Xmm0, Xmm.Xmm1, FloatComparison.Ordered);
    }

    [Theory]
    [InlineData(0L, 5)]
    [InlineData(0x7FFF_FFFFL, 5)]
    [InlineData(0xFFFF_FFFFL, 5)]
    [InlineData(-1L, 7)]
    [InlineData(int.MinValue, 7)]
    [InlineData(0x1_0000_0000L, 10)]
    [InlineData(long.MinValue, 10)]
    public void MovImmPicksTheShortestExactForm(long value, int length)
    {
        foreach (Gpr reg in new[] { Gpr.Rax, Gpr.R15 })
        {
            var asm = new Assembler(CpuFeatures.All);
            asm.MovImm(reg, value);
            int rex = reg.Index >= 8 ? 1 : 0;
            Assert.Equal(length + (length == 5 ? rex : 0), asm.Position);
            var decoded = IcedOracle.DecodeOne(asm.Code, 0);
            // A 32-bit mov zero-extends into the full register.
            ulong loaded = decoded.Op0Register >= Iced.Intel.Register.EAX && decoded.Op0Register <= Iced.Intel.Register.R15D
                ? (uint)decoded.GetImmediate(1)
                : decoded.GetImmediate(1);
            Assert.Equal((ulong)value, loaded);
        }
    }
}

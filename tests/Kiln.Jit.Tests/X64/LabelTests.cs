using Iced.Intel;
using Kiln.Jit.X64;
using Assembler = Kiln.Jit.X64.Assembler;
using Label = Kiln.Jit.X64.Label;

namespace Kiln.Jit.Tests.X64;

/// <summary>Labels: forward and backward references, short/near selection at the rel8 limits, errors.</summary>
public sealed class LabelTests
{
    private const ulong Ip = 0x1000;

    private static List<Instruction> Finish(Assembler asm)
    {
        asm.Finish();
        return IcedOracle.DecodeAll(asm.Code, Ip);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BackwardJumpIsShortAtMinus128(bool conditional)
    {
        var asm = new Assembler(CpuFeatures.All);
        Label top = asm.CreateLabel();
        asm.Bind(top);
        asm.Nop(126);
        EmitJump(asm, conditional, top, JumpDistance.Auto);
        Assert.Equal(128, asm.Position);
        Instruction jump = Finish(asm)[^1];
        Assert.Equal(2, jump.Length);
        Assert.Equal(Ip, jump.NearBranchTarget);
    }

    [Theory]
    [InlineData(false, 5)]
    [InlineData(true, 6)]
    public void BackwardJumpIsNearAtMinus129(bool conditional, int nearLength)
    {
        var asm = new Assembler(CpuFeatures.All);
        Label top = asm.CreateLabel();
        asm.Bind(top);
        asm.Nop(127);
        EmitJump(asm, conditional, top, JumpDistance.Auto);
        Instruction jump = Finish(asm)[^1];
        Assert.Equal(nearLength, jump.Length);
        Assert.Equal(Ip, jump.NearBranchTarget);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ForwardAutoJumpIsNear(bool conditional)
    {
        var asm = new Assembler(CpuFeatures.All);
        Label end = asm.CreateLabel();
        EmitJump(asm, conditional, end, JumpDistance.Auto);
        asm.Nop(3);
        asm.Bind(end);
        asm.Ret();
        List<Instruction> code = Finish(asm);
        Assert.Equal(conditional ? 6 : 5, code[0].Length);
        Assert.Equal(Ip + (ulong)asm.GetLabelOffset(end), code[0].NearBranchTarget);
        Assert.Equal(Mnemonic.Ret, code[^1].Mnemonic);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ForwardShortJumpReachesPlus127(bool conditional)
    {
        var asm = new Assembler(CpuFeatures.All);
        Label end = asm.CreateLabel();
        EmitJump(asm, conditional, end, JumpDistance.Short);
        asm.Nop(127);
        asm.Bind(end);
        List<Instruction> code = Finish(asm);
        Assert.Equal(2, code[0].Length);
        Assert.Equal(Ip + 129, code[0].NearBranchTarget);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ForwardShortJumpBeyondPlus127FailsAtFinish(bool conditional)
    {
        var asm = new Assembler(CpuFeatures.All);
        Label end = asm.CreateLabel();
        EmitJump(asm, conditional, end, JumpDistance.Short);
        asm.Nop(128);
        asm.Bind(end);
        Assert.Throws<AssemblerException>(asm.Finish);
    }

    [Fact]
    public void BackwardShortJumpOutOfRangeFailsAtOnce()
    {
        var asm = new Assembler(CpuFeatures.All);
        Label top = asm.CreateLabel();
        asm.Bind(top);
        asm.Nop(127);
        Assert.Throws<AssemblerException>(() => asm.Jmp(top, JumpDistance.Short));
    }

    [Fact]
    public void NearIsKeptForCloseBackwardTargets()
    {
        var asm = new Assembler(CpuFeatures.All);
        Label top = asm.CreateLabel();
        asm.Bind(top);
        asm.Jcc(Condition.NotEqual, top, JumpDistance.Near);
        Instruction jump = Finish(asm)[0];
        Assert.Equal(6, jump.Length);
        Assert.Equal(Mnemonic.Jne, jump.Mnemonic);
        Assert.Equal(Ip, jump.NearBranchTarget);
    }

    [Fact]
    public void EveryConditionEncodesItsMnemonic()
    {
        Mnemonic[] expected =
        [
            Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
            Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg,
        ];
        var asm = new Assembler(CpuFeatures.All);
        Label back = asm.CreateLabel();
        Label forward = asm.CreateLabel();
        asm.Bind(back);
        for (int cc = 0; cc < 16; cc++)
        {
            asm.Jcc((Condition)cc, back);
            asm.Jcc((Condition)cc, forward);
        }
        asm.Bind(forward);
        List<Instruction> code = Finish(asm);
        for (int cc = 0; cc < 16; cc++)
        {
            Assert.Equal(expected[cc], code[2 * cc].Mnemonic);
            Assert.Equal(Ip, code[2 * cc].NearBranchTarget);
            Assert.Equal(2, code[2 * cc].Length);
            Assert.Equal(expected[cc], code[2 * cc + 1].Mnemonic);
            Assert.Equal(Ip + (ulong)asm.GetLabelOffset(forward), code[2 * cc + 1].NearBranchTarget);
        }
        Assert.Equal(Condition.NotEqual, Condition.Equal.Negate());
        Assert.Equal(Condition.GreaterOrEqual, Condition.Less.Negate());
    }

    [Fact]
    public void CallAndRipRelativeLeaReachLabelsBothWays()
    {
        var asm = new Assembler(CpuFeatures.All);
        Label stub = asm.CreateLabel();
        Label data = asm.CreateLabel();
        Label back = asm.CreateLabel();
        asm.Bind(back);
        asm.Call(stub);
        asm.Lea(OperandSize.S64, Gpr.Rax, Mem.Rip(data));
        asm.Call(back);
        asm.Lea(OperandSize.S64, Gpr.R13, Mem.Rip(back, 8));
        asm.Ret();
        asm.Bind(stub);
        asm.Ud2();
        asm.Bind(data);
        asm.Int3();
        List<Instruction> code = Finish(asm);
        Assert.Equal(Ip + (ulong)asm.GetLabelOffset(stub), code[0].NearBranchTarget);
        Assert.Equal(Ip + (ulong)asm.GetLabelOffset(data), code[1].MemoryDisplacement64);
        Assert.Equal(Register.RIP, code[1].MemoryBase);
        Assert.Equal(Ip, code[2].NearBranchTarget);
        Assert.Equal(Ip + 8, code[3].MemoryDisplacement64);
    }

    [Fact]
    public void UnboundLabelFailsAtFinish()
    {
        var asm = new Assembler(CpuFeatures.All);
        Label nowhere = asm.CreateLabel();
        asm.Jmp(nowhere);
        Assert.Throws<AssemblerException>(asm.Finish);
    }

    [Fact]
    public void BindingTwiceAndForeignLabelsAreRejected()
    {
        var asm = new Assembler(CpuFeatures.All);
        Label label = asm.CreateLabel();
        asm.Bind(label);
        Assert.Throws<AssemblerException>(() => asm.Bind(label));
        Assert.Throws<AssemblerException>(() => asm.Jmp(default(Label)));
        asm.Reset();
        Assert.Throws<AssemblerException>(() => asm.Jmp(label));
        Assert.Throws<ArgumentException>(() => Mem.Rip(default));
    }

    [Fact]
    public void AlignPadsWithDecodableNops()
    {
        var asm = new Assembler(CpuFeatures.All);
        for (int start = 0; start < 40; start++)
        {
            asm.Reset();
            asm.Nop(start);
            asm.Align(16);
            Assert.Equal(0, asm.Position % 16);
            Assert.True(asm.Position - start < 16);
            foreach (Instruction instruction in IcedOracle.DecodeAll(asm.Code, Ip))
            {
                Assert.True(instruction.Mnemonic is Mnemonic.Nop or Mnemonic.Xchg, instruction.ToString());
            }
        }
        Assert.Throws<AssemblerException>(() => asm.Align(12));
    }

    private static void EmitJump(Assembler asm, bool conditional, Label label, JumpDistance distance)
    {
        if (conditional)
        {
            asm.Jcc(Condition.Less, label, distance);
        }
        else
        {
            asm.Jmp(label, distance);
        }
    }
}

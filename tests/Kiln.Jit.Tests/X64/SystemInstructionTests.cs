using Iced.Intel;
using Kiln.Jit.X64;
using Assembler = Kiln.Jit.X64.Assembler;

namespace Kiln.Jit.Tests.X64;

/// <summary>The instructions for hand-written runtime code (the trap handler): lock add and syscall, checked with Iced.</summary>
public sealed class SystemInstructionTests
{
    [Theory]
    [InlineData(OperandSize.S64, 11, 8, 1, "lock add qword ptr [r11+8],1")]
    [InlineData(OperandSize.S64, 11, 8, -1, "lock add qword ptr [r11+8],0FFFFFFFFFFFFFFFFh")]
    [InlineData(OperandSize.S32, 4, 0, 1000, "lock add dword ptr [rsp],3E8h")]
    [InlineData(OperandSize.S64, 5, -16, 1, "lock add qword ptr [rbp-10h],1")]
    public void LockAddIsAnAtomicAddToMemory(OperandSize size, int baseRegister, int displacement, int value, string text)
    {
        var asm = new Assembler();
        asm.LockAdd(size, Mem.At(Gpr.FromIndex(baseRegister), displacement), value);
        Instruction instruction = IcedOracle.DecodeOne(asm.Code, 0);
        Assert.True(instruction.HasLockPrefix);
        Assert.Equal(asm.Code.Length, instruction.Length);
        Assert.Equal(text, instruction.ToString());
    }

    [Fact]
    public void SyscallIs0F05()
    {
        var asm = new Assembler();
        asm.Syscall();
        Assert.Equal([0x0F, 0x05], asm.Code.ToArray());
        Assert.Equal(Mnemonic.Syscall, IcedOracle.DecodeOne(asm.Code, 0).Mnemonic);
    }
}

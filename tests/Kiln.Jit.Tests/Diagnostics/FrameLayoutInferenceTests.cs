using Kiln.Jit.Diagnostics;
using Kiln.Jit.GdbProbe;
using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary><see cref="FrameLayout.Infer"/> against layouts known from the code that was emitted.</summary>
public class FrameLayoutInferenceTests
{
    [Fact]
    public void TheProbeFunctionsInferTheLayoutsTheyWereDescribedWith()
    {
        using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
        using ProbeFunctions.Installed probe = ProbeFunctions.Install(memory, diagnostics: null);
        foreach (JitFunction f in (JitFunction[])[probe.Inner, probe.Outer, probe.Entry])
        {
            FrameLayout inferred = FrameLayout.Infer(probe.Batch.GetBytes(f.Item!.Value));
            Assert.True(inferred.HasFramePointer);
            Assert.Equal(f.Frame.AfterPushRbp, inferred.AfterPushRbp);
            Assert.Equal(f.Frame.AfterMovRbp, inferred.AfterMovRbp);
            Assert.Equal(f.Frame.Epilogues, inferred.Epilogues);
            Assert.Empty(inferred.SavedRegisters);
        }
    }

    [Fact]
    public void AFrameAfterFramelessStubsWithSavedRegistersAndTailJumpIsFound()
    {
        var asm = new Assembler();
        Label common = asm.CreateLabel();
        Label fail = asm.CreateLabel();
        // Two stubs without a frame, then the shared tail.
        asm.Mov(OperandSize.S32, Gpr.Rsi, 1);
        asm.Jmp(common);
        asm.Mov(OperandSize.S32, Gpr.Rsi, 2);
        asm.Jmp(common);
        asm.Bind(common);
        int push = asm.Position;
        asm.Push(Gpr.Rbp);
        asm.Mov(OperandSize.S64, Gpr.Rbp, Gpr.Rsp);
        asm.Push(Gpr.Rbx);
        int afterRbx = asm.Position;
        asm.Push(Gpr.R12);
        int afterR12 = asm.Position;
        asm.Push(Gpr.Rdx); // not callee-saved: the saves end here
        asm.Test(OperandSize.S64, Gpr.Rax, Gpr.Rax);
        asm.Jcc(Condition.Zero, fail);
        asm.Pop(Gpr.Rdx);
        asm.Pop(Gpr.R12);
        asm.Pop(Gpr.Rbx);
        asm.Pop(Gpr.Rbp);
        int tailStart = asm.Position;
        asm.Jmp(Gpr.Rax);
        int tailEnd = asm.Position;
        asm.Bind(fail);
        asm.Mov(OperandSize.S64, Gpr.Rsp, Gpr.Rbp);
        asm.Pop(Gpr.Rbp);
        int retStart = asm.Position;
        asm.Ret();
        asm.Finish();

        FrameLayout layout = FrameLayout.Infer(asm.Code);
        Assert.Equal(push + 1, layout.AfterPushRbp);
        Assert.Equal(push + 4, layout.AfterMovRbp);
        Assert.Equal([new SavedRegister(Gpr.Rbx, afterRbx, 24), new SavedRegister(Gpr.R12, afterR12, 32)], layout.SavedRegisters);
        Assert.Equal([(tailStart, tailEnd), (retStart, retStart + 1)], layout.Epilogues);
    }

    [Fact]
    public void CodeWithoutTheStandardPrologueHasNoFrame()
    {
        Assert.False(FrameLayout.Infer([0x48, 0x89, 0xF8, 0xC3]).HasFramePointer);
        Assert.False(FrameLayout.Infer([0x55, 0x5D, 0xC3]).HasFramePointer); // push rbp without mov rbp, rsp
    }
}

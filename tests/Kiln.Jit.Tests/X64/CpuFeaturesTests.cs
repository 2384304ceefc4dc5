using System.Runtime.Intrinsics.X86;
using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.X64;

/// <summary>Feature detection and the assembler's refusal to emit instructions the target lacks.</summary>
public sealed class CpuFeaturesTests
{
    [Fact]
    public void HostMatchesTheRuntime()
    {
        CpuFeatures host = CpuFeatures.Host;
        Assert.Equal(Lzcnt.IsSupported, host.Has(CpuFeature.Lzcnt));
        Assert.Equal(Bmi1.IsSupported, host.Has(CpuFeature.Bmi1));
        Assert.Equal(Popcnt.IsSupported, host.Has(CpuFeature.Popcnt));
        Assert.Equal(Sse41.IsSupported, host.Has(CpuFeature.Sse41));
        Assert.Equal(Avx.IsSupported, host.Has(CpuFeature.Avx));
        Assert.Equal(Avx2.IsSupported, host.Has(CpuFeature.Avx2));
        Assert.Equal(host, new Assembler().Features);
    }

    [Fact]
    public void BaselineTargetRejectsOptionalInstructions()
    {
        var asm = new Assembler(CpuFeatures.Baseline);
        // Without LZCNT/BMI1 the same bytes execute as bsr/bsf and return different results, so
        // emitting them for such a CPU is a compiler bug, not an encoding choice.
        Assert.Throws<AssemblerException>(() => asm.Lzcnt(OperandSize.S32, Gpr.Rax, Gpr.Rcx));
        Assert.Throws<AssemblerException>(() => asm.Tzcnt(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rcx)));
        Assert.Throws<AssemblerException>(() => asm.Popcnt(OperandSize.S32, Gpr.Rax, Gpr.Rcx));
        Assert.Throws<AssemblerException>(() => asm.Roundsd(Xmm.Xmm0, Xmm.Xmm1, RoundingMode.Down));
        Assert.Throws<AssemblerException>(() => asm.Roundss(Xmm.Xmm0, Mem.At(Gpr.Rax), RoundingMode.Up));
        Assert.Equal(0, asm.Position);
        asm.Bsr(OperandSize.S32, Gpr.Rax, Gpr.Rcx);
        Assert.True(asm.Position > 0);
    }

    [Fact]
    public void PartialFeatureSetsAreHonoured()
    {
        var asm = new Assembler(new CpuFeatures(CpuFeature.Popcnt | CpuFeature.Sse41));
        asm.Popcnt(OperandSize.S64, Gpr.Rax, Gpr.Rcx);
        asm.Roundss(Xmm.Xmm0, Xmm.Xmm1, RoundingMode.Nearest);
        Assert.Throws<AssemblerException>(() => asm.Lzcnt(OperandSize.S64, Gpr.Rax, Gpr.Rcx));
        Assert.True(CpuFeatures.All.Has(CpuFeature.Lzcnt | CpuFeature.Avx2));
        Assert.False(CpuFeatures.Baseline.Has(CpuFeature.Sse41));
    }
}

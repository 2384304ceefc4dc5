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
        Assert.Equal(Sse3.IsSupported, host.Has(CpuFeature.Sse3));
        Assert.Equal(Ssse3.IsSupported, host.Has(CpuFeature.Ssse3));
        Assert.Equal(Sse41.IsSupported, host.Has(CpuFeature.Sse41));
        Assert.Equal(Sse42.IsSupported, host.Has(CpuFeature.Sse42));
        Assert.Equal(Avx.IsSupported, host.Has(CpuFeature.Avx));
        Assert.Equal(Avx2.IsSupported, host.Has(CpuFeature.Avx2));
        Assert.Equal(host, new Assembler().Features);
    }

    /// <summary>
    /// Native AOT answers IsSupported from its compile-time target, so there the kernel's /proc/cpuinfo flags add the
    /// later extensions, less the ones a DOTNET_EnableXxx=0 setting turns off, keeping AVX2 over AVX over SSE4.2.
    /// </summary>
    [Fact]
    public void KernelFlagsAddWhatTheAheadOfTimeRuntimeCannotSee()
    {
        const CpuFeature v2 = CpuFeature.Sse3 | CpuFeature.Ssse3 | CpuFeature.Sse41 | CpuFeature.Sse42 | CpuFeature.Popcnt;
        HashSet<string> flags = ["fpu", "sse2", "pni", "ssse3", "sse4_1", "sse4_2", "popcnt", "avx", "avx2", "abm", "bmi1", "bmi2", "xsave"];
        static bool None(string _) => false;
        Assert.Equal(CpuFeature.Avx | CpuFeature.Avx2 | CpuFeature.Lzcnt | CpuFeature.Bmi1 | CpuFeature.Bmi2,
            CpuFeatures.FromKernelFlags(v2, flags, None));
        Assert.Equal(CpuFeature.Lzcnt | CpuFeature.Bmi1 | CpuFeature.Bmi2, CpuFeatures.FromKernelFlags(v2, flags, s => s == "AVX"));
        Assert.Equal(CpuFeature.Avx | CpuFeature.Lzcnt | CpuFeature.Bmi1 | CpuFeature.Bmi2, CpuFeatures.FromKernelFlags(v2, flags, s => s == "AVX2"));
        Assert.Equal(CpuFeature.None, CpuFeatures.FromKernelFlags(v2, flags, s => s == "HWIntrinsic"));
        Assert.Equal(CpuFeature.None, CpuFeatures.FromKernelFlags(v2, new HashSet<string>(), None));
        // No ymm state saved by the kernel: no avx flag, so neither AVX nor AVX2 even when avx2 is listed.
        flags.Remove("avx");
        Assert.Equal(CpuFeature.Lzcnt | CpuFeature.Bmi1 | CpuFeature.Bmi2, CpuFeatures.FromKernelFlags(v2, flags, None));
        // Below SSE4.2 there is no AVX either.
        flags.Add("avx");
        Assert.Equal(CpuFeature.Sse3 | CpuFeature.Ssse3 | CpuFeature.Sse41 | CpuFeature.Popcnt | CpuFeature.Lzcnt | CpuFeature.Bmi1 | CpuFeature.Bmi2,
            CpuFeatures.FromKernelFlags(CpuFeature.None, flags, s => s == "SSE42"));
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
    public void BaselineTargetRejectsPackedExtensions()
    {
        var asm = new Assembler(CpuFeatures.Baseline);
        Xmm a = Xmm.Xmm1, b = Xmm.Xmm9;
        Assert.Throws<AssemblerException>(() => asm.Movddup(a, b));                        // SSE3
        Assert.Throws<AssemblerException>(() => asm.Haddps(a, Mem.At(Gpr.Rax)));           // SSE3
        Assert.Throws<AssemblerException>(() => asm.Pshufb(a, b));                         // SSSE3
        Assert.Throws<AssemblerException>(() => asm.Palignr(a, b, 4));                     // SSSE3
        Assert.Throws<AssemblerException>(() => asm.Pabsd(a, b));                          // SSSE3
        Assert.Throws<AssemblerException>(() => asm.Pmulld(a, b));                         // SSE4.1
        Assert.Throws<AssemblerException>(() => asm.Pinsrb(a, Gpr.Rax, 3));                // SSE4.1
        Assert.Throws<AssemblerException>(() => asm.Pextrw(Mem.At(Gpr.Rax), a, 3));        // SSE4.1 (the store form)
        Assert.Throws<AssemblerException>(() => asm.Pblendvb(a, b));                       // SSE4.1
        Assert.Throws<AssemblerException>(() => asm.Roundps(a, b, RoundingMode.Down));     // SSE4.1
        Assert.Throws<AssemblerException>(() => asm.Pcmpgtq(a, b));                        // SSE4.2
        Assert.Throws<AssemblerException>(() => asm.Vpaddb(a, a, b));                      // AVX
        Assert.Throws<AssemblerException>(() => asm.Vmovdqu(a, Mem.At(Gpr.Rax)));          // AVX
        Assert.Throws<AssemblerException>(() => asm.Vpbroadcastb(a, b));                   // AVX2
        Assert.Equal(0, asm.Position);

        // SSE2 is every x86-64: the forms without an extension are always there.
        asm.Paddb(a, b);
        asm.Pshufd(a, b, 0x1B);
        asm.Pinsrw(a, Gpr.Rax, 3);
        asm.Pextrw(Gpr.Rax, a, 3);
        asm.Pmovmskb(Gpr.Rax, a);
        asm.Cmpps(a, b, FloatComparison.NotEqual);
        Assert.True(asm.Position > 0);
    }

    [Fact]
    public void MissingExtensionIsNamedInTheError()
    {
        var asm = new Assembler(new CpuFeatures(CpuFeature.Sse41));
        Assert.Contains("pcmpgtq needs Sse42", Message(() => asm.Pcmpgtq(Xmm.Xmm0, Xmm.Xmm1)));
        Assert.Contains("vpaddd needs Avx", Message(() => asm.Vpaddd(Xmm.Xmm0, Xmm.Xmm1, Xmm.Xmm2)));
        Assert.Contains("vpblendvb needs Avx", Message(() => asm.Vpblendvb(Xmm.Xmm0, Xmm.Xmm1, Xmm.Xmm2, Xmm.Xmm3)));
    }

    private static string Message(Action emit) => Assert.Throws<AssemblerException>(emit).Message;

    [Fact]
    public void AvxWithoutAvx2HasNoRegisterBroadcasts()
    {
        var asm = new Assembler(new CpuFeatures(CpuFeature.Sse41 | CpuFeature.Avx));
        asm.Vpaddb(Xmm.Xmm0, Xmm.Xmm1, Xmm.Xmm2);
        asm.Vpblendvb(Xmm.Xmm0, Xmm.Xmm1, Xmm.Xmm2, Xmm.Xmm3);
        asm.Vbroadcastss(Xmm.Xmm0, Mem.At(Gpr.Rax));
        int position = asm.Position;
        Assert.Throws<AssemblerException>(() => asm.Vbroadcastss(Xmm.Xmm0, Xmm.Xmm1));
        Assert.Throws<AssemblerException>(() => asm.Vpbroadcastd(Xmm.Xmm0, Mem.At(Gpr.Rax)));
        Assert.Throws<AssemblerException>(() => asm.Pcmpgtq(Xmm.Xmm0, Xmm.Xmm1));
        Assert.Equal(position, asm.Position);
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

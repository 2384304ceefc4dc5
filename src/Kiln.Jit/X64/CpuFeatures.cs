using System.Runtime.Intrinsics.X86;

namespace Kiln.Jit.X64;

/// <summary>
/// The set of optional extensions code may use. <see cref="Host"/> asks the .NET runtime, whose
/// <c>IsSupported</c> flags come from cpuid and also honour <c>DOTNET_EnableXxx=0</c> settings, so
/// switching an extension off for the runtime switches it off for Kiln's compilers too (the way to
/// test fallbacks on a machine that has everything). Compilers choose forms from this set; the
/// assembler refuses instructions outside it.
/// </summary>
public readonly struct CpuFeatures : IEquatable<CpuFeatures>
{
    public CpuFeatures(CpuFeature flags) => Flags = flags;

    public CpuFeature Flags { get; }

    /// <summary>True when every flag of <paramref name="feature"/> is present.</summary>
    public bool Has(CpuFeature feature) => (Flags & feature) == feature;

    /// <summary>Plain x86-64 (SSE2 only): every fallback path.</summary>
    public static CpuFeatures Baseline => new(CpuFeature.None);

    /// <summary>Every feature Kiln knows, for assembling code that will not run here (tests, listings).</summary>
    public static CpuFeatures All => new(CpuFeature.Sse3 | CpuFeature.Ssse3 | CpuFeature.Sse41 | CpuFeature.Sse42 |
                                         CpuFeature.Popcnt | CpuFeature.Lzcnt | CpuFeature.Bmi1 | CpuFeature.Bmi2 |
                                         CpuFeature.Avx | CpuFeature.Avx2);

    /// <summary>What this process may use.</summary>
    public static CpuFeatures Host { get; } = Detect();

    private static CpuFeatures Detect()
    {
        CpuFeature flags = CpuFeature.None;
        if (Sse3.IsSupported)
        {
            flags |= CpuFeature.Sse3;
        }
        if (Ssse3.IsSupported)
        {
            flags |= CpuFeature.Ssse3;
        }
        if (Sse41.IsSupported)
        {
            flags |= CpuFeature.Sse41;
        }
        if (Sse42.IsSupported)
        {
            flags |= CpuFeature.Sse42;
        }
        if (Popcnt.IsSupported)
        {
            flags |= CpuFeature.Popcnt;
        }
        if (Lzcnt.IsSupported)
        {
            flags |= CpuFeature.Lzcnt;
        }
        if (Bmi1.IsSupported)
        {
            flags |= CpuFeature.Bmi1;
        }
        if (Bmi2.IsSupported)
        {
            flags |= CpuFeature.Bmi2;
        }
        // Avx.IsSupported also requires the OS to save the ymm state (OSXSAVE and XCR0), which the
        // cpuid AVX bit alone does not say; without it every VEX instruction faults with #UD.
        if (Avx.IsSupported)
        {
            flags |= CpuFeature.Avx;
        }
        if (Avx2.IsSupported)
        {
            flags |= CpuFeature.Avx2;
        }
        return new CpuFeatures(flags);
    }

    public bool Equals(CpuFeatures other) => Flags == other.Flags;
    public override bool Equals(object? obj) => obj is CpuFeatures other && Equals(other);
    public override int GetHashCode() => (int)Flags;
    public static bool operator ==(CpuFeatures left, CpuFeatures right) => left.Flags == right.Flags;
    public static bool operator !=(CpuFeatures left, CpuFeatures right) => left.Flags != right.Flags;
    public override string ToString() => Flags == CpuFeature.None ? "baseline (SSE2)" : Flags.ToString();
}

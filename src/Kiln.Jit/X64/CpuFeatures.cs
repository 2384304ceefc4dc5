using System.Runtime.CompilerServices;
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
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            flags |= FromKernelFlags(flags, CpuInfoFlags(), setting => Environment.GetEnvironmentVariable("DOTNET_Enable" + setting) == "0");
        }
        return new CpuFeatures(flags);
    }

    /// <summary>
    /// Native AOT compiles <c>IsSupported</c> against the instruction sets it targets (x86-64-v2 by default), so there
    /// every later extension reads false whatever the CPU has: the native kiln never used AVX, LZCNT or BMI. There the
    /// kernel's view decides: the flags of /proc/cpuinfo, which Linux clears for an extension whose register state it
    /// does not save (AVX without the ymm state in XCR0), less any the runtime's <c>DOTNET_EnableXxx=0</c> switches
    /// (read here, since Native AOT ignores them) turn off, so the native kiln can be forced onto its SSE paths too.
    /// </summary>
    /// <param name="known">What the runtime reported.</param>
    /// <param name="cpu">The kernel's flags (empty: nothing to add).</param>
    /// <param name="disabled">Whether the runtime setting <c>DOTNET_Enable{name}</c> is 0.</param>
    /// <returns>The extensions to add to <paramref name="known"/>.</returns>
    internal static CpuFeature FromKernelFlags(CpuFeature known, IReadOnlySet<string> cpu, Func<string, bool> disabled)
    {
        if (cpu.Count == 0 || disabled("HWIntrinsic"))
        {
            return CpuFeature.None;
        }
        CpuFeature extra = CpuFeature.None;
        void Add(CpuFeature feature, string flag, string setting)
        {
            if (cpu.Contains(flag) && !disabled(setting))
            {
                extra |= feature;
            }
        }
        Add(CpuFeature.Sse3, "pni", "SSE3");
        Add(CpuFeature.Ssse3, "ssse3", "SSSE3");
        Add(CpuFeature.Sse41, "sse4_1", "SSE41");
        Add(CpuFeature.Sse42, "sse4_2", "SSE42");
        Add(CpuFeature.Popcnt, "popcnt", "POPCNT");
        Add(CpuFeature.Lzcnt, "abm", "LZCNT");
        Add(CpuFeature.Bmi1, "bmi1", "BMI1");
        Add(CpuFeature.Bmi2, "bmi2", "BMI2");
        Add(CpuFeature.Avx, "avx", "AVX");
        Add(CpuFeature.Avx2, "avx2", "AVX2");
        // As the runtime's own hierarchy: AVX needs the SSE4.2 family below it, and AVX2 needs AVX.
        const CpuFeature sse4 = CpuFeature.Sse3 | CpuFeature.Ssse3 | CpuFeature.Sse41 | CpuFeature.Sse42;
        if (((known | extra) & sse4) != sse4)
        {
            extra &= ~(CpuFeature.Avx | CpuFeature.Avx2);
        }
        if (((known | extra) & CpuFeature.Avx) == 0)
        {
            extra &= ~CpuFeature.Avx2;
        }
        return extra & ~known;
    }

    /// <summary>The flags of the first processor in /proc/cpuinfo; empty when there is none to read.</summary>
    private static HashSet<string> CpuInfoFlags()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("flags", StringComparison.Ordinal) && line.IndexOf(':') is int colon and >= 0)
                {
                    return [.. line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return [];
    }

    public bool Equals(CpuFeatures other) => Flags == other.Flags;
    public override bool Equals(object? obj) => obj is CpuFeatures other && Equals(other);
    public override int GetHashCode() => (int)Flags;
    public static bool operator ==(CpuFeatures left, CpuFeatures right) => left.Flags == right.Flags;
    public static bool operator !=(CpuFeatures left, CpuFeatures right) => left.Flags != right.Flags;
    public override string ToString() => Flags == CpuFeature.None ? "baseline (SSE2)" : Flags.ToString();
}

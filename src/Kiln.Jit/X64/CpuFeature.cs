namespace Kiln.Jit.X64;

/// <summary>
/// Optional x86-64 extensions a compiler may use beyond the SSE2 baseline every x86-64 CPU has.
/// </summary>
[Flags]
public enum CpuFeature
{
    None = 0,
    /// <summary>SSE4.1: roundss/roundsd (Wasm floor/ceil/trunc/nearest in one instruction).</summary>
    Sse41 = 1 << 0,
    /// <summary>POPCNT.</summary>
    Popcnt = 1 << 1,
    /// <summary>LZCNT (ABM). Without it F3 0F BD executes as bsr, giving wrong results silently.</summary>
    Lzcnt = 1 << 2,
    /// <summary>BMI1, which brings TZCNT. Without it F3 0F BC executes as bsf.</summary>
    Bmi1 = 1 << 3,
    /// <summary>BMI2 (shlx/sarx/shrx, later).</summary>
    Bmi2 = 1 << 4,
    /// <summary>AVX (VEX encoding, later).</summary>
    Avx = 1 << 5,
    /// <summary>AVX2 (later).</summary>
    Avx2 = 1 << 6,
}

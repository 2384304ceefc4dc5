namespace Kiln.Jit.X64;

/// <summary>
/// Optional x86-64 extensions a compiler may use beyond the SSE2 baseline every x86-64 CPU has.
/// </summary>
[Flags]
public enum CpuFeature
{
    None = 0,
    /// <summary>SSE4.1: roundss/roundsd (Wasm floor/ceil/trunc/nearest in one instruction), and most of the
    /// packed forms v128 needs (pinsrb/d/q, pextrb/d/q, pmovsx/pmovzx, pmulld, ptest, blends, roundps).</summary>
    Sse41 = 1 << 0,
    /// <summary>POPCNT.</summary>
    Popcnt = 1 << 1,
    /// <summary>LZCNT (ABM). Without it F3 0F BD executes as bsr, giving wrong results silently.</summary>
    Lzcnt = 1 << 2,
    /// <summary>BMI1, which brings TZCNT. Without it F3 0F BC executes as bsf.</summary>
    Bmi1 = 1 << 3,
    /// <summary>BMI2 (shlx/sarx/shrx, later).</summary>
    Bmi2 = 1 << 4,
    /// <summary>AVX: the VEX encoding, so every 128-bit form gets a non-destructive three-operand twin.</summary>
    Avx = 1 << 5,
    /// <summary>AVX2: vpbroadcastb/w/d/q and vbroadcastss from a register.</summary>
    Avx2 = 1 << 6,
    /// <summary>SSE3: movddup, haddps/haddpd.</summary>
    Sse3 = 1 << 7,
    /// <summary>SSSE3: pshufb, palignr, pabsb/w/d, psignb/w/d, pmulhrsw, pmaddubsw.</summary>
    Ssse3 = 1 << 8,
    /// <summary>SSE4.2: pcmpgtq.</summary>
    Sse42 = 1 << 9,
}

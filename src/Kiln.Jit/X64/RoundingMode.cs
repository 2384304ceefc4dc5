namespace Kiln.Jit.X64;

/// <summary>
/// Immediate of roundss/roundsd (SSE4.1). Bit 3 suppresses the precision exception, which Wasm never
/// observes, so every mode sets it; bits 1..0 select the rounding.
/// </summary>
public enum RoundingMode : byte
{
    /// <summary>Round to nearest, ties to even (Wasm <c>nearest</c>).</summary>
    Nearest = 0x8,
    /// <summary>Toward negative infinity (Wasm <c>floor</c>).</summary>
    Down = 0x9,
    /// <summary>Toward positive infinity (Wasm <c>ceil</c>).</summary>
    Up = 0xA,
    /// <summary>Toward zero (Wasm <c>trunc</c>).</summary>
    Truncate = 0xB,
}

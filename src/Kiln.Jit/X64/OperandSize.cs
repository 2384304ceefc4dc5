namespace Kiln.Jit.X64;

/// <summary>
/// Width of an integer operation. Always explicit at the call site so that a 32-bit Wasm operation can
/// never silently become a 64-bit one (or the reverse) through an inferred default.
/// </summary>
public enum OperandSize : byte
{
    /// <summary>8 bits (al, byte ptr).</summary>
    S8 = 1,
    /// <summary>16 bits (ax, word ptr): adds the 0x66 prefix.</summary>
    S16 = 2,
    /// <summary>32 bits (eax, dword ptr): writing a 32-bit register zeroes bits 63..32.</summary>
    S32 = 4,
    /// <summary>64 bits (rax, qword ptr): sets REX.W.</summary>
    S64 = 8,
}

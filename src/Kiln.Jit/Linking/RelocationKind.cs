namespace Kiln.Jit.Linking;

/// <summary>What a relocation writes at its offset.</summary>
public enum RelocationKind : byte
{
    /// <summary>8 bytes: S + A (an absolute address, e.g. for movabs or an indirect-call slot).</summary>
    Abs64,
    /// <summary>4 bytes: S + A - P, P the address of the field itself; must fit a signed 32-bit value.</summary>
    Rel32,
}

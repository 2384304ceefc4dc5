namespace Kiln.Jit.X64;

/// <summary>How a <see cref="Mem"/> operand forms its address.</summary>
public enum MemKind : byte
{
    /// <summary>[base + index*scale + disp], index optional.</summary>
    BaseIndex,
    /// <summary>[index*scale + disp32] or [disp32]: SIB with no base (a 32-bit absolute address).</summary>
    NoBase,
    /// <summary>[rip + disp32] to a label of the same code.</summary>
    RipLabel,
    /// <summary>[rip + disp32] to a constant-pool entry, resolved by relocation once the pool is placed.</summary>
    RipConstant,
}

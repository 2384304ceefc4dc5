namespace Kiln.Jit.X64;

/// <summary>
/// How a jump to a label is encoded. Backward jumps always pick the shortest form themselves; for a
/// forward jump the target is unknown, so the default is near (rel32) and a compiler that knows the
/// target is close asks for short, which is checked when the code is finished.
/// </summary>
public enum JumpDistance : byte
{
    /// <summary>Backward: rel8 if it reaches, else rel32. Forward: rel32.</summary>
    Auto,
    /// <summary>rel8; finishing throws <see cref="AssemblerException"/> if the target is out of reach.</summary>
    Short,
    /// <summary>rel32 always (a patchable or fixed-size jump).</summary>
    Near,
}

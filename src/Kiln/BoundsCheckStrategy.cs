namespace Kiln;

/// <summary>
/// How compiled code keeps linear-memory accesses inside the memory (Spec 4.4.7: an access beyond the length traps).
/// The interpreter always checks in C#; this choice is about compiled tiers.
/// </summary>
public enum BoundsCheckStrategy
{
    /// <summary>
    /// <see cref="GuardPages"/> where the signal handler can be installed (Linux x86-64), otherwise
    /// <see cref="Explicit"/>, with the reason in <see cref="Engine.BoundsCheckReason"/>. <c>KILN_BOUNDS_CHECKS</c>
    /// (<c>guard</c>, <c>explicit</c> or <c>auto</c>) overrides it.
    /// </summary>
    Auto,

    /// <summary>
    /// Every linear memory reserves its whole 32-bit index space plus a 2 GiB guard region as inaccessible address
    /// space (6 GiB per memory, none of it committed until the memory grows), so an access with an offset below 2 GiB
    /// needs no check: beyond the length it faults, and a process-wide SIGSEGV handler turns the fault into a
    /// <see cref="TrapCode.MemoryOutOfBounds"/> trap. Larger offsets are still checked explicitly.
    /// </summary>
    GuardPages,

    /// <summary>Every access compares the address with the memory's length before it runs; memories reserve only their maximum.</summary>
    Explicit,
}

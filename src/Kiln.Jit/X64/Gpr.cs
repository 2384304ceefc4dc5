namespace Kiln.Jit.X64;

/// <summary>
/// A general-purpose register (rax..r15). The width an instruction uses is given separately by
/// <see cref="OperandSize"/>, so one value names al/ax/eax/rax alike; keeping the register typed stops a
/// compiler from passing an xmm number where an integer register is meant.
/// </summary>
public readonly struct Gpr : IEquatable<Gpr>
{
    private readonly byte _index;

    private Gpr(int index) => _index = (byte)index;

    /// <summary>Hardware number 0..15 (rax = 0, r15 = 15), as placed in ModRM/SIB and REX.</summary>
    public int Index => _index;

    /// <summary>The register with hardware number <paramref name="index"/> (0..15).</summary>
    public static Gpr FromIndex(int index)
    {
        if ((uint)index > 15)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, "A general-purpose register number is 0..15.");
        }
        return new Gpr(index);
    }

    public static Gpr Rax => new(0);
    public static Gpr Rcx => new(1);
    public static Gpr Rdx => new(2);
    public static Gpr Rbx => new(3);
    public static Gpr Rsp => new(4);
    public static Gpr Rbp => new(5);
    public static Gpr Rsi => new(6);
    public static Gpr Rdi => new(7);
    public static Gpr R8 => new(8);
    public static Gpr R9 => new(9);
    public static Gpr R10 => new(10);
    public static Gpr R11 => new(11);
    public static Gpr R12 => new(12);
    public static Gpr R13 => new(13);
    public static Gpr R14 => new(14);
    public static Gpr R15 => new(15);

    public bool Equals(Gpr other) => _index == other._index;
    public override bool Equals(object? obj) => obj is Gpr other && Equals(other);
    public override int GetHashCode() => _index;
    public static bool operator ==(Gpr left, Gpr right) => left._index == right._index;
    public static bool operator !=(Gpr left, Gpr right) => left._index != right._index;

    private static readonly string[] s_names64 =
        ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

    public override string ToString() => s_names64[_index];
}

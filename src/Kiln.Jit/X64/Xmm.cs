namespace Kiln.Jit.X64;

/// <summary>
/// An SSE register (xmm0..xmm15). Typed separately from <see cref="Gpr"/> so an integer register can
/// never reach an SSE operand slot; the index range stops at 15 because only legacy and VEX
/// encodings are supported (EVEX's xmm16..31 are out of scope).
/// </summary>
public readonly struct Xmm : IEquatable<Xmm>
{
    private readonly byte _index;

    private Xmm(int index) => _index = (byte)index;

    /// <summary>Hardware number 0..15.</summary>
    public int Index => _index;

    /// <summary>The register xmm<paramref name="index"/> (0..15).</summary>
    public static Xmm FromIndex(int index)
    {
        if ((uint)index > 15)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, "An xmm register number is 0..15.");
        }
        return new Xmm(index);
    }

    public static Xmm Xmm0 => new(0);
    public static Xmm Xmm1 => new(1);
    public static Xmm Xmm2 => new(2);
    public static Xmm Xmm3 => new(3);
    public static Xmm Xmm4 => new(4);
    public static Xmm Xmm5 => new(5);
    public static Xmm Xmm6 => new(6);
    public static Xmm Xmm7 => new(7);
    public static Xmm Xmm8 => new(8);
    public static Xmm Xmm9 => new(9);
    public static Xmm Xmm10 => new(10);
    public static Xmm Xmm11 => new(11);
    public static Xmm Xmm12 => new(12);
    public static Xmm Xmm13 => new(13);
    public static Xmm Xmm14 => new(14);
    public static Xmm Xmm15 => new(15);

    public bool Equals(Xmm other) => _index == other._index;
    public override bool Equals(object? obj) => obj is Xmm other && Equals(other);
    public override int GetHashCode() => _index;
    public static bool operator ==(Xmm left, Xmm right) => left._index == right._index;
    public static bool operator !=(Xmm left, Xmm right) => left._index != right._index;
    public override string ToString() => "xmm" + _index;
}

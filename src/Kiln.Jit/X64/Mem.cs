namespace Kiln.Jit.X64;

/// <summary>
/// A memory operand: base, index, scale and displacement, or RIP-relative to a label or a constant.
/// The operand width comes from the instruction (its <see cref="OperandSize"/> or mnemonic), so this
/// struct only describes the address; the constructors reject what x86-64 cannot encode (rsp as an
/// index, a scale other than 1/2/4/8) at the call site rather than producing wrong bytes.
/// </summary>
public readonly struct Mem : IEquatable<Mem>
{
    internal const int NoRegister = -1;

    internal readonly int Displacement;
    /// <summary>Label id (RipLabel) or constant-pool offset (RipConstant).</summary>
    internal readonly int Target;
    internal readonly sbyte BaseIndex;
    internal readonly sbyte IndexIndex;
    internal readonly byte ScaleLog2;
    internal readonly MemKind KindValue;

    private Mem(MemKind kind, int baseIndex, int indexIndex, int scaleLog2, int displacement, int target)
    {
        KindValue = kind;
        BaseIndex = (sbyte)baseIndex;
        IndexIndex = (sbyte)indexIndex;
        ScaleLog2 = (byte)scaleLog2;
        Displacement = displacement;
        Target = target;
    }

    public MemKind Kind => KindValue;
    public bool HasBase => BaseIndex >= 0;
    public bool HasIndex => IndexIndex >= 0;
    public Gpr Base => HasBase ? Gpr.FromIndex(BaseIndex) : throw new InvalidOperationException("The operand has no base register.");
    public Gpr Index => HasIndex ? Gpr.FromIndex(IndexIndex) : throw new InvalidOperationException("The operand has no index register.");
    public int Scale => 1 << ScaleLog2;
    public int Disp => Displacement;

    /// <summary>[base + disp].</summary>
    public static Mem At(Gpr @base, int disp = 0) => new(MemKind.BaseIndex, @base.Index, NoRegister, 0, disp, 0);

    /// <summary>[base + index*scale + disp]; rsp cannot be an index (its SIB code means "no index").</summary>
    public static Mem At(Gpr @base, Gpr index, int scale = 1, int disp = 0) =>
        new(MemKind.BaseIndex, @base.Index, CheckIndex(index), ScaleToLog2(scale), disp, 0);

    /// <summary>[index*scale + disp32] with no base register.</summary>
    public static Mem Indexed(Gpr index, int scale, int disp) =>
        new(MemKind.NoBase, NoRegister, CheckIndex(index), ScaleToLog2(scale), disp, 0);

    /// <summary>[disp32]: an absolute address in the low 2 GiB (sign-extended).</summary>
    public static Mem Absolute(int address) => new(MemKind.NoBase, NoRegister, NoRegister, 0, address, 0);

    /// <summary>[rip + label + disp]: the label's address (plus disp) in the same code.</summary>
    public static Mem Rip(Label label, int disp = 0)
    {
        if (!label.IsValid)
        {
            throw new ArgumentException("default(Label) is not a label of any assembler.", nameof(label));
        }
        return new(MemKind.RipLabel, NoRegister, NoRegister, 0, disp, label.Id);
    }

    /// <summary>[rip + constant]: an entry of the constant pool at byte offset <paramref name="poolOffset"/>.</summary>
    internal static Mem Constant(int poolOffset) => new(MemKind.RipConstant, NoRegister, NoRegister, 0, 0, poolOffset);

    /// <summary>The same address displaced by <paramref name="delta"/> more bytes (e.g. the high half of a pair).</summary>
    public Mem Offset(int delta) => new(KindValue, BaseIndex, IndexIndex, ScaleLog2, checked(Displacement + delta), Target);

    private static int CheckIndex(Gpr index)
    {
        if (index == Gpr.Rsp)
        {
            // Intel SDM Vol. 2, table 2-3: SIB index 100b means "none", so rsp can never be scaled.
            throw new ArgumentException("rsp cannot be an index register.", nameof(index));
        }
        return index.Index;
    }

    private static int ScaleToLog2(int scale) => scale switch
    {
        1 => 0,
        2 => 1,
        4 => 2,
        8 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale of an index is 1, 2, 4 or 8."),
    };

    public bool Equals(Mem other) =>
        KindValue == other.KindValue && BaseIndex == other.BaseIndex && IndexIndex == other.IndexIndex &&
        ScaleLog2 == other.ScaleLog2 && Displacement == other.Displacement && Target == other.Target;

    public override bool Equals(object? obj) => obj is Mem other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(KindValue, BaseIndex, IndexIndex, ScaleLog2, Displacement, Target);
    public static bool operator ==(Mem left, Mem right) => left.Equals(right);
    public static bool operator !=(Mem left, Mem right) => !left.Equals(right);

    public override string ToString()
    {
        string disp = Displacement == 0 ? "" : Displacement > 0 ? $"+0x{Displacement:x}" : $"-0x{-(long)Displacement:x}";
        return KindValue switch
        {
            MemKind.RipLabel => $"[rip+L{Target}{disp}]",
            MemKind.RipConstant => $"[rip+const+0x{Target:x}]",
            MemKind.NoBase when HasIndex => $"[{Index}*{Scale}{(Displacement < 0 ? disp : "+0x" + Displacement.ToString("x"))}]",
            MemKind.NoBase => $"[0x{Displacement:x}]",
            _ when HasIndex => $"[{Base}+{Index}*{Scale}{disp}]",
            _ => $"[{Base}{disp}]",
        };
    }
}

using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Codegen;

internal enum LocationKind : byte
{
    None,
    Gpr,
    Xmm,
    /// <summary>A frame word: base register (rbp or rsp) plus displacement.</summary>
    Stack,
    /// <summary>A constant (rematerialized at each use instead of occupying a register).</summary>
    Const,
}

/// <summary>
/// Where a value lives for its whole lifetime (the allocator splits values only by giving loops copies of them, new
/// values of their own): a general-purpose or xmm
/// register, a frame word, or a constant. Stack locations are 8-byte words, or 16 bytes for a v128 (a pair of spill
/// slots never shared with a narrower value), that never partly overlap, so two locations are the same storage exactly
/// when they are equal.
/// </summary>
internal readonly record struct Location(LocationKind Kind, int Reg, long Bits)
{
    public static Location OfGpr(Gpr r) => new(LocationKind.Gpr, r.Index, 0);

    public static Location OfXmm(Xmm x) => new(LocationKind.Xmm, x.Index, 0);

    public static Location OfStack(Gpr baseReg, int disp) => new(LocationKind.Stack, baseReg.Index, disp);

    public static Location OfConst(long bits) => new(LocationKind.Const, 0, bits);

    public bool IsRegister => Kind is LocationKind.Gpr or LocationKind.Xmm;

    public Gpr Gpr => Kind == LocationKind.Gpr ? Gpr.FromIndex(Reg) : throw new InvalidOperationException($"{this} is not a general-purpose register");

    public Xmm Xmm => Kind == LocationKind.Xmm ? Xmm.FromIndex(Reg) : throw new InvalidOperationException($"{this} is not an xmm register");

    public Mem Mem => Kind == LocationKind.Stack ? Mem.At(Gpr.FromIndex(Reg), (int)Bits) : throw new InvalidOperationException($"{this} is not in memory");

    public override string ToString() => Kind switch
    {
        LocationKind.Gpr => Gpr.FromIndex(Reg).ToString(),
        LocationKind.Xmm => Xmm.FromIndex(Reg).ToString(),
        LocationKind.Stack => $"[{Gpr.FromIndex(Reg)}{Bits:+0;-0}]",
        LocationKind.Const => $"#{Bits}",
        _ => "none",
    };
}

/// <summary>One copy of a parallel move: <see cref="Dst"/> receives the value of type <see cref="Type"/> at <see cref="Src"/>.</summary>
internal readonly record struct Move(Location Dst, Location Src, IrType Type);

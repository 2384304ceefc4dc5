using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// Flags left by the last instruction: a brif right after a materialized compare, or right after an add, sub, and, or
/// or xor, jumps on the flags those already set instead of testing the value again. A materialized compare
/// (<c>cmp</c>, <c>setcc</c>, <c>movzx</c>) leaves the compare's flags (setcc, movzx and the frame store write none),
/// so a brif on that value, or a fused compare of the same operands right after it, needs only the jcc; an ALU
/// instruction sets ZF from its result, so a brif on that result, or a fused eq/ne against zero (eqz of an and), is a
/// jcc on ZF.
/// </summary>
/// <remarks>
/// What is recorded holds only while nothing else is emitted: each record keeps the code position right after the
/// flag-setting instruction (and the moves of its result, which write no flags), and is used only at that same position.
/// A block's label is the only place another jump can arrive with other flags without code being emitted first, so the
/// records are dropped at every block start.
/// </remarks>
internal sealed partial class CodeEmitter
{
    /// <summary>The materialized compare whose flags are in the CPU (-1 for none), its condition and where it ended.</summary>
    private int _flagsCompare = -1;

    private Condition _flagsCondition;

    private int _flagsCompareEnd = -1;

    /// <summary>The integer value whose ALU instruction set ZF (-1 for none), and where the instruction and its moves ended.</summary>
    private int _zeroFlagValue = -1;

    private int _zeroFlagEnd = -1;

    /// <summary>Forgets the flags (a block starts: other edges may arrive here).</summary>
    private void ForgetFlags()
    {
        _flagsCompare = -1;
        _zeroFlagValue = -1;
    }

    /// <summary>A compare was materialized just now: its flags stay until something else is emitted.</summary>
    private void RecordCompareFlags(int inst, Condition cc)
    {
        _flagsCompare = inst;
        _flagsCondition = cc;
        _flagsCompareEnd = _asm.Position;
    }

    /// <summary>An add, sub, and, or or xor wrote <paramref name="value"/> just now: ZF says whether it is zero.</summary>
    private void RecordZeroFlag(int value)
    {
        _zeroFlagValue = value;
        _zeroFlagEnd = _asm.Position;
    }

    /// <summary>Whether the flags already say whether <paramref name="cond"/> is non-zero: the condition that holds when it is.</summary>
    private bool TryFlagsOfValue(int cond, out Condition cc)
    {
        cc = Condition.NotEqual;
        int at = _asm.Position;
        if (_flagsCompare >= 0 && _flagsCompareEnd == at && _f.Result(_flagsCompare) == cond)
        {
            cc = _flagsCondition;
            return true;
        }
        return _zeroFlagValue == cond && _zeroFlagEnd == at;
    }

    /// <summary>
    /// Whether the flags already hold integer compare <paramref name="inst"/> (fused into the branch right after it): the
    /// last materialized compare had the same operands, or it is an eq/ne against zero of the value the last ALU
    /// instruction wrote.
    /// </summary>
    private bool TryFlagsOfCompare(int inst, out Condition cc)
    {
        cc = default;
        int at = _asm.Position;
        if (!CompareShape(inst, out int lhs, out int rhs, out long bits, out Condition own))
        {
            return false;
        }
        if (_flagsCompare >= 0 && _flagsCompareEnd == at && CompareShape(_flagsCompare, out int lhs2, out int rhs2, out long bits2, out _)
            && _f.Inst(inst).Type == _f.Inst(_flagsCompare).Type && lhs == lhs2 && rhs == rhs2 && bits == bits2)
        {
            cc = own;
            return true;
        }
        if (_zeroFlagValue >= 0 && _zeroFlagEnd == at && lhs == _zeroFlagValue && rhs < 0 && bits == 0
            && own is Condition.Equal or Condition.NotEqual)
        {
            cc = own;
            return true;
        }
        return false;
    }

    /// <summary>
    /// An integer compare as <see cref="EmitCompareFlags"/> emits it: the left operand, and the right one as a value
    /// (<paramref name="rhs"/>) or a constant (<paramref name="rhs"/> -1, its bits in <paramref name="bits"/>), with the
    /// condition for that order. eqz is a compare with 0 (test x, x sets the flags cmp x, 0 does).
    /// </summary>
    private bool CompareShape(int inst, out int lhs, out int rhs, out long bits, out Condition cc)
    {
        ref InstData d = ref _f.Inst(inst);
        Span<int> a = _f.Args(inst);
        lhs = -1;
        rhs = -1;
        bits = 0;
        cc = Condition.Equal;
        if (d.Type is not (IrType.I32 or IrType.I64))
        {
            return false;
        }
        if (d.Op == Op.Eqz)
        {
            lhs = a[0];
            return Loc(lhs).Kind != LocationKind.Const;
        }
        if (d.Op is not (>= Op.Ieq and <= Op.Iuge))
        {
            return false;
        }
        cc = IntegerCondition(d.Op);
        int l = a[0], r = a[1];
        if (Loc(l).Kind == LocationKind.Const && Loc(r).Kind != LocationKind.Const)
        {
            (l, r) = (r, l);
            cc = Swap(cc);
        }
        if (Loc(l).Kind == LocationKind.Const)
        {
            return false;
        }
        lhs = l;
        if (Loc(r).Kind == LocationKind.Const)
        {
            bits = d.Type == IrType.I32 ? (long)(uint)Loc(r).Bits : Loc(r).Bits;
            return true;
        }
        rhs = r;
        return true;
    }
}

using System.Numerics;
using Kiln.Interpreter;

namespace Kiln.Optimizing.Ir;

/// <summary>
/// What each pure or trapping numeric opcode computes, on raw bits: an i32 or f32 is the low 32 bits of a ulong (upper
/// bits zero), an i64 or f64 all 64. The trapping cases and every rounding rule go through <see cref="WasmMath"/>, the
/// interpreter's own helpers, so the folder and the IR evaluator compute what the interpreter computes.
/// </summary>
internal static class IrSemantics
{
    /// <summary>The canonical bits of a constant instruction's immediate.</summary>
    public static ulong ConstBits(IrType type, long imm) => type is IrType.I32 or IrType.F32 ? (uint)imm : (ulong)imm;

    /// <summary>The immediate that stores constant bits (i32 sign-extended, as the text form prints it).</summary>
    public static long ConstImm(IrType type, ulong bits) => type switch
    {
        IrType.I32 => (int)(uint)bits,
        IrType.F32 => (uint)bits,
        _ => (long)bits,
    };

    /// <summary>Evaluates <paramref name="op"/> of controlling type <paramref name="type"/>; <paramref name="source"/> is the first operand's type.</summary>
    /// <exception cref="TrapException">The operation traps (division by zero, overflow, invalid conversion).</exception>
    public static ulong Evaluate(Op op, IrType type, IrType source, ulong a, ulong b)
    {
        bool w = type == IrType.I64;
        switch (op)
        {
            case Op.Iadd: return Norm(w, a + b);
            case Op.Isub: return Norm(w, a - b);
            case Op.Imul: return Norm(w, a * b);
            case Op.Sdiv: return w ? (ulong)WasmMath.I64DivS((long)a, (long)b) : (uint)WasmMath.I32DivS((int)a, (int)b);
            case Op.Udiv: return w ? WasmMath.I64DivU(a, b) : WasmMath.I32DivU((uint)a, (uint)b);
            case Op.Srem: return w ? (ulong)WasmMath.I64RemS((long)a, (long)b) : (uint)WasmMath.I32RemS((int)a, (int)b);
            case Op.Urem: return w ? WasmMath.I64RemU(a, b) : WasmMath.I32RemU((uint)a, (uint)b);
            case Op.Band: return a & b;
            case Op.Bor: return a | b;
            case Op.Bxor: return a ^ b;
            // Spec 4.3.2: shift and rotate counts are taken modulo the width.
            case Op.Ishl: return w ? a << (int)(b & 63) : (uint)a << (int)(b & 31);
            case Op.Sshr: return w ? (ulong)((long)a >> (int)(b & 63)) : (uint)((int)a >> (int)(b & 31));
            case Op.Ushr: return w ? a >> (int)(b & 63) : (uint)a >> (int)(b & 31);
            case Op.Rotl: return w ? BitOperations.RotateLeft(a, (int)(b & 63)) : BitOperations.RotateLeft((uint)a, (int)(b & 31));
            case Op.Rotr: return w ? BitOperations.RotateRight(a, (int)(b & 63)) : BitOperations.RotateRight((uint)a, (int)(b & 31));
            case Op.Clz: return w ? (ulong)BitOperations.LeadingZeroCount(a) : (ulong)BitOperations.LeadingZeroCount((uint)a);
            case Op.Ctz: return w ? (ulong)BitOperations.TrailingZeroCount(a) : (ulong)BitOperations.TrailingZeroCount((uint)a | 0x1_0000_0000ul);
            case Op.Popcnt: return (ulong)BitOperations.PopCount(a);
            case Op.Eqz: return a == 0 ? 1ul : 0ul;
            case Op.Sextend8: return Norm(w, (ulong)(long)(sbyte)a);
            case Op.Sextend16: return Norm(w, (ulong)(long)(short)a);
            case Op.Sextend32: return (ulong)(long)(int)a;
            case Op.Ieq: return a == b ? 1ul : 0ul;
            case Op.Ine: return a != b ? 1ul : 0ul;
            case Op.Islt: return Signed(w, a) < Signed(w, b) ? 1ul : 0ul;
            case Op.Iult: return a < b ? 1ul : 0ul;
            case Op.Isgt: return Signed(w, a) > Signed(w, b) ? 1ul : 0ul;
            case Op.Iugt: return a > b ? 1ul : 0ul;
            case Op.Isle: return Signed(w, a) <= Signed(w, b) ? 1ul : 0ul;
            case Op.Iule: return a <= b ? 1ul : 0ul;
            case Op.Isge: return Signed(w, a) >= Signed(w, b) ? 1ul : 0ul;
            case Op.Iuge: return a >= b ? 1ul : 0ul;
            case Op.Wrap: return (uint)a;
            case Op.Sextend: return (ulong)(long)(int)(uint)a;
            case Op.Uextend: return (uint)a;
            case Op.Bitcast: return a;
        }
        return type == IrType.F32 || (source == IrType.F32 && type != IrType.F64) || (op is Op.Promote)
            ? Float32(op, type, source, a, b)
            : Float64(op, type, source, a, b);
    }

    /// <summary>Float operations whose float operands are f32 (and conversions producing f32).</summary>
    private static ulong Float32(Op op, IrType type, IrType source, ulong a, ulong b)
    {
        float x = BitConverter.UInt32BitsToSingle((uint)a);
        float y = BitConverter.UInt32BitsToSingle((uint)b);
        switch (op)
        {
            case Op.Fadd: return F(x + y);
            case Op.Fsub: return F(x - y);
            case Op.Fmul: return F(x * y);
            case Op.Fdiv: return F(x / y);
            case Op.Fmin: return F(WasmMath.F32Min(x, y));
            case Op.Fmax: return F(WasmMath.F32Max(x, y));
            // abs, neg and copysign act on the sign bit only (spec 4.3.3), NaN payloads included.
            case Op.Fcopysign: return ((uint)a & 0x7FFF_FFFFu) | ((uint)b & 0x8000_0000u);
            case Op.Fabs: return (uint)a & 0x7FFF_FFFFu;
            case Op.Fneg: return (uint)a ^ 0x8000_0000u;
            case Op.Fceil: return F(WasmMath.F32Ceil(x));
            case Op.Ffloor: return F(WasmMath.F32Floor(x));
            case Op.Ftrunc: return F(WasmMath.F32Trunc(x));
            case Op.Fnearest: return F(WasmMath.F32Nearest(x));
            case Op.Fsqrt: return F(MathF.Sqrt(x));
            case Op.Feq: return x == y ? 1ul : 0ul;
            case Op.Fne: return x != y ? 1ul : 0ul;
            case Op.Flt: return x < y ? 1ul : 0ul;
            case Op.Fgt: return x > y ? 1ul : 0ul;
            case Op.Fle: return x <= y ? 1ul : 0ul;
            case Op.Fge: return x >= y ? 1ul : 0ul;
            case Op.Promote: return D(x);
            case Op.TruncS: return type == IrType.I64 ? (ulong)WasmMath.I64TruncF32S(x) : (uint)WasmMath.I32TruncF32S(x);
            case Op.TruncU: return type == IrType.I64 ? WasmMath.I64TruncF32U(x) : WasmMath.I32TruncF32U(x);
            case Op.TruncSatS: return type == IrType.I64 ? (ulong)WasmMath.I64TruncSatF32S(x) : (uint)WasmMath.I32TruncSatF32S(x);
            case Op.TruncSatU: return type == IrType.I64 ? WasmMath.I64TruncSatF32U(x) : WasmMath.I32TruncSatF32U(x);
            case Op.ConvertS: return F(source == IrType.I64 ? (float)(long)a : (float)(int)(uint)a);
            case Op.ConvertU: return F(source == IrType.I64 ? WasmMath.F32ConvertU64(a) : (float)(uint)a);
            case Op.Demote: return F((float)BitConverter.UInt64BitsToDouble(a));
        }
        throw new InvalidOperationException($"{OpInfo.Name(op)}.{type.ToText()} is not a numeric operation");
    }

    private static ulong Float64(Op op, IrType type, IrType source, ulong a, ulong b)
    {
        double x = BitConverter.UInt64BitsToDouble(a);
        double y = BitConverter.UInt64BitsToDouble(b);
        switch (op)
        {
            case Op.Fadd: return D(x + y);
            case Op.Fsub: return D(x - y);
            case Op.Fmul: return D(x * y);
            case Op.Fdiv: return D(x / y);
            case Op.Fmin: return D(WasmMath.F64Min(x, y));
            case Op.Fmax: return D(WasmMath.F64Max(x, y));
            case Op.Fcopysign: return (a & 0x7FFF_FFFF_FFFF_FFFFul) | (b & 0x8000_0000_0000_0000ul);
            case Op.Fabs: return a & 0x7FFF_FFFF_FFFF_FFFFul;
            case Op.Fneg: return a ^ 0x8000_0000_0000_0000ul;
            case Op.Fceil: return D(WasmMath.F64Ceil(x));
            case Op.Ffloor: return D(WasmMath.F64Floor(x));
            case Op.Ftrunc: return D(WasmMath.F64Trunc(x));
            case Op.Fnearest: return D(WasmMath.F64Nearest(x));
            case Op.Fsqrt: return D(Math.Sqrt(x));
            case Op.Feq: return x == y ? 1ul : 0ul;
            case Op.Fne: return x != y ? 1ul : 0ul;
            case Op.Flt: return x < y ? 1ul : 0ul;
            case Op.Fgt: return x > y ? 1ul : 0ul;
            case Op.Fle: return x <= y ? 1ul : 0ul;
            case Op.Fge: return x >= y ? 1ul : 0ul;
            case Op.TruncS: return type == IrType.I64 ? (ulong)WasmMath.I64TruncF64S(x) : (uint)WasmMath.I32TruncF64S(x);
            case Op.TruncU: return type == IrType.I64 ? WasmMath.I64TruncF64U(x) : WasmMath.I32TruncF64U(x);
            case Op.TruncSatS: return type == IrType.I64 ? (ulong)WasmMath.I64TruncSatF64S(x) : (uint)WasmMath.I32TruncSatF64S(x);
            case Op.TruncSatU: return type == IrType.I64 ? WasmMath.I64TruncSatF64U(x) : WasmMath.I32TruncSatF64U(x);
            case Op.ConvertS: return D(source == IrType.I64 ? (double)(long)a : (double)(int)(uint)a);
            case Op.ConvertU: return D(source == IrType.I64 ? WasmMath.F64ConvertU64(a) : (double)(uint)a);
        }
        throw new InvalidOperationException($"{OpInfo.Name(op)}.{type.ToText()} is not a numeric operation");
    }

    private static ulong F(float v) => BitConverter.SingleToUInt32Bits(v);

    private static ulong D(double v) => BitConverter.DoubleToUInt64Bits(v);

    private static ulong Norm(bool wide, ulong v) => wide ? v : (uint)v;

    private static long Signed(bool wide, ulong v) => wide ? (long)v : (int)(uint)v;

    /// <summary>Whether bits of <paramref name="type"/> are a NaN (integers never are).</summary>
    public static bool IsNaN(IrType type, ulong bits) => type switch
    {
        IrType.F32 => float.IsNaN(BitConverter.UInt32BitsToSingle((uint)bits)),
        IrType.F64 => double.IsNaN(BitConverter.UInt64BitsToDouble(bits)),
        _ => false,
    };
}

using System.Numerics;
using Kiln.Interpreter;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// Constant folding against the interpreter's semantics on edge operands: for every foldable opcode and type, each
/// pair of edge values is put in a function as constants and folded. The folded constant must equal what the
/// reference below computes (written here with .NET's typed operators and <see cref="WasmMath"/>, the interpreter's
/// helpers, not with the folder's own table), and an operation that traps must stay unfolded, as must a float
/// operation with a NaN operand or result.
/// </summary>
public class FoldingSemanticsTests
{
    private static readonly ulong[] s_i32 = [0, 1, 2, 7, 31, 32, 33, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x80, 0xFF, 0x8000];
    private static readonly ulong[] s_i64 = [0, 1, 2, 63, 64, 65, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue, 0xFFFF_FFFF, 0x8000_0000, 0x80];
    private static readonly float[] s_f32 = [0f, -0f, 1f, -1.5f, 2.5f, 0.5f, float.MaxValue, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 2147483648f, -2147483904f, 4294967296f, 1e10f];
    private static readonly double[] s_f64 = [0d, -0d, 1d, -1.5d, 2.5d, -0.5d, double.MaxValue, double.Epsilon, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 2147483647.9d, -2147483649d, 4294967296d, 9.2233720368547758e18d, 1e300d];

    private static IEnumerable<ulong> Operands(IrType t) => t switch
    {
        IrType.I32 => s_i32,
        IrType.I64 => s_i64,
        IrType.F32 => s_f32.Select(f => (ulong)BitConverter.SingleToUInt32Bits(f)),
        _ => s_f64.Select(BitConverter.DoubleToUInt64Bits),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (Op op in Enum.GetValues<Op>())
        {
            if (OpInfo.Kind(op) is OpKind.Pure or OpKind.Trapping && op is not (Op.Iconst or Op.Fconst or Op.Select))
            {
                foreach (IrType t in Enum.GetValues<IrType>())
                {
                    foreach (IrType source in Enum.GetValues<IrType>())
                    {
                        if (Reference(op, t, source, 0, 0, out _) is not Kind.NotAnOperation)
                        {
                            data.Add(OpInfo.Name(op), t.ToText() + "<-" + source.ToText());
                        }
                    }
                }
            }
        }
        return data;
    }

    [Fact]
    public void EveryNumericOpcodeIsCovered() => Assert.True(Cases().Count >= 100, $"{Cases().Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void FoldsExactlyAsTheInterpreterComputes(string opName, string types)
    {
        Assert.True(OpInfo.TryParse(opName, out Op op));
        Assert.True(IrTypes.TryParse(types[..3], out IrType type));
        Assert.True(IrTypes.TryParse(types[^3..], out IrType source));
        bool binary = OpInfo.OperandCount(op) == 2;
        int checkedCount = 0;
        foreach (ulong a in Operands(source))
        {
            foreach (ulong b in binary ? Operands(source) : [0ul])
            {
                Kind kind = Reference(op, type, source, a, b, out ulong expected);
                (bool folded, ulong actual) = Fold(op, type, source, a, b, binary);
                string what = $"{opName}.{type.ToText()} 0x{a:x}, 0x{b:x}";
                if (kind == Kind.Value)
                {
                    Assert.True(folded, $"{what} was not folded; expected 0x{expected:x}");
                    Assert.True(expected == actual, $"{what} folded to 0x{actual:x}, expected 0x{expected:x}");
                }
                else
                {
                    Assert.False(folded, $"{what} was folded to 0x{actual:x} but {(kind == Kind.Trap ? "traps" : "involves a NaN")}");
                }
                checkedCount++;
            }
        }
        Assert.True(checkedCount > 10);
    }

    /// <summary>Folds <c>op(const a, const b)</c>; returns whether the result became a constant, and its bits.</summary>
    private static (bool, ulong) Fold(Op op, IrType type, IrType source, ulong a, ulong b, bool binary)
    {
        IrType result = OpInfo.ResultType(op, type)!.Value;
        var f = new IrFunction("t", [], [result]);
        int block = f.CreateBlock();
        f.Layout.Add(block);
        int Const(ulong bits)
        {
            int c = f.CreateInst(source.IsInt() ? Op.Iconst : Op.Fconst, source, [], IrSemantics.ConstImm(source, bits));
            int v = f.AddResult(c, source);
            f.Append(block, c);
            return v;
        }
        int x = Const(a);
        int[] args = binary ? [x, Const(b)] : [x];
        int inst = f.CreateInst(op, type, args);
        int r = f.AddResult(inst, result);
        f.Append(block, inst);
        int ret = f.CreateInst(Op.Return, IrType.I32, [r]);
        f.Append(block, ret);
        IrVerifier.VerifyOrThrow(f);
        ConstantFolding.Run(f);
        IrVerifier.VerifyOrThrow(f);
        int returned = f.Args(f.Terminator(block))[0];
        ValueData d = f.Value(returned);
        if (d.IsParam || f.Inst(d.Owner).Op is not (Op.Iconst or Op.Fconst))
        {
            return (false, 0);
        }
        return (true, IrSemantics.ConstBits(result, f.Inst(d.Owner).Imm));
    }

    private enum Kind { Value, Trap, NaN, NotAnOperation }

    /// <summary>The interpreter's result for the operation, or why there is none to fold to.</summary>
    private static Kind Reference(Op op, IrType type, IrType source, ulong a, ulong b, out ulong result)
    {
        result = 0;
        try
        {
            ulong? r = type == IrType.I32 && source == IrType.I32 ? I32(op, (int)a, (int)b)
                : type == IrType.I64 && source == IrType.I64 ? I64(op, (long)a, (long)b)
                : source == IrType.F32 ? F32(op, type, BitConverter.UInt32BitsToSingle((uint)a), BitConverter.UInt32BitsToSingle((uint)b))
                : source == IrType.F64 ? F64(op, type, BitConverter.UInt64BitsToDouble(a), BitConverter.UInt64BitsToDouble(b))
                : Convert(op, type, source, a);
            if (r is null)
            {
                return Kind.NotAnOperation;
            }
            result = r.Value;
        }
        catch (TrapException)
        {
            return Kind.Trap;
        }
        bool signOnly = op is Op.Fneg or Op.Fabs or Op.Fcopysign or Op.Bitcast;
        bool nanIn = source.IsFloat() && (IsNaN(source, a) || (OpInfo.OperandCount(op) == 2 && IsNaN(source, b)));
        IrType resultType = OpInfo.ResultType(op, type)!.Value;
        return !signOnly && (nanIn || IsNaN(resultType, result)) ? Kind.NaN : Kind.Value;
    }

    private static bool IsNaN(IrType t, ulong bits) => t == IrType.F32 ? float.IsNaN(BitConverter.UInt32BitsToSingle((uint)bits)) : t == IrType.F64 && double.IsNaN(BitConverter.UInt64BitsToDouble(bits));

    private static ulong B(bool c) => c ? 1ul : 0ul;

    private static ulong? I32(Op op, int a, int b) => op switch
    {
        Op.Iadd => (uint)(a + b),
        Op.Isub => (uint)(a - b),
        Op.Imul => (uint)(a * b),
        Op.Sdiv => (uint)WasmMath.I32DivS(a, b),
        Op.Udiv => WasmMath.I32DivU((uint)a, (uint)b),
        Op.Srem => (uint)WasmMath.I32RemS(a, b),
        Op.Urem => WasmMath.I32RemU((uint)a, (uint)b),
        Op.Band => (uint)(a & b),
        Op.Bor => (uint)(a | b),
        Op.Bxor => (uint)(a ^ b),
        Op.Ishl => (uint)(a << b),
        Op.Sshr => (uint)(a >> b),
        Op.Ushr => (uint)a >> b,
        Op.Rotl => BitOperations.RotateLeft((uint)a, b),
        Op.Rotr => BitOperations.RotateRight((uint)a, b),
        Op.Clz => (ulong)BitOperations.LeadingZeroCount((uint)a),
        Op.Ctz => (ulong)(a == 0 ? 32 : BitOperations.TrailingZeroCount(a)),
        Op.Popcnt => (ulong)BitOperations.PopCount((uint)a),
        Op.Eqz => B(a == 0),
        Op.Sextend8 => (uint)(int)(sbyte)a,
        Op.Sextend16 => (uint)(int)(short)a,
        Op.Ieq => B(a == b),
        Op.Ine => B(a != b),
        Op.Islt => B(a < b),
        Op.Iult => B((uint)a < (uint)b),
        Op.Isgt => B(a > b),
        Op.Iugt => B((uint)a > (uint)b),
        Op.Isle => B(a <= b),
        Op.Iule => B((uint)a <= (uint)b),
        Op.Isge => B(a >= b),
        Op.Iuge => B((uint)a >= (uint)b),
        _ => null,
    };

    private static ulong? I64(Op op, long a, long b) => op switch
    {
        Op.Iadd => (ulong)(a + b),
        Op.Isub => (ulong)(a - b),
        Op.Imul => (ulong)(a * b),
        Op.Sdiv => (ulong)WasmMath.I64DivS(a, b),
        Op.Udiv => WasmMath.I64DivU((ulong)a, (ulong)b),
        Op.Srem => (ulong)WasmMath.I64RemS(a, b),
        Op.Urem => WasmMath.I64RemU((ulong)a, (ulong)b),
        Op.Band => (ulong)(a & b),
        Op.Bor => (ulong)(a | b),
        Op.Bxor => (ulong)(a ^ b),
        Op.Ishl => (ulong)(a << (int)b),
        Op.Sshr => (ulong)(a >> (int)b),
        Op.Ushr => (ulong)a >> (int)b,
        Op.Rotl => BitOperations.RotateLeft((ulong)a, (int)b),
        Op.Rotr => BitOperations.RotateRight((ulong)a, (int)b),
        Op.Clz => (ulong)BitOperations.LeadingZeroCount((ulong)a),
        Op.Ctz => (ulong)BitOperations.TrailingZeroCount(a),
        Op.Popcnt => (ulong)BitOperations.PopCount((ulong)a),
        Op.Eqz => B(a == 0),
        Op.Sextend8 => (ulong)(long)(sbyte)a,
        Op.Sextend16 => (ulong)(long)(short)a,
        Op.Sextend32 => (ulong)(long)(int)a,
        Op.Ieq => B(a == b),
        Op.Ine => B(a != b),
        Op.Islt => B(a < b),
        Op.Iult => B((ulong)a < (ulong)b),
        Op.Isgt => B(a > b),
        Op.Iugt => B((ulong)a > (ulong)b),
        Op.Isle => B(a <= b),
        Op.Iule => B((ulong)a <= (ulong)b),
        Op.Isge => B(a >= b),
        Op.Iuge => B((ulong)a >= (ulong)b),
        _ => null,
    };

    private static ulong F(float f) => BitConverter.SingleToUInt32Bits(f);

    private static ulong D(double d) => BitConverter.DoubleToUInt64Bits(d);

    private static ulong? F32(Op op, IrType type, float a, float b) => (op, type) switch
    {
        (Op.Fadd, IrType.F32) => F(a + b),
        (Op.Fsub, IrType.F32) => F(a - b),
        (Op.Fmul, IrType.F32) => F(a * b),
        (Op.Fdiv, IrType.F32) => F(a / b),
        (Op.Fmin, IrType.F32) => F(WasmMath.F32Min(a, b)),
        (Op.Fmax, IrType.F32) => F(WasmMath.F32Max(a, b)),
        (Op.Fcopysign, IrType.F32) => F(MathF.CopySign(a, b)),
        (Op.Fabs, IrType.F32) => F(MathF.Abs(a)),
        (Op.Fneg, IrType.F32) => F(-a),
        (Op.Fceil, IrType.F32) => F(WasmMath.F32Ceil(a)),
        (Op.Ffloor, IrType.F32) => F(WasmMath.F32Floor(a)),
        (Op.Ftrunc, IrType.F32) => F(WasmMath.F32Trunc(a)),
        (Op.Fnearest, IrType.F32) => F(WasmMath.F32Nearest(a)),
        (Op.Fsqrt, IrType.F32) => F(MathF.Sqrt(a)),
        (Op.Feq, IrType.F32) => B(a == b),
        (Op.Fne, IrType.F32) => B(a != b),
        (Op.Flt, IrType.F32) => B(a < b),
        (Op.Fgt, IrType.F32) => B(a > b),
        (Op.Fle, IrType.F32) => B(a <= b),
        (Op.Fge, IrType.F32) => B(a >= b),
        (Op.Promote, IrType.F64) => D(a),
        (Op.Bitcast, IrType.I32) => F(a),
        (Op.TruncS, IrType.I32) => (uint)WasmMath.I32TruncF32S(a),
        (Op.TruncU, IrType.I32) => WasmMath.I32TruncF32U(a),
        (Op.TruncS, IrType.I64) => (ulong)WasmMath.I64TruncF32S(a),
        (Op.TruncU, IrType.I64) => WasmMath.I64TruncF32U(a),
        (Op.TruncSatS, IrType.I32) => (uint)WasmMath.I32TruncSatF32S(a),
        (Op.TruncSatU, IrType.I32) => WasmMath.I32TruncSatF32U(a),
        (Op.TruncSatS, IrType.I64) => (ulong)WasmMath.I64TruncSatF32S(a),
        (Op.TruncSatU, IrType.I64) => WasmMath.I64TruncSatF32U(a),
        _ => null,
    };

    private static ulong? F64(Op op, IrType type, double a, double b) => (op, type) switch
    {
        (Op.Fadd, IrType.F64) => D(a + b),
        (Op.Fsub, IrType.F64) => D(a - b),
        (Op.Fmul, IrType.F64) => D(a * b),
        (Op.Fdiv, IrType.F64) => D(a / b),
        (Op.Fmin, IrType.F64) => D(WasmMath.F64Min(a, b)),
        (Op.Fmax, IrType.F64) => D(WasmMath.F64Max(a, b)),
        (Op.Fcopysign, IrType.F64) => D(Math.CopySign(a, b)),
        (Op.Fabs, IrType.F64) => D(Math.Abs(a)),
        (Op.Fneg, IrType.F64) => D(-a),
        (Op.Fceil, IrType.F64) => D(WasmMath.F64Ceil(a)),
        (Op.Ffloor, IrType.F64) => D(WasmMath.F64Floor(a)),
        (Op.Ftrunc, IrType.F64) => D(WasmMath.F64Trunc(a)),
        (Op.Fnearest, IrType.F64) => D(WasmMath.F64Nearest(a)),
        (Op.Fsqrt, IrType.F64) => D(Math.Sqrt(a)),
        (Op.Feq, IrType.F64) => B(a == b),
        (Op.Fne, IrType.F64) => B(a != b),
        (Op.Flt, IrType.F64) => B(a < b),
        (Op.Fgt, IrType.F64) => B(a > b),
        (Op.Fle, IrType.F64) => B(a <= b),
        (Op.Fge, IrType.F64) => B(a >= b),
        (Op.Demote, IrType.F32) => F((float)a),
        (Op.Bitcast, IrType.I64) => D(a),
        (Op.TruncS, IrType.I32) => (uint)WasmMath.I32TruncF64S(a),
        (Op.TruncU, IrType.I32) => WasmMath.I32TruncF64U(a),
        (Op.TruncS, IrType.I64) => (ulong)WasmMath.I64TruncF64S(a),
        (Op.TruncU, IrType.I64) => WasmMath.I64TruncF64U(a),
        (Op.TruncSatS, IrType.I32) => (uint)WasmMath.I32TruncSatF64S(a),
        (Op.TruncSatU, IrType.I32) => WasmMath.I32TruncSatF64U(a),
        (Op.TruncSatS, IrType.I64) => (ulong)WasmMath.I64TruncSatF64S(a),
        (Op.TruncSatU, IrType.I64) => WasmMath.I64TruncSatF64U(a),
        _ => null,
    };

    /// <summary>Integer sources with another result type: wrap, extend, int-to-float conversions, bit casts.</summary>
    private static ulong? Convert(Op op, IrType type, IrType source, ulong a) => (op, type, source) switch
    {
        (Op.Wrap, IrType.I32, IrType.I64) => (uint)a,
        (Op.Sextend, IrType.I64, IrType.I32) => (ulong)(long)(int)a,
        (Op.Uextend, IrType.I64, IrType.I32) => (uint)a,
        (Op.ConvertS, IrType.F32, IrType.I32) => F((int)a),
        (Op.ConvertU, IrType.F32, IrType.I32) => F((uint)a),
        (Op.ConvertS, IrType.F32, IrType.I64) => F((long)a),
        (Op.ConvertU, IrType.F32, IrType.I64) => F(WasmMath.F32ConvertU64(a)),
        (Op.ConvertS, IrType.F64, IrType.I32) => D((int)a),
        (Op.ConvertU, IrType.F64, IrType.I32) => D((uint)a),
        (Op.ConvertS, IrType.F64, IrType.I64) => D((long)a),
        (Op.ConvertU, IrType.F64, IrType.I64) => D(WasmMath.F64ConvertU64(a)),
        (Op.Bitcast, IrType.F32, IrType.I32) => (uint)a,
        (Op.Bitcast, IrType.F64, IrType.I64) => a,
        _ => null,
    };
}

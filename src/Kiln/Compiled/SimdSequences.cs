using Kiln.Jit.X64;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Compiled;

/// <summary>
/// The SIMD (v128) instruction sequences both compiling tiers emit, written once over registers the caller chooses so
/// the tiers cannot drift apart. Every sequence works on registers the caller owns (it may overwrite its v128
/// operands) and names where the result lands; <c>t0</c> and <c>t1</c> are two further xmm scratch registers for the
/// sequences that need temporaries (the baseline passes xmm0 and xmm15, the optimizing tier xmm0 and xmm1). The forms
/// used need SSSE3 and SSE4.1 (pcmpgtq, where SSE4.2 is present, is the one optional form). This file holds the
/// constants and the memory instructions; <c>.Integer.cs</c> the lanes, shuffles, bitwise operations, tests and
/// integer comparisons; <c>.Arithmetic.cs</c> the integer lane arithmetic and shifts; <c>.Float.cs</c> the float lanes.
/// </summary>
internal static partial class SimdSequences
{
    /// <summary>Loads a 128-bit constant: all zeros and all ones without memory, else from the constant pool.</summary>
    public static void LoadConstant(Assembler asm, Xmm dst, ulong low, ulong high)
    {
        if ((low | high) == 0)
        {
            asm.Pxor(dst, dst);
        }
        else if ((low & high) == ulong.MaxValue)
        {
            asm.Pcmpeqd(dst, dst);
        }
        else
        {
            asm.Movdqa(dst, asm.Const128(low, high));
        }
    }

    /// <summary>The same 8-bit pattern in every byte of a 128-bit constant.</summary>
    public static Mem BytesConstant(Assembler asm, byte b)
    {
        ulong x = 0x0101_0101_0101_0101UL * b;
        return asm.Const128(x, x);
    }

    /// <summary>How many bytes a SIMD memory instruction touches (Spec 4.4.7: the whole access must be in bounds).</summary>
    public static int AccessSize(Opcode op) => op switch
    {
        Opcode.V128Load or Opcode.V128Store => 16,
        Opcode.V128Load8Splat or Opcode.V128Load8Lane or Opcode.V128Store8Lane => 1,
        Opcode.V128Load16Splat or Opcode.V128Load16Lane or Opcode.V128Store16Lane => 2,
        Opcode.V128Load32Splat or Opcode.V128Load32Lane or Opcode.V128Store32Lane or Opcode.V128Load32Zero => 4,
        // The extending loads read 8 bytes, as do the 64-bit splat, lane and zero forms.
        _ => 8,
    };

    /// <summary>v128.store and the lane stores: exactly one instruction touches <paramref name="address"/>.</summary>
    public static void Store(Assembler asm, Opcode op, Mem address, Xmm value, byte lane)
    {
        switch (op)
        {
            case Opcode.V128Store:
                asm.Movdqu(address, value);
                break;
            case Opcode.V128Store8Lane:
                asm.Pextrb(address, value, lane);
                break;
            case Opcode.V128Store16Lane:
                asm.Pextrw(address, value, lane);
                break;
            case Opcode.V128Store32Lane:
                asm.Pextrd(address, value, lane);
                break;
            case Opcode.V128Store64Lane:
                asm.Pextrq(address, value, lane);
                break;
            default:
                throw new InternalErrorException($"SIMD sequences: {op} is not a SIMD store");
        }
    }

    /// <summary>The lane loads: one lane of <paramref name="value"/> replaced from memory, the others kept.</summary>
    public static void LoadLane(Assembler asm, Opcode op, Xmm value, Mem address, byte lane)
    {
        switch (op)
        {
            case Opcode.V128Load8Lane:
                asm.Pinsrb(value, address, lane);
                break;
            case Opcode.V128Load16Lane:
                asm.Pinsrw(value, address, lane);
                break;
            case Opcode.V128Load32Lane:
                asm.Pinsrd(value, address, lane);
                break;
            case Opcode.V128Load64Lane:
                asm.Pinsrq(value, address, lane);
                break;
            default:
                throw new InternalErrorException($"SIMD sequences: {op} is not a lane load");
        }
    }

    /// <summary>
    /// What a load needs before its memory access (so the access stays one instruction, the trap site): the 8- and
    /// 16-bit splats insert into a register whose other lanes must not hold stale bits, so it is zeroed first.
    /// </summary>
    public static void PrepareLoad(Assembler asm, Opcode op, Xmm x)
    {
        if (op is Opcode.V128Load8Splat or Opcode.V128Load16Splat)
        {
            asm.Pxor(x, x);
        }
    }

    /// <summary>v128.load and the extending, splat and zero loads into <paramref name="x"/>; the first instruction touches memory.</summary>
    public static void Load(Assembler asm, Opcode op, Xmm x, Mem address, Xmm t0)
    {
        switch (op)
        {
            case Opcode.V128Load:
                asm.Movdqu(x, address);
                break;
            case Opcode.V128Load8x8S:
                asm.Pmovsxbw(x, address);
                break;
            case Opcode.V128Load8x8U:
                asm.Pmovzxbw(x, address);
                break;
            case Opcode.V128Load16x4S:
                asm.Pmovsxwd(x, address);
                break;
            case Opcode.V128Load16x4U:
                asm.Pmovzxwd(x, address);
                break;
            case Opcode.V128Load32x2S:
                asm.Pmovsxdq(x, address);
                break;
            case Opcode.V128Load32x2U:
                asm.Pmovzxdq(x, address);
                break;
            case Opcode.V128Load8Splat:
                asm.Pinsrb(x, address, 0);
                asm.Pxor(t0, t0);
                asm.Pshufb(x, t0);
                break;
            case Opcode.V128Load16Splat:
                asm.Pinsrw(x, address, 0);
                asm.Pshuflw(x, x, 0);
                asm.Pshufd(x, x, 0);
                break;
            case Opcode.V128Load32Splat:
                asm.Movd(x, address);
                asm.Pshufd(x, x, 0);
                break;
            case Opcode.V128Load64Splat:
                asm.Movddup(x, address);
                break;
            case Opcode.V128Load32Zero:
                asm.Movd(x, address);
                break;
            case Opcode.V128Load64Zero:
                asm.Movq(x, address);
                break;
            default:
                throw new InternalErrorException($"SIMD sequences: {op} is not a SIMD load");
        }
    }

    /// <summary>
    /// The v128 → v128 instructions (lane-wise unary operations, extends, conversions, not, popcnt), in place on
    /// <paramref name="x"/>; false when <paramref name="op"/> is not one.
    /// </summary>
    public static bool TryUnary(Assembler asm, Opcode op, Xmm x, Xmm t0, Xmm t1) =>
        TryUnaryInteger(asm, op, x, t0, t1) || TryUnaryArithmetic(asm, op, x, t0) || TryUnaryFloat(asm, op, x, t0, t1);

    /// <summary>
    /// The v128 × v128 → v128 instructions (shuffle and bitselect excepted): both operands are overwritten, and the
    /// result lands in <paramref name="result"/>, <paramref name="a"/> or <paramref name="b"/>; false when
    /// <paramref name="op"/> is not one.
    /// </summary>
    public static bool TryBinary(Assembler asm, Opcode op, Xmm a, Xmm b, Xmm t0, Xmm t1, out Xmm result)
    {
        if (TryBinaryArithmetic(asm, op, a, b, t0, t1))
        {
            result = a;
            return true;
        }
        return TryBinaryInteger(asm, op, a, b, t0, t1, out result) || TryBinaryFloat(asm, op, a, b, t0, out result);
    }

    /// <summary>
    /// Whether <see cref="TryBinary"/>'s sequence for <paramref name="op"/> only reads <c>b</c> and leaves the result in
    /// <c>a</c>: a caller whose b lives in a register it must keep may then pass that register itself instead of a copy
    /// (checked for every opcode by decoding the sequences in the tests).
    /// </summary>
    public static bool BinaryKeepsB(Opcode op) => op switch
    {
        >= Opcode.I16x8ExtmulLowI8x16S and <= Opcode.I16x8ExtmulHighI8x16U => false,
        >= Opcode.I64x2ExtmulLowI32x4S and <= Opcode.I64x2ExtmulHighI32x4U => false,
        Opcode.V128And or Opcode.V128Or or Opcode.V128Xor => true,
        Opcode.I8x16Eq or Opcode.I8x16Ne or Opcode.I8x16GtS or Opcode.I16x8Eq or Opcode.I16x8Ne or Opcode.I16x8GtS
            or Opcode.I32x4Eq or Opcode.I32x4Ne or Opcode.I32x4GtS or Opcode.I64x2Eq or Opcode.I64x2Ne or Opcode.I64x2GtS
            or Opcode.I64x2LeS => true,
        Opcode.F32x4Add or Opcode.F32x4Sub or Opcode.F32x4Mul or Opcode.F32x4Div or Opcode.F32x4Min or Opcode.F32x4Max
            or Opcode.F32x4Eq or Opcode.F32x4Ne or Opcode.F32x4Lt or Opcode.F32x4Le => true,
        Opcode.F64x2Add or Opcode.F64x2Sub or Opcode.F64x2Mul or Opcode.F64x2Div or Opcode.F64x2Min or Opcode.F64x2Max
            or Opcode.F64x2Eq or Opcode.F64x2Ne or Opcode.F64x2Lt or Opcode.F64x2Le => true,
        _ => IsIntegerArithmeticBinary(op),
    };

    /// <summary>
    /// Whether the integer operation <paramref name="op"/> gives the same result with its operands swapped (so a caller
    /// may compute it over whichever operand's register suits). Float operations are left out: with two NaN operands
    /// x86 returns the first one's payload.
    /// </summary>
    public static bool IsCommutative(Opcode op) => op is Opcode.V128And or Opcode.V128Or or Opcode.V128Xor
        or Opcode.I8x16Eq or Opcode.I8x16Ne or Opcode.I16x8Eq or Opcode.I16x8Ne or Opcode.I32x4Eq or Opcode.I32x4Ne
        or Opcode.I64x2Eq or Opcode.I64x2Ne
        or Opcode.I8x16Add or Opcode.I8x16AddSatS or Opcode.I8x16AddSatU or Opcode.I16x8Add or Opcode.I16x8AddSatS
        or Opcode.I16x8AddSatU or Opcode.I32x4Add or Opcode.I64x2Add or Opcode.I16x8Mul or Opcode.I32x4Mul or Opcode.I64x2Mul
        or >= Opcode.I8x16MinS and <= Opcode.I8x16MaxU or Opcode.I8x16AvgrU
        or >= Opcode.I16x8MinS and <= Opcode.I16x8MaxU or Opcode.I16x8AvgrU
        or >= Opcode.I32x4MinS and <= Opcode.I32x4MaxU;

    private static bool IsIntegerArithmeticBinary(Opcode op) => op is >= Opcode.I8x16NarrowI16x8S and <= Opcode.I8x16NarrowI16x8U
        or >= Opcode.I8x16AddSatS and <= Opcode.I8x16SubSatU or Opcode.I8x16Add or Opcode.I8x16Sub
        or >= Opcode.I8x16MinS and <= Opcode.I8x16MaxU or Opcode.I8x16AvgrU
        or Opcode.I16x8Q15mulrSatS or >= Opcode.I16x8NarrowI32x4S and <= Opcode.I16x8NarrowI32x4U
        or Opcode.I16x8Add or >= Opcode.I16x8AddSatS and <= Opcode.I16x8SubSatU or Opcode.I16x8Sub or Opcode.I16x8Mul
        or >= Opcode.I16x8MinS and <= Opcode.I16x8MaxU or Opcode.I16x8AvgrU
        or Opcode.I32x4Add or Opcode.I32x4Sub or Opcode.I32x4Mul or >= Opcode.I32x4MinS and <= Opcode.I32x4DotI16x8S
        or >= Opcode.I32x4ExtmulLowI16x8S and <= Opcode.I32x4ExtmulHighI16x8U
        or Opcode.I64x2Add or Opcode.I64x2Sub or Opcode.I64x2Mul;
}

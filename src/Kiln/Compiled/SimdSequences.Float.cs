using Kiln.Jit.X64;
using Kiln.Wasm.Model;

namespace Kiln.Compiled;

/// <summary>
/// SIMD float lanes (f32x4, f64x2): arithmetic, min/max and pmin/pmax, rounding, comparisons, and the conversions
/// between float and integer lanes. Where an SSE instruction already has the Wasm semantics it is used alone
/// (add, sqrt, roundps, cmpps, pmin as minps); where it does not (min/max with NaN and signed zeros, saturating and
/// unsigned conversions) a short branch-free sequence of the kind other Wasm engines emit fixes the difference up,
/// with t0 and t1 as the temporaries.
/// </summary>
internal static partial class SimdSequences
{
    /// <summary>2^52 as a double: adding or subtracting it moves a 32-bit integer in and out of a double's mantissa.</summary>
    private const ulong TwoPow52Bits = 0x4330_0000_0000_0000UL;

    /// <summary>The float v128 → v128 operations, in place; false for other opcodes.</summary>
    private static bool TryUnaryFloat(Assembler asm, Opcode op, Xmm a, Xmm t0, Xmm t1)
    {
        switch (op)
        {
            case Opcode.F32x4Sqrt: asm.Sqrtps(a, a); return true;
            case Opcode.F64x2Sqrt: asm.Sqrtpd(a, a); return true;
            case Opcode.F32x4Ceil: asm.Roundps(a, a, RoundingMode.Up); return true;
            case Opcode.F32x4Floor: asm.Roundps(a, a, RoundingMode.Down); return true;
            case Opcode.F32x4Trunc: asm.Roundps(a, a, RoundingMode.Truncate); return true;
            case Opcode.F32x4Nearest: asm.Roundps(a, a, RoundingMode.Nearest); return true;
            case Opcode.F64x2Ceil: asm.Roundpd(a, a, RoundingMode.Up); return true;
            case Opcode.F64x2Floor: asm.Roundpd(a, a, RoundingMode.Down); return true;
            case Opcode.F64x2Trunc: asm.Roundpd(a, a, RoundingMode.Truncate); return true;
            case Opcode.F64x2Nearest: asm.Roundpd(a, a, RoundingMode.Nearest); return true;

            // abs and neg touch only the sign bit (Spec 4.3.3: fabs/fneg are not arithmetic, a NaN keeps its payload).
            // The mask is built in t0 rather than loaded, from all ones shifted.
            case Opcode.F32x4Abs:
                asm.Pcmpeqd(t0, t0);
                asm.Psrld(t0, 1);
                asm.Andps(a, t0);
                return true;
            case Opcode.F64x2Abs:
                asm.Pcmpeqd(t0, t0);
                asm.Psrlq(t0, 1);
                asm.Andpd(a, t0);
                return true;
            case Opcode.F32x4Neg:
                asm.Pcmpeqd(t0, t0);
                asm.Pslld(t0, 31);
                asm.Xorps(a, t0);
                return true;
            case Opcode.F64x2Neg:
                asm.Pcmpeqd(t0, t0);
                asm.Psllq(t0, 63);
                asm.Xorpd(a, t0);
                return true;

            case Opcode.F32x4ConvertI32x4S: asm.Cvtdq2ps(a, a); return true;
            case Opcode.F64x2ConvertLowI32x4S: asm.Cvtdq2pd(a, a); return true;
            // cvtpd2ps rounds to nearest even and zeroes the upper two lanes, as the _zero form wants.
            case Opcode.F32x4DemoteF64x2Zero: asm.Cvtpd2ps(a, a); return true;
            case Opcode.F64x2PromoteLowF32x4: asm.Cvtps2pd(a, a); return true;

            case Opcode.I32x4TruncSatF32x4S: TruncSatF32x4S(asm, a, t0); return true;
            case Opcode.I32x4TruncSatF32x4U: TruncSatF32x4U(asm, a, t0, t1); return true;
            case Opcode.F32x4ConvertI32x4U: ConvertI32x4U(asm, a, t0); return true;
            case Opcode.I32x4TruncSatF64x2SZero: TruncSatF64x2SZero(asm, a, t0); return true;
            case Opcode.I32x4TruncSatF64x2UZero: TruncSatF64x2UZero(asm, a, t0); return true;
            case Opcode.F64x2ConvertLowI32x4U: ConvertLowI32x4U(asm, a); return true;
            default:
                return false;
        }
    }

    /// <summary>The float v128 × v128 → v128 operations; the result is in <paramref name="result"/> (a or b). False for other opcodes.</summary>
    private static bool TryBinaryFloat(Assembler asm, Opcode op, Xmm a, Xmm b, Xmm t0, out Xmm result)
    {
        result = a;
        switch (op)
        {
            case Opcode.F32x4Add: asm.Addps(a, b); return true;
            case Opcode.F32x4Sub: asm.Subps(a, b); return true;
            case Opcode.F32x4Mul: asm.Mulps(a, b); return true;
            case Opcode.F32x4Div: asm.Divps(a, b); return true;
            case Opcode.F64x2Add: asm.Addpd(a, b); return true;
            case Opcode.F64x2Sub: asm.Subpd(a, b); return true;
            case Opcode.F64x2Mul: asm.Mulpd(a, b); return true;
            case Opcode.F64x2Div: asm.Divpd(a, b); return true;

            case Opcode.F32x4Min: FloatMin(asm, a, b, t0, isF64: false); return true;
            case Opcode.F64x2Min: FloatMin(asm, a, b, t0, isF64: true); return true;
            case Opcode.F32x4Max: FloatMax(asm, a, b, t0, isF64: false); return true;
            case Opcode.F64x2Max: FloatMax(asm, a, b, t0, isF64: true); return true;

            // The legacy cmpps predicates have no gt/ge: a > b is b < a, with the operands swapped.
            case Opcode.F32x4Eq: asm.Cmpps(a, b, FloatComparison.Equal); return true;
            case Opcode.F32x4Ne: asm.Cmpps(a, b, FloatComparison.NotEqual); return true;
            case Opcode.F32x4Lt: asm.Cmpps(a, b, FloatComparison.LessThan); return true;
            case Opcode.F32x4Le: asm.Cmpps(a, b, FloatComparison.LessOrEqual); return true;
            case Opcode.F64x2Eq: asm.Cmppd(a, b, FloatComparison.Equal); return true;
            case Opcode.F64x2Ne: asm.Cmppd(a, b, FloatComparison.NotEqual); return true;
            case Opcode.F64x2Lt: asm.Cmppd(a, b, FloatComparison.LessThan); return true;
            case Opcode.F64x2Le: asm.Cmppd(a, b, FloatComparison.LessOrEqual); return true;
        }
        // Spec: pmin is b < a ? b : a, pmax is a < b ? b : a. minps/maxps return their second operand when the compare
        // is false (NaN or equal zeros), so with the operands swapped (b = b op a) they are exactly these.
        result = b;
        switch (op)
        {
            case Opcode.F32x4Pmin: asm.Minps(b, a); return true;
            case Opcode.F32x4Pmax: asm.Maxps(b, a); return true;
            case Opcode.F64x2Pmin: asm.Minpd(b, a); return true;
            case Opcode.F64x2Pmax: asm.Maxpd(b, a); return true;
            case Opcode.F32x4Gt: asm.Cmpps(b, a, FloatComparison.LessThan); return true;
            case Opcode.F32x4Ge: asm.Cmpps(b, a, FloatComparison.LessOrEqual); return true;
            case Opcode.F64x2Gt: asm.Cmppd(b, a, FloatComparison.LessThan); return true;
            case Opcode.F64x2Ge: asm.Cmppd(b, a, FloatComparison.LessOrEqual); return true;
            default:
                result = a;
                return false;
        }
    }

    /// <summary>
    /// Spec 4.3.3 fmin: NaN if either lane is NaN, and -0 below +0. minps returns its second operand when either
    /// is NaN or both are zero, so running it both ways and OR-ing the results carries a NaN (NaN | x is a NaN) and a
    /// -0 (the sign bits OR) through; the NaN lanes are then made canonical (sign, exponent and quiet bit only).
    /// </summary>
    private static void FloatMin(Assembler asm, Xmm a, Xmm b, Xmm t, bool isF64)
    {
        asm.Movaps(t, b);
        if (isF64)
        {
            asm.Minpd(t, a);
            asm.Minpd(a, b);
            asm.Orpd(t, a);
            asm.Cmppd(a, t, FloatComparison.Unordered);
            asm.Orpd(t, a);
            asm.Psrlq(a, 13);
            asm.Andnpd(a, t);
        }
        else
        {
            asm.Minps(t, a);
            asm.Minps(a, b);
            asm.Orps(t, a);
            asm.Cmpps(a, t, FloatComparison.Unordered);
            asm.Orps(t, a);
            asm.Psrld(a, 10);
            asm.Andnps(a, t);
        }
    }

    /// <summary>
    /// Spec 4.3.3 fmax: NaN if either lane is NaN, and +0 above -0. maxps both ways; where the two disagree (a NaN, or
    /// zeros of different signs) their XOR is non-zero: OR-ing it in keeps a NaN a NaN, and subtracting it turns the
    /// (-0 | +0) pair into +0. NaN lanes are then made canonical.
    /// </summary>
    private static void FloatMax(Assembler asm, Xmm a, Xmm b, Xmm t, bool isF64)
    {
        asm.Movaps(t, b);
        if (isF64)
        {
            asm.Maxpd(t, a);
            asm.Maxpd(a, b);
            asm.Xorpd(a, t);
            asm.Orpd(t, a);
            asm.Subpd(t, a);
            asm.Cmppd(a, t, FloatComparison.Unordered);
            asm.Psrlq(a, 13);
            asm.Andnpd(a, t);
        }
        else
        {
            asm.Maxps(t, a);
            asm.Maxps(a, b);
            asm.Xorps(a, t);
            asm.Orps(t, a);
            asm.Subps(t, a);
            asm.Cmpps(a, t, FloatComparison.Unordered);
            asm.Psrld(a, 10);
            asm.Andnps(a, t);
        }
    }

    /// <summary>
    /// Spec 4.3.4 trunc_sat_s: NaN gives 0, out of range saturates. cvttps2dq gives 0x80000000 for NaN and for both
    /// overflows; NaN lanes are zeroed first, and a lane that was not negative but came out 0x80000000 is flipped to
    /// 0x7FFFFFFF by XOR-ing the sign of (not input AND result) spread over the lane.
    /// </summary>
    private static void TruncSatF32x4S(Assembler asm, Xmm a, Xmm t)
    {
        asm.Movaps(t, a);
        asm.Cmpps(t, t, FloatComparison.Equal);
        asm.Andps(a, t);
        asm.Pxor(t, a);
        asm.Cvttps2dq(a, a);
        asm.Pand(t, a);
        asm.Psrad(t, 31);
        asm.Pxor(a, t);
    }

    /// <summary>
    /// Spec 4.3.4 trunc_sat_u. maxps against zero clears NaN (maxps returns its second operand then) and negative lanes.
    /// cvttps2dq covers [0, 2^31); for [2^31, 2^32) it gives 0x80000000 and the lane minus 2^31 (exact there) is
    /// converted separately and added; a lane at or above 2^32 has that part overflow too, which is forced to
    /// 0x7FFFFFFF so the sum is 0xFFFFFFFF.
    /// </summary>
    private static void TruncSatF32x4U(Assembler asm, Xmm a, Xmm t, Xmm high)
    {
        asm.Xorps(t, t);
        asm.Maxps(a, t);
        asm.Pcmpeqd(t, t);
        asm.Psrld(t, 1);
        asm.Cvtdq2ps(t, t); // 2^31
        asm.Movaps(high, a);
        asm.Subps(high, t);
        asm.Cmpps(t, high, FloatComparison.LessOrEqual); // lanes >= 2^32
        asm.Cvttps2dq(high, high);
        asm.Pxor(high, t);
        asm.Pxor(t, t);
        asm.Pmaxsd(high, t); // lanes below 2^31 contribute nothing
        asm.Cvttps2dq(a, a);
        asm.Paddd(a, high);
    }

    /// <summary>
    /// Spec 4.3.4 convert_u, rounded once. cvtdq2ps is signed, so the lane is split: the low 16 bits convert exactly,
    /// the high 16 bits halved fit a signed lane and convert exactly, doubling is exact, and the one add rounds.
    /// </summary>
    private static void ConvertI32x4U(Assembler asm, Xmm a, Xmm low)
    {
        asm.Pxor(low, low);
        asm.Pblendw(low, a, 0x55);
        asm.Psubd(a, low);
        asm.Cvtdq2ps(low, low);
        asm.Psrld(a, 1);
        asm.Cvtdq2ps(a, a);
        asm.Addps(a, a);
        asm.Addps(a, low);
    }

    /// <summary>
    /// Spec 4.3.4 trunc_sat_s on f64 lanes, upper lanes zero. minpd against (non-NaN mask AND 2147483647.0) clamps
    /// the top and turns NaN into 0 (minpd returns its second operand for a NaN); cvttpd2dq already saturates the
    /// bottom to 0x80000000 and zeroes the upper lanes.
    /// </summary>
    private static void TruncSatF64x2SZero(Assembler asm, Xmm a, Xmm t)
    {
        ulong max = (ulong)BitConverter.DoubleToInt64Bits(int.MaxValue);
        asm.Movaps(t, a);
        asm.Cmppd(t, t, FloatComparison.Equal);
        asm.Andpd(t, asm.Const128(max, max));
        asm.Minpd(a, t);
        asm.Cvttpd2dq(a, a);
    }

    /// <summary>
    /// Spec 4.3.4 trunc_sat_u on f64 lanes, upper lanes zero. Clamped to [0, 2^32 - 1] (maxpd against zero clears NaN),
    /// truncated, then adding 2^52 leaves the integer in the low 32 bits of each double, which shufps gathers.
    /// </summary>
    private static void TruncSatF64x2UZero(Assembler asm, Xmm a, Xmm t)
    {
        ulong max = (ulong)BitConverter.DoubleToInt64Bits(uint.MaxValue);
        asm.Xorpd(t, t);
        asm.Maxpd(a, t);
        asm.Minpd(a, asm.Const128(max, max));
        asm.Roundpd(a, a, RoundingMode.Truncate);
        asm.Addpd(a, asm.Const128(TwoPow52Bits, TwoPow52Bits));
        asm.Shufps(a, t, 0b10_00_10_00);
    }

    /// <summary>
    /// Spec 4.3.4 convert_u of the two low lanes: each u32 goes under the exponent of 2^52 (unpcklps with the high
    /// word 0x43300000), making the double 2^52 + u exactly; subtracting 2^52 leaves u.
    /// </summary>
    private static void ConvertLowI32x4U(Assembler asm, Xmm a)
    {
        ulong high = TwoPow52Bits | (TwoPow52Bits >> 32);
        asm.Unpcklps(a, asm.Const128(high, high));
        asm.Subpd(a, asm.Const128(TwoPow52Bits, TwoPow52Bits));
    }
}

using Kiln.Jit.X64;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// SIMD float lanes (f32x4, f64x2): arithmetic, min/max and pmin/pmax, rounding, comparisons, and the conversions
/// between float and integer lanes. Where an SSE instruction already has the Wasm semantics it is used alone
/// (add, sqrt, roundps, cmpps, pmin as minps); where it does not (min/max with NaN and signed zeros, saturating and
/// unsigned conversions) a short branch-free sequence of the kind other Wasm engines emit fixes the difference up,
/// with xmm0 and xmm15 as the temporaries, so no instruction here allocates a register.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    /// <summary>2^52 as a double: adding or subtracting it moves a 32-bit integer in and out of a double's mantissa.</summary>
    private const ulong TwoPow52Bits = 0x4330_0000_0000_0000UL;

    private bool SimdFloat(in Instruction ins)
    {
        switch (ins.Opcode)
        {
            case Opcode.F32x4Add: SimdBinary(static (asm, a, b) => asm.Addps(a, b)); return true;
            case Opcode.F32x4Sub: SimdBinary(static (asm, a, b) => asm.Subps(a, b)); return true;
            case Opcode.F32x4Mul: SimdBinary(static (asm, a, b) => asm.Mulps(a, b)); return true;
            case Opcode.F32x4Div: SimdBinary(static (asm, a, b) => asm.Divps(a, b)); return true;
            case Opcode.F64x2Add: SimdBinary(static (asm, a, b) => asm.Addpd(a, b)); return true;
            case Opcode.F64x2Sub: SimdBinary(static (asm, a, b) => asm.Subpd(a, b)); return true;
            case Opcode.F64x2Mul: SimdBinary(static (asm, a, b) => asm.Mulpd(a, b)); return true;
            case Opcode.F64x2Div: SimdBinary(static (asm, a, b) => asm.Divpd(a, b)); return true;

            case Opcode.F32x4Sqrt: SimdUnary(static (asm, a) => asm.Sqrtps(a, a)); return true;
            case Opcode.F64x2Sqrt: SimdUnary(static (asm, a) => asm.Sqrtpd(a, a)); return true;
            case Opcode.F32x4Ceil: SimdUnary(static (asm, a) => asm.Roundps(a, a, RoundingMode.Up)); return true;
            case Opcode.F32x4Floor: SimdUnary(static (asm, a) => asm.Roundps(a, a, RoundingMode.Down)); return true;
            case Opcode.F32x4Trunc: SimdUnary(static (asm, a) => asm.Roundps(a, a, RoundingMode.Truncate)); return true;
            case Opcode.F32x4Nearest: SimdUnary(static (asm, a) => asm.Roundps(a, a, RoundingMode.Nearest)); return true;
            case Opcode.F64x2Ceil: SimdUnary(static (asm, a) => asm.Roundpd(a, a, RoundingMode.Up)); return true;
            case Opcode.F64x2Floor: SimdUnary(static (asm, a) => asm.Roundpd(a, a, RoundingMode.Down)); return true;
            case Opcode.F64x2Trunc: SimdUnary(static (asm, a) => asm.Roundpd(a, a, RoundingMode.Truncate)); return true;
            case Opcode.F64x2Nearest: SimdUnary(static (asm, a) => asm.Roundpd(a, a, RoundingMode.Nearest)); return true;

            // abs and neg touch only the sign bit (Spec 4.3.3: fabs/fneg are not arithmetic, a NaN keeps its payload).
            // The mask is built in xmm0 rather than loaded, from all ones shifted.
            case Opcode.F32x4Abs:
                SimdUnary(static (asm, a) =>
                {
                    asm.Pcmpeqd(Xmm.Xmm0, Xmm.Xmm0);
                    asm.Psrld(Xmm.Xmm0, 1);
                    asm.Andps(a, Xmm.Xmm0);
                });
                return true;
            case Opcode.F64x2Abs:
                SimdUnary(static (asm, a) =>
                {
                    asm.Pcmpeqd(Xmm.Xmm0, Xmm.Xmm0);
                    asm.Psrlq(Xmm.Xmm0, 1);
                    asm.Andpd(a, Xmm.Xmm0);
                });
                return true;
            case Opcode.F32x4Neg:
                SimdUnary(static (asm, a) =>
                {
                    asm.Pcmpeqd(Xmm.Xmm0, Xmm.Xmm0);
                    asm.Pslld(Xmm.Xmm0, 31);
                    asm.Xorps(a, Xmm.Xmm0);
                });
                return true;
            case Opcode.F64x2Neg:
                SimdUnary(static (asm, a) =>
                {
                    asm.Pcmpeqd(Xmm.Xmm0, Xmm.Xmm0);
                    asm.Psllq(Xmm.Xmm0, 63);
                    asm.Xorpd(a, Xmm.Xmm0);
                });
                return true;

            case Opcode.F32x4Min: FloatMin(isF64: false); return true;
            case Opcode.F64x2Min: FloatMin(isF64: true); return true;
            case Opcode.F32x4Max: FloatMax(isF64: false); return true;
            case Opcode.F64x2Max: FloatMax(isF64: true); return true;

            // Spec: pmin is b < a ? b : a, pmax is a < b ? b : a. minps/maxps return their second operand when
            // the compare is false (NaN or equal zeros), so with the operands swapped they are exactly these.
            case Opcode.F32x4Pmin: FloatBinarySwapped(static (asm, b, a) => asm.Minps(b, a)); return true;
            case Opcode.F32x4Pmax: FloatBinarySwapped(static (asm, b, a) => asm.Maxps(b, a)); return true;
            case Opcode.F64x2Pmin: FloatBinarySwapped(static (asm, b, a) => asm.Minpd(b, a)); return true;
            case Opcode.F64x2Pmax: FloatBinarySwapped(static (asm, b, a) => asm.Maxpd(b, a)); return true;

            // The legacy cmpps predicates have no gt/ge: a > b is b < a, with the operands swapped.
            case Opcode.F32x4Eq: SimdBinary(static (asm, a, b) => asm.Cmpps(a, b, FloatComparison.Equal)); return true;
            case Opcode.F32x4Ne: SimdBinary(static (asm, a, b) => asm.Cmpps(a, b, FloatComparison.NotEqual)); return true;
            case Opcode.F32x4Lt: SimdBinary(static (asm, a, b) => asm.Cmpps(a, b, FloatComparison.LessThan)); return true;
            case Opcode.F32x4Le: SimdBinary(static (asm, a, b) => asm.Cmpps(a, b, FloatComparison.LessOrEqual)); return true;
            case Opcode.F32x4Gt: FloatBinarySwapped(static (asm, b, a) => asm.Cmpps(b, a, FloatComparison.LessThan)); return true;
            case Opcode.F32x4Ge: FloatBinarySwapped(static (asm, b, a) => asm.Cmpps(b, a, FloatComparison.LessOrEqual)); return true;
            case Opcode.F64x2Eq: SimdBinary(static (asm, a, b) => asm.Cmppd(a, b, FloatComparison.Equal)); return true;
            case Opcode.F64x2Ne: SimdBinary(static (asm, a, b) => asm.Cmppd(a, b, FloatComparison.NotEqual)); return true;
            case Opcode.F64x2Lt: SimdBinary(static (asm, a, b) => asm.Cmppd(a, b, FloatComparison.LessThan)); return true;
            case Opcode.F64x2Le: SimdBinary(static (asm, a, b) => asm.Cmppd(a, b, FloatComparison.LessOrEqual)); return true;
            case Opcode.F64x2Gt: FloatBinarySwapped(static (asm, b, a) => asm.Cmppd(b, a, FloatComparison.LessThan)); return true;
            case Opcode.F64x2Ge: FloatBinarySwapped(static (asm, b, a) => asm.Cmppd(b, a, FloatComparison.LessOrEqual)); return true;

            case Opcode.F32x4ConvertI32x4S: SimdUnary(static (asm, a) => asm.Cvtdq2ps(a, a)); return true;
            case Opcode.F64x2ConvertLowI32x4S: SimdUnary(static (asm, a) => asm.Cvtdq2pd(a, a)); return true;
            // cvtpd2ps rounds to nearest even and zeroes the upper two lanes, as the _zero form wants.
            case Opcode.F32x4DemoteF64x2Zero: SimdUnary(static (asm, a) => asm.Cvtpd2ps(a, a)); return true;
            case Opcode.F64x2PromoteLowF32x4: SimdUnary(static (asm, a) => asm.Cvtps2pd(a, a)); return true;

            case Opcode.I32x4TruncSatF32x4S: TruncSatF32x4S(); return true;
            case Opcode.I32x4TruncSatF32x4U: TruncSatF32x4U(); return true;
            case Opcode.F32x4ConvertI32x4U: ConvertI32x4U(); return true;
            case Opcode.I32x4TruncSatF64x2SZero: TruncSatF64x2SZero(); return true;
            case Opcode.I32x4TruncSatF64x2UZero: TruncSatF64x2UZero(); return true;
            case Opcode.F64x2ConvertLowI32x4U: ConvertLowI32x4U(); return true;
        }
        return false;
    }

    /// <summary>b = b op a: for the forms whose SSE instruction wants the operands the other way round.</summary>
    private void FloatBinarySwapped(Action<Assembler, Xmm, Xmm> emit)
    {
        Xmm b = PopV128();
        Xmm a = PopV128();
        emit(_asm, b, a);
        FreeXmm(a);
        PushV128(b);
    }

    /// <summary>
    /// Spec 4.3.3 fmin: NaN if either lane is NaN, and -0 below +0. minps returns its second operand when either
    /// is NaN or both are zero, so running it both ways and OR-ing the results carries a NaN (NaN | x is a NaN) and a
    /// -0 (the sign bits OR) through; the NaN lanes are then made canonical (sign, exponent and quiet bit only).
    /// </summary>
    private void FloatMin(bool isF64)
    {
        Xmm b = PopV128();
        Xmm a = PopV128();
        Xmm t = Xmm.Xmm0;
        _asm.Movaps(t, b);
        if (isF64)
        {
            _asm.Minpd(t, a);
            _asm.Minpd(a, b);
            _asm.Orpd(t, a);
            _asm.Cmppd(a, t, FloatComparison.Unordered);
            _asm.Orpd(t, a);
            _asm.Psrlq(a, 13);
            _asm.Andnpd(a, t);
        }
        else
        {
            _asm.Minps(t, a);
            _asm.Minps(a, b);
            _asm.Orps(t, a);
            _asm.Cmpps(a, t, FloatComparison.Unordered);
            _asm.Orps(t, a);
            _asm.Psrld(a, 10);
            _asm.Andnps(a, t);
        }
        FreeXmm(b);
        PushV128(a);
    }

    /// <summary>
    /// Spec 4.3.3 fmax: NaN if either lane is NaN, and +0 above -0. maxps both ways; where the two disagree (a NaN, or
    /// zeros of different signs) their XOR is non-zero: OR-ing it in keeps a NaN a NaN, and subtracting it turns the
    /// (-0 | +0) pair into +0. NaN lanes are then made canonical.
    /// </summary>
    private void FloatMax(bool isF64)
    {
        Xmm b = PopV128();
        Xmm a = PopV128();
        Xmm t = Xmm.Xmm0;
        _asm.Movaps(t, b);
        if (isF64)
        {
            _asm.Maxpd(t, a);
            _asm.Maxpd(a, b);
            _asm.Xorpd(a, t);
            _asm.Orpd(t, a);
            _asm.Subpd(t, a);
            _asm.Cmppd(a, t, FloatComparison.Unordered);
            _asm.Psrlq(a, 13);
            _asm.Andnpd(a, t);
        }
        else
        {
            _asm.Maxps(t, a);
            _asm.Maxps(a, b);
            _asm.Xorps(a, t);
            _asm.Orps(t, a);
            _asm.Subps(t, a);
            _asm.Cmpps(a, t, FloatComparison.Unordered);
            _asm.Psrld(a, 10);
            _asm.Andnps(a, t);
        }
        FreeXmm(b);
        PushV128(a);
    }

    /// <summary>
    /// Spec 4.3.4 trunc_sat_s: NaN gives 0, out of range saturates. cvttps2dq gives 0x80000000 for NaN and for both
    /// overflows; NaN lanes are zeroed first, and a lane that was not negative but came out 0x80000000 is flipped to
    /// 0x7FFFFFFF by XOR-ing the sign of (not input AND result) spread over the lane.
    /// </summary>
    private void TruncSatF32x4S()
    {
        Xmm a = PopV128();
        Xmm t = Xmm.Xmm0;
        _asm.Movaps(t, a);
        _asm.Cmpps(t, t, FloatComparison.Equal);
        _asm.Andps(a, t);
        _asm.Pxor(t, a);
        _asm.Cvttps2dq(a, a);
        _asm.Pand(t, a);
        _asm.Psrad(t, 31);
        _asm.Pxor(a, t);
        PushV128(a);
    }

    /// <summary>
    /// Spec 4.3.4 trunc_sat_u. maxps against zero clears NaN (maxps returns its second operand then) and negative lanes.
    /// cvttps2dq covers [0, 2^31); for [2^31, 2^32) it gives 0x80000000 and the lane minus 2^31 (exact there) is
    /// converted separately and added; a lane at or above 2^32 has that part overflow too, which is forced to
    /// 0x7FFFFFFF so the sum is 0xFFFFFFFF.
    /// </summary>
    private void TruncSatF32x4U()
    {
        Xmm a = PopV128();
        Xmm t = Xmm.Xmm0;
        Xmm high = Xmm.Xmm15;
        _asm.Xorps(t, t);
        _asm.Maxps(a, t);
        _asm.Pcmpeqd(t, t);
        _asm.Psrld(t, 1);
        _asm.Cvtdq2ps(t, t); // 2^31
        _asm.Movaps(high, a);
        _asm.Subps(high, t);
        _asm.Cmpps(t, high, FloatComparison.LessOrEqual); // lanes >= 2^32
        _asm.Cvttps2dq(high, high);
        _asm.Pxor(high, t);
        _asm.Pxor(t, t);
        _asm.Pmaxsd(high, t); // lanes below 2^31 contribute nothing
        _asm.Cvttps2dq(a, a);
        _asm.Paddd(a, high);
        PushV128(a);
    }

    /// <summary>
    /// Spec 4.3.4 convert_u, rounded once. cvtdq2ps is signed, so the lane is split: the low 16 bits convert exactly,
    /// the high 16 bits halved fit a signed lane and convert exactly, doubling is exact, and the one add rounds.
    /// </summary>
    private void ConvertI32x4U()
    {
        Xmm a = PopV128();
        Xmm low = Xmm.Xmm0;
        _asm.Pxor(low, low);
        _asm.Pblendw(low, a, 0x55);
        _asm.Psubd(a, low);
        _asm.Cvtdq2ps(low, low);
        _asm.Psrld(a, 1);
        _asm.Cvtdq2ps(a, a);
        _asm.Addps(a, a);
        _asm.Addps(a, low);
        PushV128(a);
    }

    /// <summary>
    /// Spec 4.3.4 trunc_sat_s on f64 lanes, upper lanes zero. minpd against (non-NaN mask AND 2147483647.0) clamps
    /// the top and turns NaN into 0 (minpd returns its second operand for a NaN); cvttpd2dq already saturates the
    /// bottom to 0x80000000 and zeroes the upper lanes.
    /// </summary>
    private void TruncSatF64x2SZero()
    {
        Xmm a = PopV128();
        Xmm t = Xmm.Xmm0;
        ulong max = (ulong)BitConverter.DoubleToInt64Bits(int.MaxValue);
        _asm.Movaps(t, a);
        _asm.Cmppd(t, t, FloatComparison.Equal);
        _asm.Andpd(t, _asm.Const128(max, max));
        _asm.Minpd(a, t);
        _asm.Cvttpd2dq(a, a);
        PushV128(a);
    }

    /// <summary>
    /// Spec 4.3.4 trunc_sat_u on f64 lanes, upper lanes zero. Clamped to [0, 2^32 - 1] (maxpd against zero clears NaN),
    /// truncated, then adding 2^52 leaves the integer in the low 32 bits of each double, which shufps gathers.
    /// </summary>
    private void TruncSatF64x2UZero()
    {
        Xmm a = PopV128();
        Xmm t = Xmm.Xmm0;
        ulong max = (ulong)BitConverter.DoubleToInt64Bits(uint.MaxValue);
        _asm.Xorpd(t, t);
        _asm.Maxpd(a, t);
        _asm.Minpd(a, _asm.Const128(max, max));
        _asm.Roundpd(a, a, RoundingMode.Truncate);
        _asm.Addpd(a, _asm.Const128(TwoPow52Bits, TwoPow52Bits));
        _asm.Shufps(a, t, 0b10_00_10_00);
        PushV128(a);
    }

    /// <summary>
    /// Spec 4.3.4 convert_u of the two low lanes: each u32 goes under the exponent of 2^52 (unpcklps with the high
    /// word 0x43300000), making the double 2^52 + u exactly; subtracting 2^52 leaves u.
    /// </summary>
    private void ConvertLowI32x4U()
    {
        Xmm a = PopV128();
        ulong high = TwoPow52Bits | (TwoPow52Bits >> 32);
        _asm.Unpcklps(a, _asm.Const128(high, high));
        _asm.Subpd(a, _asm.Const128(TwoPow52Bits, TwoPow52Bits));
        PushV128(a);
    }
}

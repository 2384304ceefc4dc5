using Kiln.Jit.X64;
using Kiln.Wasm.Model;

namespace Kiln.Compiled;

// The three-operand (VEX, AVX) twins of the binary operations that are one legacy instruction: dst = a op b with a and
// b only read, so a caller whose operands live on needs no copy of a first. Each is the same instruction as the legacy
// sequence of TryBinary (the same operand order, so the same NaN payloads), only VEX-encoded. The baseline does not use
// them: its code stays the same bytes on every machine.
internal static partial class SimdSequences
{
    /// <summary>Whether <see cref="BinaryVex"/> has a one-instruction form for <paramref name="op"/>.</summary>
    public static bool HasBinaryVex(Opcode op) => op switch
    {
        Opcode.I8x16Add or Opcode.I16x8Add or Opcode.I32x4Add or Opcode.I64x2Add => true,
        Opcode.I8x16Sub or Opcode.I16x8Sub or Opcode.I32x4Sub or Opcode.I64x2Sub => true,
        >= Opcode.I8x16AddSatS and <= Opcode.I8x16SubSatU => true,
        >= Opcode.I16x8AddSatS and <= Opcode.I16x8SubSatU => true,
        Opcode.I16x8Mul or Opcode.I32x4Mul => true,
        >= Opcode.I8x16MinS and <= Opcode.I8x16MaxU or Opcode.I8x16AvgrU => true,
        >= Opcode.I16x8MinS and <= Opcode.I16x8MaxU or Opcode.I16x8AvgrU => true,
        >= Opcode.I32x4MinS and <= Opcode.I32x4MaxU => true,
        >= Opcode.I8x16NarrowI16x8S and <= Opcode.I8x16NarrowI16x8U => true,
        >= Opcode.I16x8NarrowI32x4S and <= Opcode.I16x8NarrowI32x4U => true,
        Opcode.I32x4DotI16x8S => true,
        Opcode.V128And or Opcode.V128Or or Opcode.V128Xor or Opcode.V128Andnot => true,
        Opcode.I8x16Eq or Opcode.I16x8Eq or Opcode.I32x4Eq or Opcode.I64x2Eq => true,
        Opcode.I8x16GtS or Opcode.I16x8GtS or Opcode.I32x4GtS or Opcode.I8x16LtS or Opcode.I16x8LtS or Opcode.I32x4LtS => true,
        >= Opcode.F32x4Add and <= Opcode.F32x4Div => true,
        >= Opcode.F64x2Add and <= Opcode.F64x2Div => true,
        Opcode.F32x4Pmin or Opcode.F32x4Pmax or Opcode.F64x2Pmin or Opcode.F64x2Pmax => true,
        >= Opcode.F32x4Eq and <= Opcode.F32x4Ge => true,
        >= Opcode.F64x2Eq and <= Opcode.F64x2Ge => true,
        _ => false,
    };

    /// <summary>
    /// dst = a op b in one VEX instruction, for the opcodes of <see cref="HasBinaryVex"/> (needs AVX); a and b are only
    /// read, and dst may be either of them or a third register.
    /// </summary>
    public static void BinaryVex(Assembler asm, Opcode op, Xmm dst, Xmm a, Xmm b)
    {
        switch (op)
        {
            case Opcode.I8x16Add: asm.Vpaddb(dst, a, b); return;
            case Opcode.I16x8Add: asm.Vpaddw(dst, a, b); return;
            case Opcode.I32x4Add: asm.Vpaddd(dst, a, b); return;
            case Opcode.I64x2Add: asm.Vpaddq(dst, a, b); return;
            case Opcode.I8x16Sub: asm.Vpsubb(dst, a, b); return;
            case Opcode.I16x8Sub: asm.Vpsubw(dst, a, b); return;
            case Opcode.I32x4Sub: asm.Vpsubd(dst, a, b); return;
            case Opcode.I64x2Sub: asm.Vpsubq(dst, a, b); return;
            case Opcode.I8x16AddSatS: asm.Vpaddsb(dst, a, b); return;
            case Opcode.I8x16AddSatU: asm.Vpaddusb(dst, a, b); return;
            case Opcode.I8x16SubSatS: asm.Vpsubsb(dst, a, b); return;
            case Opcode.I8x16SubSatU: asm.Vpsubusb(dst, a, b); return;
            case Opcode.I16x8AddSatS: asm.Vpaddsw(dst, a, b); return;
            case Opcode.I16x8AddSatU: asm.Vpaddusw(dst, a, b); return;
            case Opcode.I16x8SubSatS: asm.Vpsubsw(dst, a, b); return;
            case Opcode.I16x8SubSatU: asm.Vpsubusw(dst, a, b); return;
            case Opcode.I16x8Mul: asm.Vpmullw(dst, a, b); return;
            case Opcode.I32x4Mul: asm.Vpmulld(dst, a, b); return;
            case Opcode.I8x16MinS: asm.Vpminsb(dst, a, b); return;
            case Opcode.I8x16MinU: asm.Vpminub(dst, a, b); return;
            case Opcode.I8x16MaxS: asm.Vpmaxsb(dst, a, b); return;
            case Opcode.I8x16MaxU: asm.Vpmaxub(dst, a, b); return;
            case Opcode.I16x8MinS: asm.Vpminsw(dst, a, b); return;
            case Opcode.I16x8MinU: asm.Vpminuw(dst, a, b); return;
            case Opcode.I16x8MaxS: asm.Vpmaxsw(dst, a, b); return;
            case Opcode.I16x8MaxU: asm.Vpmaxuw(dst, a, b); return;
            case Opcode.I32x4MinS: asm.Vpminsd(dst, a, b); return;
            case Opcode.I32x4MinU: asm.Vpminud(dst, a, b); return;
            case Opcode.I32x4MaxS: asm.Vpmaxsd(dst, a, b); return;
            case Opcode.I32x4MaxU: asm.Vpmaxud(dst, a, b); return;
            case Opcode.I8x16AvgrU: asm.Vpavgb(dst, a, b); return;
            case Opcode.I16x8AvgrU: asm.Vpavgw(dst, a, b); return;
            case Opcode.I8x16NarrowI16x8S: asm.Vpacksswb(dst, a, b); return;
            case Opcode.I8x16NarrowI16x8U: asm.Vpackuswb(dst, a, b); return;
            case Opcode.I16x8NarrowI32x4S: asm.Vpackssdw(dst, a, b); return;
            case Opcode.I16x8NarrowI32x4U: asm.Vpackusdw(dst, a, b); return;
            case Opcode.I32x4DotI16x8S: asm.Vpmaddwd(dst, a, b); return;
            case Opcode.V128And: asm.Vpand(dst, a, b); return;
            case Opcode.V128Or: asm.Vpor(dst, a, b); return;
            case Opcode.V128Xor: asm.Vpxor(dst, a, b); return;
            // a & ~b: vpandn complements its first source.
            case Opcode.V128Andnot: asm.Vpandn(dst, b, a); return;
            case Opcode.I8x16Eq: asm.Vpcmpeqb(dst, a, b); return;
            case Opcode.I16x8Eq: asm.Vpcmpeqw(dst, a, b); return;
            case Opcode.I32x4Eq: asm.Vpcmpeqd(dst, a, b); return;
            case Opcode.I64x2Eq: asm.Vpcmpeqq(dst, a, b); return;
            case Opcode.I8x16GtS: asm.Vpcmpgtb(dst, a, b); return;
            case Opcode.I16x8GtS: asm.Vpcmpgtw(dst, a, b); return;
            case Opcode.I32x4GtS: asm.Vpcmpgtd(dst, a, b); return;
            case Opcode.I8x16LtS: asm.Vpcmpgtb(dst, b, a); return;
            case Opcode.I16x8LtS: asm.Vpcmpgtw(dst, b, a); return;
            case Opcode.I32x4LtS: asm.Vpcmpgtd(dst, b, a); return;
            case Opcode.F32x4Add: asm.Vaddps(dst, a, b); return;
            case Opcode.F32x4Sub: asm.Vsubps(dst, a, b); return;
            case Opcode.F32x4Mul: asm.Vmulps(dst, a, b); return;
            case Opcode.F32x4Div: asm.Vdivps(dst, a, b); return;
            case Opcode.F64x2Add: asm.Vaddpd(dst, a, b); return;
            case Opcode.F64x2Sub: asm.Vsubpd(dst, a, b); return;
            case Opcode.F64x2Mul: asm.Vmulpd(dst, a, b); return;
            case Opcode.F64x2Div: asm.Vdivpd(dst, a, b); return;
            // As TryBinaryFloat: pmin/pmax with the operands swapped, gt/ge as lt/le of b and a.
            case Opcode.F32x4Pmin: asm.Vminps(dst, b, a); return;
            case Opcode.F32x4Pmax: asm.Vmaxps(dst, b, a); return;
            case Opcode.F64x2Pmin: asm.Vminpd(dst, b, a); return;
            case Opcode.F64x2Pmax: asm.Vmaxpd(dst, b, a); return;
            case Opcode.F32x4Eq: asm.Vcmpps(dst, a, b, FloatComparison.Equal); return;
            case Opcode.F32x4Ne: asm.Vcmpps(dst, a, b, FloatComparison.NotEqual); return;
            case Opcode.F32x4Lt: asm.Vcmpps(dst, a, b, FloatComparison.LessThan); return;
            case Opcode.F32x4Le: asm.Vcmpps(dst, a, b, FloatComparison.LessOrEqual); return;
            case Opcode.F32x4Gt: asm.Vcmpps(dst, b, a, FloatComparison.LessThan); return;
            case Opcode.F32x4Ge: asm.Vcmpps(dst, b, a, FloatComparison.LessOrEqual); return;
            case Opcode.F64x2Eq: asm.Vcmppd(dst, a, b, FloatComparison.Equal); return;
            case Opcode.F64x2Ne: asm.Vcmppd(dst, a, b, FloatComparison.NotEqual); return;
            case Opcode.F64x2Lt: asm.Vcmppd(dst, a, b, FloatComparison.LessThan); return;
            case Opcode.F64x2Le: asm.Vcmppd(dst, a, b, FloatComparison.LessOrEqual); return;
            case Opcode.F64x2Gt: asm.Vcmppd(dst, b, a, FloatComparison.LessThan); return;
            case Opcode.F64x2Ge: asm.Vcmppd(dst, b, a, FloatComparison.LessOrEqual); return;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "no one-instruction VEX form");
        }
    }

    /// <summary>
    /// Whether <see cref="UnaryInto"/> computes <paramref name="op"/> from its operand in place (read only) into another
    /// register: the one-instruction unary operations whose legacy form already has a separate source (rounding, sqrt,
    /// the plain conversions), and with AVX abs, neg and i32x4.trunc_sat_f32x4_s.
    /// </summary>
    public static bool HasUnaryInto(Opcode op, bool vex) => op switch
    {
        >= Opcode.F32x4Ceil and <= Opcode.F32x4Nearest => true,
        Opcode.F64x2Ceil or Opcode.F64x2Floor or Opcode.F64x2Trunc or Opcode.F64x2Nearest => true,
        Opcode.F32x4Sqrt or Opcode.F64x2Sqrt => true,
        Opcode.F32x4ConvertI32x4S or Opcode.F64x2ConvertLowI32x4S or Opcode.F32x4DemoteF64x2Zero or Opcode.F64x2PromoteLowF32x4 => true,
        Opcode.F32x4Abs or Opcode.F64x2Abs or Opcode.F32x4Neg or Opcode.F64x2Neg or Opcode.I32x4TruncSatF32x4S => vex,
        _ => false,
    };

    /// <summary>
    /// dst = op(src) for the opcodes of <see cref="HasUnaryInto"/>: the same instructions as <see cref="TryUnary"/>'s
    /// sequence, with src only read (dst may be src); <paramref name="t0"/> is clobbered and must be neither.
    /// </summary>
    public static void UnaryInto(Assembler asm, Opcode op, Xmm dst, Xmm src, Xmm t0)
    {
        switch (op)
        {
            case Opcode.F32x4Ceil: asm.Roundps(dst, src, RoundingMode.Up); return;
            case Opcode.F32x4Floor: asm.Roundps(dst, src, RoundingMode.Down); return;
            case Opcode.F32x4Trunc: asm.Roundps(dst, src, RoundingMode.Truncate); return;
            case Opcode.F32x4Nearest: asm.Roundps(dst, src, RoundingMode.Nearest); return;
            case Opcode.F64x2Ceil: asm.Roundpd(dst, src, RoundingMode.Up); return;
            case Opcode.F64x2Floor: asm.Roundpd(dst, src, RoundingMode.Down); return;
            case Opcode.F64x2Trunc: asm.Roundpd(dst, src, RoundingMode.Truncate); return;
            case Opcode.F64x2Nearest: asm.Roundpd(dst, src, RoundingMode.Nearest); return;
            case Opcode.F32x4Sqrt: asm.Sqrtps(dst, src); return;
            case Opcode.F64x2Sqrt: asm.Sqrtpd(dst, src); return;
            case Opcode.F32x4ConvertI32x4S: asm.Cvtdq2ps(dst, src); return;
            case Opcode.F64x2ConvertLowI32x4S: asm.Cvtdq2pd(dst, src); return;
            case Opcode.F32x4DemoteF64x2Zero: asm.Cvtpd2ps(dst, src); return;
            case Opcode.F64x2PromoteLowF32x4: asm.Cvtps2pd(dst, src); return;
            case Opcode.F32x4Abs:
                asm.Pcmpeqd(t0, t0);
                asm.Psrld(t0, 1);
                asm.Vandps(dst, src, t0);
                return;
            case Opcode.F64x2Abs:
                asm.Pcmpeqd(t0, t0);
                asm.Psrlq(t0, 1);
                asm.Vandpd(dst, src, t0);
                return;
            case Opcode.F32x4Neg:
                asm.Pcmpeqd(t0, t0);
                asm.Pslld(t0, 31);
                asm.Vxorps(dst, src, t0);
                return;
            case Opcode.F64x2Neg:
                asm.Pcmpeqd(t0, t0);
                asm.Psllq(t0, 63);
                asm.Vxorpd(dst, src, t0);
                return;
            case Opcode.I32x4TruncSatF32x4S:
                // As TruncSatF32x4S, with the copy of src into t0 folded into the compare.
                asm.Vcmpps(t0, src, src, FloatComparison.Equal);
                asm.Vandps(dst, src, t0);
                asm.Pxor(t0, dst);
                asm.Cvttps2dq(dst, dst);
                asm.Pand(t0, dst);
                asm.Psrad(t0, 31);
                asm.Pxor(dst, t0);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "no in-place-free unary form");
        }
    }
}

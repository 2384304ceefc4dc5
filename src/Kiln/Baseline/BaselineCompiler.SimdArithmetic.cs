using Kiln.Jit.X64;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// SIMD integer arithmetic: add/sub (wrapping and saturating), mul, neg, abs, min/max, avgr_u, the shifts, the narrows,
/// extend, extmul, extadd_pairwise, dot and q15mulr_sat_s. Most map to one SSE2..SSE4.1 instruction; where x86 has no
/// form (i64x2 mul/abs/shr_s, the byte shifts, the high-half extends) a short branch-free sequence builds it from word
/// and dword pieces, using only the scratch registers xmm0 and xmm15 as temporaries. Lane semantics follow Spec 4.4.3
/// (vector instructions) with the integer operators of Spec 4.3.2 (isat, iavgr_u, iq15mulr_sat_s); shift counts are
/// taken modulo the lane width.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    private bool SimdArithmetic(in Instruction ins)
    {
        switch (ins.Opcode)
        {
            case Opcode.I8x16Add: SimdBinary(static (m, a, b) => m.Paddb(a, b)); return true;
            case Opcode.I16x8Add: SimdBinary(static (m, a, b) => m.Paddw(a, b)); return true;
            case Opcode.I32x4Add: SimdBinary(static (m, a, b) => m.Paddd(a, b)); return true;
            case Opcode.I64x2Add: SimdBinary(static (m, a, b) => m.Paddq(a, b)); return true;
            case Opcode.I8x16Sub: SimdBinary(static (m, a, b) => m.Psubb(a, b)); return true;
            case Opcode.I16x8Sub: SimdBinary(static (m, a, b) => m.Psubw(a, b)); return true;
            case Opcode.I32x4Sub: SimdBinary(static (m, a, b) => m.Psubd(a, b)); return true;
            case Opcode.I64x2Sub: SimdBinary(static (m, a, b) => m.Psubq(a, b)); return true;
            case Opcode.I8x16AddSatS: SimdBinary(static (m, a, b) => m.Paddsb(a, b)); return true;
            case Opcode.I8x16AddSatU: SimdBinary(static (m, a, b) => m.Paddusb(a, b)); return true;
            case Opcode.I8x16SubSatS: SimdBinary(static (m, a, b) => m.Psubsb(a, b)); return true;
            case Opcode.I8x16SubSatU: SimdBinary(static (m, a, b) => m.Psubusb(a, b)); return true;
            case Opcode.I16x8AddSatS: SimdBinary(static (m, a, b) => m.Paddsw(a, b)); return true;
            case Opcode.I16x8AddSatU: SimdBinary(static (m, a, b) => m.Paddusw(a, b)); return true;
            case Opcode.I16x8SubSatS: SimdBinary(static (m, a, b) => m.Psubsw(a, b)); return true;
            case Opcode.I16x8SubSatU: SimdBinary(static (m, a, b) => m.Psubusw(a, b)); return true;
            case Opcode.I16x8Mul: SimdBinary(static (m, a, b) => m.Pmullw(a, b)); return true;
            case Opcode.I32x4Mul: SimdBinary(static (m, a, b) => m.Pmulld(a, b)); return true;
            case Opcode.I64x2Mul: SimdBinary(static (m, a, b) => I64x2Mul(m, a, b)); return true;

            case Opcode.I8x16MinS: SimdBinary(static (m, a, b) => m.Pminsb(a, b)); return true;
            case Opcode.I8x16MinU: SimdBinary(static (m, a, b) => m.Pminub(a, b)); return true;
            case Opcode.I8x16MaxS: SimdBinary(static (m, a, b) => m.Pmaxsb(a, b)); return true;
            case Opcode.I8x16MaxU: SimdBinary(static (m, a, b) => m.Pmaxub(a, b)); return true;
            case Opcode.I16x8MinS: SimdBinary(static (m, a, b) => m.Pminsw(a, b)); return true;
            case Opcode.I16x8MinU: SimdBinary(static (m, a, b) => m.Pminuw(a, b)); return true;
            case Opcode.I16x8MaxS: SimdBinary(static (m, a, b) => m.Pmaxsw(a, b)); return true;
            case Opcode.I16x8MaxU: SimdBinary(static (m, a, b) => m.Pmaxuw(a, b)); return true;
            case Opcode.I32x4MinS: SimdBinary(static (m, a, b) => m.Pminsd(a, b)); return true;
            case Opcode.I32x4MinU: SimdBinary(static (m, a, b) => m.Pminud(a, b)); return true;
            case Opcode.I32x4MaxS: SimdBinary(static (m, a, b) => m.Pmaxsd(a, b)); return true;
            case Opcode.I32x4MaxU: SimdBinary(static (m, a, b) => m.Pmaxud(a, b)); return true;
            case Opcode.I8x16AvgrU: SimdBinary(static (m, a, b) => m.Pavgb(a, b)); return true;
            case Opcode.I16x8AvgrU: SimdBinary(static (m, a, b) => m.Pavgw(a, b)); return true;

            // The packs take a's lanes into the low half and b's into the high half, saturating as Spec's narrow does.
            case Opcode.I8x16NarrowI16x8S: SimdBinary(static (m, a, b) => m.Packsswb(a, b)); return true;
            case Opcode.I8x16NarrowI16x8U: SimdBinary(static (m, a, b) => m.Packuswb(a, b)); return true;
            case Opcode.I16x8NarrowI32x4S: SimdBinary(static (m, a, b) => m.Packssdw(a, b)); return true;
            case Opcode.I16x8NarrowI32x4U: SimdBinary(static (m, a, b) => m.Packusdw(a, b)); return true;

            case Opcode.I32x4DotI16x8S: SimdBinary(static (m, a, b) => m.Pmaddwd(a, b)); return true;
            case Opcode.I16x8Q15mulrSatS:
                SimdBinary(static (m, a, b) =>
                {
                    // pmulhrsw wraps the one overflowing product, 0x8000 * 0x8000, to 0x8000 (no other lane can give
                    // 0x8000); the spec saturates it to 0x7fff, which flipping every bit of exactly those lanes gives.
                    m.Pmulhrsw(a, b);
                    m.Movdqa(Xmm.Xmm0, m.Const128(0x8000_8000_8000_8000UL, 0x8000_8000_8000_8000UL));
                    m.Pcmpeqw(Xmm.Xmm0, a);
                    m.Pxor(a, Xmm.Xmm0);
                });
                return true;

            case Opcode.I8x16Neg: SimdNegate(static (m, a, b) => m.Psubb(a, b)); return true;
            case Opcode.I16x8Neg: SimdNegate(static (m, a, b) => m.Psubw(a, b)); return true;
            case Opcode.I32x4Neg: SimdNegate(static (m, a, b) => m.Psubd(a, b)); return true;
            case Opcode.I64x2Neg: SimdNegate(static (m, a, b) => m.Psubq(a, b)); return true;
            case Opcode.I8x16Abs: SimdUnary(static (m, x) => m.Pabsb(x, x)); return true;
            case Opcode.I16x8Abs: SimdUnary(static (m, x) => m.Pabsw(x, x)); return true;
            case Opcode.I32x4Abs: SimdUnary(static (m, x) => m.Pabsd(x, x)); return true;
            case Opcode.I64x2Abs:
                SimdUnary(static (m, x) =>
                {
                    // No pabsq before AVX-512: the sign of each quadword, spread over it, gives (x ^ s) - s.
                    m.Pshufd(Xmm.Xmm0, x, 0xF5);
                    m.Psrad(Xmm.Xmm0, 31);
                    m.Pxor(x, Xmm.Xmm0);
                    m.Psubq(x, Xmm.Xmm0);
                });
                return true;

            // The high halves move down first (pshufd 0xEE copies dwords 2,3 to 0,1), then extend as the low ones.
            case Opcode.I16x8ExtendLowI8x16S: SimdUnary(static (m, x) => m.Pmovsxbw(x, x)); return true;
            case Opcode.I16x8ExtendLowI8x16U: SimdUnary(static (m, x) => m.Pmovzxbw(x, x)); return true;
            case Opcode.I32x4ExtendLowI16x8S: SimdUnary(static (m, x) => m.Pmovsxwd(x, x)); return true;
            case Opcode.I32x4ExtendLowI16x8U: SimdUnary(static (m, x) => m.Pmovzxwd(x, x)); return true;
            case Opcode.I64x2ExtendLowI32x4S: SimdUnary(static (m, x) => m.Pmovsxdq(x, x)); return true;
            case Opcode.I64x2ExtendLowI32x4U: SimdUnary(static (m, x) => m.Pmovzxdq(x, x)); return true;
            case Opcode.I16x8ExtendHighI8x16S: SimdUnary(static (m, x) => { HighHalf(m, x); m.Pmovsxbw(x, x); }); return true;
            case Opcode.I16x8ExtendHighI8x16U: SimdUnary(static (m, x) => { HighHalf(m, x); m.Pmovzxbw(x, x); }); return true;
            case Opcode.I32x4ExtendHighI16x8S: SimdUnary(static (m, x) => { HighHalf(m, x); m.Pmovsxwd(x, x); }); return true;
            case Opcode.I32x4ExtendHighI16x8U: SimdUnary(static (m, x) => { HighHalf(m, x); m.Pmovzxwd(x, x); }); return true;
            case Opcode.I64x2ExtendHighI32x4S: SimdUnary(static (m, x) => { HighHalf(m, x); m.Pmovsxdq(x, x); }); return true;
            case Opcode.I64x2ExtendHighI32x4U: SimdUnary(static (m, x) => { HighHalf(m, x); m.Pmovzxdq(x, x); }); return true;

            case Opcode.I16x8ExtmulLowI8x16S: SimdBinary(static (m, a, b) => ExtmulBytes(m, a, b, high: false, signed: true)); return true;
            case Opcode.I16x8ExtmulHighI8x16S: SimdBinary(static (m, a, b) => ExtmulBytes(m, a, b, high: true, signed: true)); return true;
            case Opcode.I16x8ExtmulLowI8x16U: SimdBinary(static (m, a, b) => ExtmulBytes(m, a, b, high: false, signed: false)); return true;
            case Opcode.I16x8ExtmulHighI8x16U: SimdBinary(static (m, a, b) => ExtmulBytes(m, a, b, high: true, signed: false)); return true;
            case Opcode.I32x4ExtmulLowI16x8S: SimdBinary(static (m, a, b) => ExtmulWords(m, a, b, high: false, signed: true)); return true;
            case Opcode.I32x4ExtmulHighI16x8S: SimdBinary(static (m, a, b) => ExtmulWords(m, a, b, high: true, signed: true)); return true;
            case Opcode.I32x4ExtmulLowI16x8U: SimdBinary(static (m, a, b) => ExtmulWords(m, a, b, high: false, signed: false)); return true;
            case Opcode.I32x4ExtmulHighI16x8U: SimdBinary(static (m, a, b) => ExtmulWords(m, a, b, high: true, signed: false)); return true;
            case Opcode.I64x2ExtmulLowI32x4S: SimdBinary(static (m, a, b) => ExtmulDwords(m, a, b, high: false, signed: true)); return true;
            case Opcode.I64x2ExtmulHighI32x4S: SimdBinary(static (m, a, b) => ExtmulDwords(m, a, b, high: true, signed: true)); return true;
            case Opcode.I64x2ExtmulLowI32x4U: SimdBinary(static (m, a, b) => ExtmulDwords(m, a, b, high: false, signed: false)); return true;
            case Opcode.I64x2ExtmulHighI32x4U: SimdBinary(static (m, a, b) => ExtmulDwords(m, a, b, high: true, signed: false)); return true;

            case Opcode.I16x8ExtaddPairwiseI8x16S:
                SimdUnary(static (m, x) =>
                {
                    // pmaddubsw multiplies unsigned bytes of its destination by signed bytes of its source: ones times
                    // x sums the signed pairs; the sums (-256..254) never reach its saturation.
                    m.Movdqa(Xmm.Xmm0, OnesBytes(m));
                    m.Pmaddubsw(Xmm.Xmm0, x);
                    m.Movdqa(x, Xmm.Xmm0);
                });
                return true;
            case Opcode.I16x8ExtaddPairwiseI8x16U:
                // x unsigned times signed ones: sums 0..510, no saturation.
                SimdUnary(static (m, x) => m.Pmaddubsw(x, OnesBytes(m)));
                return true;
            case Opcode.I32x4ExtaddPairwiseI16x8S:
                SimdUnary(static (m, x) => m.Pmaddwd(x, m.Const128(0x0001_0001_0001_0001UL, 0x0001_0001_0001_0001UL)));
                return true;
            case Opcode.I32x4ExtaddPairwiseI16x8U:
                SimdUnary(static (m, x) =>
                {
                    // pmaddwd is signed only: bias each word by -0x8000 (flip its top bit), sum the pairs signed, and
                    // add the two biases (0x10000) back to each dword.
                    m.Pxor(x, m.Const128(0x8000_8000_8000_8000UL, 0x8000_8000_8000_8000UL));
                    m.Pmaddwd(x, m.Const128(0x0001_0001_0001_0001UL, 0x0001_0001_0001_0001UL));
                    m.Paddd(x, m.Const128(0x0001_0000_0001_0000UL, 0x0001_0000_0001_0000UL));
                });
                return true;

            case Opcode.I8x16Shl:
            case Opcode.I8x16ShrS:
            case Opcode.I8x16ShrU:
                ShiftBytes(ins.Opcode);
                return true;
            case Opcode.I16x8Shl:
            case Opcode.I16x8ShrS:
            case Opcode.I16x8ShrU:
            case Opcode.I32x4Shl:
            case Opcode.I32x4ShrS:
            case Opcode.I32x4ShrU:
            case Opcode.I64x2Shl:
            case Opcode.I64x2ShrU:
                ShiftLanes(ins.Opcode);
                return true;
            case Opcode.I64x2ShrS:
                ShiftQuadsArithmetic();
                return true;
        }
        return false;
    }

    /// <summary>neg as 0 - x, computed in the scratch register (x86 has no packed negate).</summary>
    private void SimdNegate(Action<Assembler, Xmm, Xmm> subtract)
    {
        Xmm x = PopV128();
        _asm.Pxor(Xmm.Xmm0, Xmm.Xmm0);
        subtract(_asm, Xmm.Xmm0, x);
        _asm.Movdqa(x, Xmm.Xmm0);
        PushV128(x);
    }

    private static Mem OnesBytes(Assembler m) => m.Const128(0x0101_0101_0101_0101UL, 0x0101_0101_0101_0101UL);

    /// <summary>The high 64 bits of x into its low 64 bits (for the extends, which read the low half).</summary>
    private static void HighHalf(Assembler m, Xmm x) => m.Pshufd(x, x, 0xEE);

    /// <summary>
    /// i64x2.mul without pmullq: with a = ah:al and b = bh:bl (32-bit halves), a * b mod 2^64 =
    /// al*bl + ((ah*bl + al*bh) &lt;&lt; 32), three pmuludq.
    /// </summary>
    private static void I64x2Mul(Assembler m, Xmm a, Xmm b)
    {
        m.Movdqa(Xmm.Xmm0, a);
        m.Psrlq(Xmm.Xmm0, 32);
        m.Pmuludq(Xmm.Xmm0, b);
        m.Movdqa(Xmm.Xmm15, b);
        m.Psrlq(Xmm.Xmm15, 32);
        m.Pmuludq(Xmm.Xmm15, a);
        m.Paddq(Xmm.Xmm0, Xmm.Xmm15);
        m.Psllq(Xmm.Xmm0, 32);
        m.Pmuludq(a, b);
        m.Paddq(a, Xmm.Xmm0);
    }

    /// <summary>i16x8.extmul_*_i8x16: both halves widened to words, then one pmullw (the products fit in 16 bits).</summary>
    private static void ExtmulBytes(Assembler m, Xmm a, Xmm b, bool high, bool signed)
    {
        if (high)
        {
            HighHalf(m, a);
            HighHalf(m, b);
        }
        if (signed)
        {
            m.Pmovsxbw(a, a);
            m.Pmovsxbw(b, b);
        }
        else
        {
            m.Pmovzxbw(a, a);
            m.Pmovzxbw(b, b);
        }
        m.Pmullw(a, b);
    }

    /// <summary>i32x4.extmul_*_i16x8: the low and high 16 bits of each word product, interleaved into dwords.</summary>
    private static void ExtmulWords(Assembler m, Xmm a, Xmm b, bool high, bool signed)
    {
        m.Movdqa(Xmm.Xmm0, a);
        m.Pmullw(Xmm.Xmm0, b);
        if (signed)
        {
            m.Pmulhw(a, b);
        }
        else
        {
            m.Pmulhuw(a, b);
        }
        if (high)
        {
            m.Punpckhwd(Xmm.Xmm0, a);
        }
        else
        {
            m.Punpcklwd(Xmm.Xmm0, a);
        }
        m.Movdqa(a, Xmm.Xmm0);
    }

    /// <summary>i64x2.extmul_*_i32x4: the two dwords moved to lanes 0 and 2, where pmuldq/pmuludq read them.</summary>
    private static void ExtmulDwords(Assembler m, Xmm a, Xmm b, bool high, bool signed)
    {
        byte order = high ? (byte)0xFA : (byte)0x50;
        m.Pshufd(a, a, order);
        m.Pshufd(b, b, order);
        if (signed)
        {
            m.Pmuldq(a, b);
        }
        else
        {
            m.Pmuludq(a, b);
        }
    }

    /// <summary>
    /// Pops a shift count (Spec: taken modulo the lane width). A constant gives its reduced value and no register;
    /// otherwise the reduced count, plus <paramref name="bias"/>, is put in the low quadword of xmm15.
    /// </summary>
    private bool PopShiftCount(int laneBits, int bias, out int count)
    {
        ref Val top = ref _stack[_height - 1];
        if (top.Loc == Loc.Const)
        {
            count = (int)(top.Bits & (uint)(laneBits - 1));
            Pop();
            return true;
        }
        count = 0;
        Gpr r = PopGpr();
        _asm.And(OperandSize.S32, r, laneBits - 1);
        if (bias != 0)
        {
            _asm.Add(OperandSize.S32, r, bias);
        }
        _asm.Movd(Xmm.Xmm15, r);
        FreeGpr(r);
        return false;
    }

    /// <summary>The word, dword and quadword shifts x86 has, by immediate or by xmm15.</summary>
    private void ShiftLanes(Opcode op)
    {
        int laneBits = op switch
        {
            Opcode.I16x8Shl or Opcode.I16x8ShrS or Opcode.I16x8ShrU => 16,
            Opcode.I32x4Shl or Opcode.I32x4ShrS or Opcode.I32x4ShrU => 32,
            _ => 64,
        };
        bool constant = PopShiftCount(laneBits, 0, out int count);
        Xmm x = PopV128();
        if (constant && count == 0)
        {
            PushV128(x);
            return;
        }
        Xmm c = Xmm.Xmm15;
        byte n = (byte)count;
        switch (op)
        {
            case Opcode.I16x8Shl: if (constant) { _asm.Psllw(x, n); } else { _asm.Psllw(x, c); } break;
            case Opcode.I16x8ShrS: if (constant) { _asm.Psraw(x, n); } else { _asm.Psraw(x, c); } break;
            case Opcode.I16x8ShrU: if (constant) { _asm.Psrlw(x, n); } else { _asm.Psrlw(x, c); } break;
            case Opcode.I32x4Shl: if (constant) { _asm.Pslld(x, n); } else { _asm.Pslld(x, c); } break;
            case Opcode.I32x4ShrS: if (constant) { _asm.Psrad(x, n); } else { _asm.Psrad(x, c); } break;
            case Opcode.I32x4ShrU: if (constant) { _asm.Psrld(x, n); } else { _asm.Psrld(x, c); } break;
            case Opcode.I64x2Shl: if (constant) { _asm.Psllq(x, n); } else { _asm.Psllq(x, c); } break;
            default: if (constant) { _asm.Psrlq(x, n); } else { _asm.Psrlq(x, c); } break;
        }
        PushV128(x);
    }

    /// <summary>
    /// i64x2.shr_s without psraq: a logical shift, then the sign bit (now at bit 63 - n) extended with
    /// (v ^ m) - m, where m = 0x8000000000000000 >> n.
    /// </summary>
    private void ShiftQuadsArithmetic()
    {
        bool constant = PopShiftCount(64, 0, out int count);
        Xmm x = PopV128();
        if (constant)
        {
            if (count != 0)
            {
                ulong m = 0x8000_0000_0000_0000UL >> count;
                Mem mask = _asm.Const128(m, m);
                _asm.Psrlq(x, (byte)count);
                _asm.Pxor(x, mask);
                _asm.Psubq(x, mask);
            }
        }
        else
        {
            _asm.Movdqa(Xmm.Xmm0, _asm.Const128(0x8000_0000_0000_0000UL, 0x8000_0000_0000_0000UL));
            _asm.Psrlq(Xmm.Xmm0, Xmm.Xmm15);
            _asm.Psrlq(x, Xmm.Xmm15);
            _asm.Pxor(x, Xmm.Xmm0);
            _asm.Psubq(x, Xmm.Xmm0);
        }
        PushV128(x);
    }

    /// <summary>
    /// The byte shifts, which x86 lacks. shl and shr_u shift words and clear the bits that crossed into the neighbouring
    /// byte with a byte mask (a constant, or 0xff >> n built in xmm0 for a variable count). shr_s puts each byte in the
    /// high half of a word (punpck with itself), shifts arithmetically by n + 8, and packs back with signed saturation,
    /// which never saturates as every result fits in a byte.
    /// </summary>
    private void ShiftBytes(Opcode op)
    {
        bool constant = PopShiftCount(8, op == Opcode.I8x16ShrS ? 8 : 0, out int count);
        Xmm x = PopV128();
        if (constant && count == 0)
        {
            PushV128(x);
            return;
        }
        byte n = (byte)count;
        Xmm c = Xmm.Xmm15;
        switch (op)
        {
            case Opcode.I8x16Shl when constant:
                _asm.Psllw(x, n);
                _asm.Pand(x, BytesConstant((byte)(0xFF << count)));
                break;
            case Opcode.I8x16ShrU when constant:
                _asm.Psrlw(x, n);
                _asm.Pand(x, BytesConstant((byte)(0xFF >> count)));
                break;
            case Opcode.I8x16Shl:
            case Opcode.I8x16ShrU:
                // xmm0 = 0xff >> n in every byte: 0x00ff words shifted by n, packed to bytes (no value exceeds 0xff).
                _asm.Pcmpeqd(Xmm.Xmm0, Xmm.Xmm0);
                _asm.Psrlw(Xmm.Xmm0, 8);
                _asm.Psrlw(Xmm.Xmm0, c);
                _asm.Packuswb(Xmm.Xmm0, Xmm.Xmm0);
                if (op == Opcode.I8x16Shl)
                {
                    // Clearing the bits that would leave each byte first keeps the word shift from crossing bytes.
                    _asm.Pand(x, Xmm.Xmm0);
                    _asm.Psllw(x, c);
                }
                else
                {
                    _asm.Psrlw(x, c);
                    _asm.Pand(x, Xmm.Xmm0);
                }
                break;
            default:
                // The low byte of each word is garbage the shift by n + 8 discards.
                _asm.Movdqa(Xmm.Xmm0, x);
                _asm.Punpckhbw(Xmm.Xmm0, x);
                _asm.Punpcklbw(x, x);
                if (constant)
                {
                    _asm.Psraw(Xmm.Xmm0, (byte)(n + 8));
                    _asm.Psraw(x, (byte)(n + 8));
                }
                else
                {
                    _asm.Psraw(Xmm.Xmm0, c);
                    _asm.Psraw(x, c);
                }
                _asm.Packsswb(x, Xmm.Xmm0);
                break;
        }
        PushV128(x);
    }
}

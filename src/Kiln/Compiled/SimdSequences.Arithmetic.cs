using Kiln.Jit.X64;
using Kiln.Wasm.Model;

namespace Kiln.Compiled;

/// <summary>
/// SIMD integer arithmetic: add/sub (wrapping and saturating), mul, neg, abs, min/max, avgr_u, the shifts, the narrows,
/// extend, extmul, extadd_pairwise, dot and q15mulr_sat_s. Most map to one SSE2..SSE4.1 instruction; where x86 has no
/// form (i64x2 mul/abs/shr_s, the byte shifts, the high-half extends) a short branch-free sequence builds it from word
/// and dword pieces, using only the scratch registers t0 and t1 as temporaries. Lane semantics follow Spec 4.4.3
/// (vector instructions) with the integer operators of Spec 4.3.2 (isat, iavgr_u, iq15mulr_sat_s); shift counts are
/// taken modulo the lane width.
/// </summary>
internal static partial class SimdSequences
{
    /// <summary>The integer v128 → v128 operations of this file, in place; false for other opcodes.</summary>
    private static bool TryUnaryArithmetic(Assembler asm, Opcode op, Xmm x, Xmm t0)
    {
        switch (op)
        {
            // neg as 0 - x, computed in the scratch register (x86 has no packed negate).
            case Opcode.I8x16Neg: Negate(asm, x, t0, static (m, a, b) => m.Psubb(a, b)); return true;
            case Opcode.I16x8Neg: Negate(asm, x, t0, static (m, a, b) => m.Psubw(a, b)); return true;
            case Opcode.I32x4Neg: Negate(asm, x, t0, static (m, a, b) => m.Psubd(a, b)); return true;
            case Opcode.I64x2Neg: Negate(asm, x, t0, static (m, a, b) => m.Psubq(a, b)); return true;
            case Opcode.I8x16Abs: asm.Pabsb(x, x); return true;
            case Opcode.I16x8Abs: asm.Pabsw(x, x); return true;
            case Opcode.I32x4Abs: asm.Pabsd(x, x); return true;
            case Opcode.I64x2Abs:
                // No pabsq before AVX-512: the sign of each quadword, spread over it, gives (x ^ s) - s.
                asm.Pshufd(t0, x, 0xF5);
                asm.Psrad(t0, 31);
                asm.Pxor(x, t0);
                asm.Psubq(x, t0);
                return true;

            // The high halves move down first (pshufd 0xEE copies dwords 2,3 to 0,1), then extend as the low ones.
            case Opcode.I16x8ExtendLowI8x16S: asm.Pmovsxbw(x, x); return true;
            case Opcode.I16x8ExtendLowI8x16U: asm.Pmovzxbw(x, x); return true;
            case Opcode.I32x4ExtendLowI16x8S: asm.Pmovsxwd(x, x); return true;
            case Opcode.I32x4ExtendLowI16x8U: asm.Pmovzxwd(x, x); return true;
            case Opcode.I64x2ExtendLowI32x4S: asm.Pmovsxdq(x, x); return true;
            case Opcode.I64x2ExtendLowI32x4U: asm.Pmovzxdq(x, x); return true;
            case Opcode.I16x8ExtendHighI8x16S: HighHalf(asm, x); asm.Pmovsxbw(x, x); return true;
            case Opcode.I16x8ExtendHighI8x16U: HighHalf(asm, x); asm.Pmovzxbw(x, x); return true;
            case Opcode.I32x4ExtendHighI16x8S: HighHalf(asm, x); asm.Pmovsxwd(x, x); return true;
            case Opcode.I32x4ExtendHighI16x8U: HighHalf(asm, x); asm.Pmovzxwd(x, x); return true;
            case Opcode.I64x2ExtendHighI32x4S: HighHalf(asm, x); asm.Pmovsxdq(x, x); return true;
            case Opcode.I64x2ExtendHighI32x4U: HighHalf(asm, x); asm.Pmovzxdq(x, x); return true;

            case Opcode.I16x8ExtaddPairwiseI8x16S:
                // pmaddubsw multiplies unsigned bytes of its destination by signed bytes of its source: ones times
                // x sums the signed pairs; the sums (-256..254) never reach its saturation.
                asm.Movdqa(t0, OnesBytes(asm));
                asm.Pmaddubsw(t0, x);
                asm.Movdqa(x, t0);
                return true;
            case Opcode.I16x8ExtaddPairwiseI8x16U:
                // x unsigned times signed ones: sums 0..510, no saturation.
                asm.Pmaddubsw(x, OnesBytes(asm));
                return true;
            case Opcode.I32x4ExtaddPairwiseI16x8S:
                asm.Pmaddwd(x, asm.Const128(0x0001_0001_0001_0001UL, 0x0001_0001_0001_0001UL));
                return true;
            case Opcode.I32x4ExtaddPairwiseI16x8U:
                // pmaddwd is signed only: bias each word by -0x8000 (flip its top bit), sum the pairs signed, and
                // add the two biases (0x10000) back to each dword.
                asm.Pxor(x, asm.Const128(0x8000_8000_8000_8000UL, 0x8000_8000_8000_8000UL));
                asm.Pmaddwd(x, asm.Const128(0x0001_0001_0001_0001UL, 0x0001_0001_0001_0001UL));
                asm.Paddd(x, asm.Const128(0x0001_0000_0001_0000UL, 0x0001_0000_0001_0000UL));
                return true;
            default:
                return false;
        }
    }

    /// <summary>The integer v128 × v128 → v128 operations of this file, result in <paramref name="a"/>; false for other opcodes.</summary>
    private static bool TryBinaryArithmetic(Assembler asm, Opcode op, Xmm a, Xmm b, Xmm t0, Xmm t1)
    {
        switch (op)
        {
            case Opcode.I8x16Add: asm.Paddb(a, b); return true;
            case Opcode.I16x8Add: asm.Paddw(a, b); return true;
            case Opcode.I32x4Add: asm.Paddd(a, b); return true;
            case Opcode.I64x2Add: asm.Paddq(a, b); return true;
            case Opcode.I8x16Sub: asm.Psubb(a, b); return true;
            case Opcode.I16x8Sub: asm.Psubw(a, b); return true;
            case Opcode.I32x4Sub: asm.Psubd(a, b); return true;
            case Opcode.I64x2Sub: asm.Psubq(a, b); return true;
            case Opcode.I8x16AddSatS: asm.Paddsb(a, b); return true;
            case Opcode.I8x16AddSatU: asm.Paddusb(a, b); return true;
            case Opcode.I8x16SubSatS: asm.Psubsb(a, b); return true;
            case Opcode.I8x16SubSatU: asm.Psubusb(a, b); return true;
            case Opcode.I16x8AddSatS: asm.Paddsw(a, b); return true;
            case Opcode.I16x8AddSatU: asm.Paddusw(a, b); return true;
            case Opcode.I16x8SubSatS: asm.Psubsw(a, b); return true;
            case Opcode.I16x8SubSatU: asm.Psubusw(a, b); return true;
            case Opcode.I16x8Mul: asm.Pmullw(a, b); return true;
            case Opcode.I32x4Mul: asm.Pmulld(a, b); return true;
            case Opcode.I64x2Mul: I64x2Mul(asm, a, b, t0, t1); return true;

            case Opcode.I8x16MinS: asm.Pminsb(a, b); return true;
            case Opcode.I8x16MinU: asm.Pminub(a, b); return true;
            case Opcode.I8x16MaxS: asm.Pmaxsb(a, b); return true;
            case Opcode.I8x16MaxU: asm.Pmaxub(a, b); return true;
            case Opcode.I16x8MinS: asm.Pminsw(a, b); return true;
            case Opcode.I16x8MinU: asm.Pminuw(a, b); return true;
            case Opcode.I16x8MaxS: asm.Pmaxsw(a, b); return true;
            case Opcode.I16x8MaxU: asm.Pmaxuw(a, b); return true;
            case Opcode.I32x4MinS: asm.Pminsd(a, b); return true;
            case Opcode.I32x4MinU: asm.Pminud(a, b); return true;
            case Opcode.I32x4MaxS: asm.Pmaxsd(a, b); return true;
            case Opcode.I32x4MaxU: asm.Pmaxud(a, b); return true;
            case Opcode.I8x16AvgrU: asm.Pavgb(a, b); return true;
            case Opcode.I16x8AvgrU: asm.Pavgw(a, b); return true;

            // The packs take a's lanes into the low half and b's into the high half, saturating as Spec's narrow does.
            case Opcode.I8x16NarrowI16x8S: asm.Packsswb(a, b); return true;
            case Opcode.I8x16NarrowI16x8U: asm.Packuswb(a, b); return true;
            case Opcode.I16x8NarrowI32x4S: asm.Packssdw(a, b); return true;
            case Opcode.I16x8NarrowI32x4U: asm.Packusdw(a, b); return true;

            case Opcode.I32x4DotI16x8S: asm.Pmaddwd(a, b); return true;
            case Opcode.I16x8Q15mulrSatS:
                // pmulhrsw wraps the one overflowing product, 0x8000 * 0x8000, to 0x8000 (no other lane can give
                // 0x8000); the spec saturates it to 0x7fff, which flipping every bit of exactly those lanes gives.
                asm.Pmulhrsw(a, b);
                asm.Movdqa(t0, asm.Const128(0x8000_8000_8000_8000UL, 0x8000_8000_8000_8000UL));
                asm.Pcmpeqw(t0, a);
                asm.Pxor(a, t0);
                return true;

            case Opcode.I16x8ExtmulLowI8x16S: ExtmulBytes(asm, a, b, high: false, signed: true); return true;
            case Opcode.I16x8ExtmulHighI8x16S: ExtmulBytes(asm, a, b, high: true, signed: true); return true;
            case Opcode.I16x8ExtmulLowI8x16U: ExtmulBytes(asm, a, b, high: false, signed: false); return true;
            case Opcode.I16x8ExtmulHighI8x16U: ExtmulBytes(asm, a, b, high: true, signed: false); return true;
            case Opcode.I32x4ExtmulLowI16x8S: ExtmulWords(asm, a, b, t0, high: false, signed: true); return true;
            case Opcode.I32x4ExtmulHighI16x8S: ExtmulWords(asm, a, b, t0, high: true, signed: true); return true;
            case Opcode.I32x4ExtmulLowI16x8U: ExtmulWords(asm, a, b, t0, high: false, signed: false); return true;
            case Opcode.I32x4ExtmulHighI16x8U: ExtmulWords(asm, a, b, t0, high: true, signed: false); return true;
            case Opcode.I64x2ExtmulLowI32x4S: ExtmulDwords(asm, a, b, high: false, signed: true); return true;
            case Opcode.I64x2ExtmulHighI32x4S: ExtmulDwords(asm, a, b, high: true, signed: true); return true;
            case Opcode.I64x2ExtmulLowI32x4U: ExtmulDwords(asm, a, b, high: false, signed: false); return true;
            case Opcode.I64x2ExtmulHighI32x4U: ExtmulDwords(asm, a, b, high: true, signed: false); return true;
            default:
                return false;
        }
    }

    private static void Negate(Assembler asm, Xmm x, Xmm t0, Action<Assembler, Xmm, Xmm> subtract)
    {
        asm.Pxor(t0, t0);
        subtract(asm, t0, x);
        asm.Movdqa(x, t0);
    }

    private static Mem OnesBytes(Assembler m) => m.Const128(0x0101_0101_0101_0101UL, 0x0101_0101_0101_0101UL);

    /// <summary>The high 64 bits of x into its low 64 bits (for the extends, which read the low half).</summary>
    private static void HighHalf(Assembler m, Xmm x) => m.Pshufd(x, x, 0xEE);

    /// <summary>
    /// i64x2.mul without pmullq: with a = ah:al and b = bh:bl (32-bit halves), a * b mod 2^64 =
    /// al*bl + ((ah*bl + al*bh) &lt;&lt; 32), three pmuludq.
    /// </summary>
    private static void I64x2Mul(Assembler m, Xmm a, Xmm b, Xmm t0, Xmm t1)
    {
        m.Movdqa(t0, a);
        m.Psrlq(t0, 32);
        m.Pmuludq(t0, b);
        m.Movdqa(t1, b);
        m.Psrlq(t1, 32);
        m.Pmuludq(t1, a);
        m.Paddq(t0, t1);
        m.Psllq(t0, 32);
        m.Pmuludq(a, b);
        m.Paddq(a, t0);
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
    private static void ExtmulWords(Assembler m, Xmm a, Xmm b, Xmm t0, bool high, bool signed)
    {
        m.Movdqa(t0, a);
        m.Pmullw(t0, b);
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
            m.Punpckhwd(t0, a);
        }
        else
        {
            m.Punpcklwd(t0, a);
        }
        m.Movdqa(a, t0);
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

    /// <summary>Whether <paramref name="op"/> is a lane shift (v128 and an i32 count).</summary>
    public static bool IsShift(Opcode op) => op is Opcode.I8x16Shl or Opcode.I8x16ShrS or Opcode.I8x16ShrU
        or Opcode.I16x8Shl or Opcode.I16x8ShrS or Opcode.I16x8ShrU or Opcode.I32x4Shl or Opcode.I32x4ShrS or Opcode.I32x4ShrU
        or Opcode.I64x2Shl or Opcode.I64x2ShrS or Opcode.I64x2ShrU;

    /// <summary>The lane width of a shift, which its count is taken modulo.</summary>
    public static int ShiftLaneBits(Opcode op) => op switch
    {
        Opcode.I8x16Shl or Opcode.I8x16ShrS or Opcode.I8x16ShrU => 8,
        Opcode.I16x8Shl or Opcode.I16x8ShrS or Opcode.I16x8ShrU => 16,
        Opcode.I32x4Shl or Opcode.I32x4ShrS or Opcode.I32x4ShrU => 32,
        _ => 64,
    };

    /// <summary>
    /// A variable shift count: <paramref name="r"/> (overwritten) reduced modulo the lane width, plus the bias i8x16.shr_s
    /// needs (its bytes are shifted in the high half of words), into the low quadword of <paramref name="count"/>.
    /// </summary>
    public static void ShiftCount(Assembler asm, Opcode op, Gpr r, Xmm count)
    {
        asm.And(OperandSize.S32, r, ShiftLaneBits(op) - 1);
        if (op == Opcode.I8x16ShrS)
        {
            asm.Add(OperandSize.S32, r, 8);
        }
        asm.Movd(count, r);
    }

    /// <summary>
    /// The lane shifts of <paramref name="x"/> in place, by the constant <paramref name="constant"/> (already reduced modulo the lane
    /// width) or, when that is null, by the count <see cref="ShiftCount"/> put in <paramref name="count"/> (only read).
    /// </summary>
    public static void Shift(Assembler asm, Opcode op, Xmm x, int? constant, Xmm count, Xmm t0)
    {
        if (constant == 0 && op != Opcode.I64x2ShrS)
        {
            return;
        }
        switch (op)
        {
            case Opcode.I8x16Shl:
            case Opcode.I8x16ShrS:
            case Opcode.I8x16ShrU:
                ShiftBytes(asm, op, x, constant, count, t0);
                return;
            case Opcode.I64x2ShrS:
                ShiftQuadsArithmetic(asm, x, constant, count, t0);
                return;
        }
        Xmm c = count;
        bool k = constant.HasValue;
        byte n = (byte)(constant ?? 0);
        switch (op)
        {
            case Opcode.I16x8Shl: if (k) { asm.Psllw(x, n); } else { asm.Psllw(x, c); } break;
            case Opcode.I16x8ShrS: if (k) { asm.Psraw(x, n); } else { asm.Psraw(x, c); } break;
            case Opcode.I16x8ShrU: if (k) { asm.Psrlw(x, n); } else { asm.Psrlw(x, c); } break;
            case Opcode.I32x4Shl: if (k) { asm.Pslld(x, n); } else { asm.Pslld(x, c); } break;
            case Opcode.I32x4ShrS: if (k) { asm.Psrad(x, n); } else { asm.Psrad(x, c); } break;
            case Opcode.I32x4ShrU: if (k) { asm.Psrld(x, n); } else { asm.Psrld(x, c); } break;
            case Opcode.I64x2Shl: if (k) { asm.Psllq(x, n); } else { asm.Psllq(x, c); } break;
            case Opcode.I64x2ShrU: if (k) { asm.Psrlq(x, n); } else { asm.Psrlq(x, c); } break;
            default: throw new InternalErrorException($"SIMD sequences: {op} is not a lane shift");
        }
    }

    /// <summary>
    /// i64x2.shr_s without psraq: a logical shift, then the sign bit (now at bit 63 - n) extended with
    /// (v ^ m) - m, where m = 0x8000000000000000 >> n.
    /// </summary>
    private static void ShiftQuadsArithmetic(Assembler asm, Xmm x, int? constant, Xmm c, Xmm t0)
    {
        if (constant is int count)
        {
            if (count != 0)
            {
                ulong m = 0x8000_0000_0000_0000UL >> count;
                Mem mask = asm.Const128(m, m);
                asm.Psrlq(x, (byte)count);
                asm.Pxor(x, mask);
                asm.Psubq(x, mask);
            }
            return;
        }
        asm.Movdqa(t0, asm.Const128(0x8000_0000_0000_0000UL, 0x8000_0000_0000_0000UL));
        asm.Psrlq(t0, c);
        asm.Psrlq(x, c);
        asm.Pxor(x, t0);
        asm.Psubq(x, t0);
    }

    /// <summary>
    /// The byte shifts, which x86 lacks. shl and shr_u shift words and clear the bits that crossed into the neighbouring
    /// byte with a byte mask (a constant, or 0xff >> n built in t0 for a variable count). shr_s puts each byte in the
    /// high half of a word (punpck with itself), shifts arithmetically by n + 8, and packs back with signed saturation,
    /// which never saturates as every result fits in a byte.
    /// </summary>
    private static void ShiftBytes(Assembler asm, Opcode op, Xmm x, int? constant, Xmm c, Xmm t0)
    {
        bool k = constant.HasValue;
        int count = constant ?? 0;
        byte n = (byte)count;
        switch (op)
        {
            case Opcode.I8x16Shl when k:
                asm.Psllw(x, n);
                asm.Pand(x, BytesConstant(asm, (byte)(0xFF << count)));
                break;
            case Opcode.I8x16ShrU when k:
                asm.Psrlw(x, n);
                asm.Pand(x, BytesConstant(asm, (byte)(0xFF >> count)));
                break;
            case Opcode.I8x16Shl:
            case Opcode.I8x16ShrU:
                // t0 = 0xff >> n in every byte: 0x00ff words shifted by n, packed to bytes (no value exceeds 0xff).
                asm.Pcmpeqd(t0, t0);
                asm.Psrlw(t0, 8);
                asm.Psrlw(t0, c);
                asm.Packuswb(t0, t0);
                if (op == Opcode.I8x16Shl)
                {
                    // Clearing the bits that would leave each byte first keeps the word shift from crossing bytes.
                    asm.Pand(x, t0);
                    asm.Psllw(x, c);
                }
                else
                {
                    asm.Psrlw(x, c);
                    asm.Pand(x, t0);
                }
                break;
            default:
                // The low byte of each word is garbage the shift by n + 8 discards.
                asm.Movdqa(t0, x);
                asm.Punpckhbw(t0, x);
                asm.Punpcklbw(x, x);
                if (k)
                {
                    asm.Psraw(t0, (byte)(n + 8));
                    asm.Psraw(x, (byte)(n + 8));
                }
                else
                {
                    asm.Psraw(t0, c);
                    asm.Psraw(x, c);
                }
                asm.Packsswb(x, t0);
                break;
        }
    }
}

using Kiln.Jit.X64;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Compiled;

/// <summary>
/// SIMD lanes and bits: splats, extract/replace lane, i8x16.shuffle and swizzle, the v128 bitwise operations,
/// any_true/all_true/bitmask, the integer lane comparisons and i8x16.popcnt. Each is a short branch-free SSE4.1
/// sequence. The test instructions (any_true, all_true) end in ptest and return the condition that holds when the
/// result is 1, so a branch right after them can test the flags. x86 compares only for equality and signed
/// greater-than: the other integer comparisons are built from those with operand swaps, min/max and a final
/// complement.
/// </summary>
internal static partial class SimdSequences
{
    /// <summary>The 128-bit constant a splat of the constant scalar <paramref name="bits"/> gives (low and high halves alike).</summary>
    public static ulong SplatConstant(Opcode op, ulong bits) => op switch
    {
        Opcode.I8x16Splat => 0x0101_0101_0101_0101UL * (byte)bits,
        Opcode.I16x8Splat => 0x0001_0001_0001_0001UL * (ushort)bits,
        Opcode.I32x4Splat or Opcode.F32x4Splat => 0x0000_0001_0000_0001UL * (uint)bits,
        _ => bits,
    };

    /// <summary>f32x4.splat and f64x2.splat in place: the scalar is the low lane of <paramref name="f"/>.</summary>
    public static void SplatFloat(Assembler asm, Opcode op, Xmm f)
    {
        if (op == Opcode.F32x4Splat)
        {
            asm.Pshufd(f, f, 0);
        }
        else
        {
            asm.Movddup(f, f);
        }
    }

    /// <summary>The integer splats: <paramref name="r"/> (only read) broadcast into <paramref name="x"/>.</summary>
    public static void SplatInteger(Assembler asm, Opcode op, Xmm x, Gpr r, Xmm t0)
    {
        switch (op)
        {
            case Opcode.I8x16Splat:
                // pshufb with all-zero indices copies byte 0 everywhere.
                asm.Movd(x, r);
                asm.Pxor(t0, t0);
                asm.Pshufb(x, t0);
                break;
            case Opcode.I16x8Splat:
                asm.Movd(x, r);
                asm.Pshuflw(x, x, 0);
                asm.Pshufd(x, x, 0);
                break;
            case Opcode.I32x4Splat:
                asm.Movd(x, r);
                asm.Pshufd(x, x, 0);
                break;
            case Opcode.I64x2Splat:
                asm.Movq(x, r);
                asm.Punpcklqdq(x, x);
                break;
            default:
                throw new InternalErrorException($"SIMD sequences: {op} is not an integer splat");
        }
    }

    /// <summary>f32x4/f64x2.extract_lane in place: the lane moves to the low lane of <paramref name="x"/> (a scalar's upper lanes are never read).</summary>
    public static void ExtractFloatLane(Assembler asm, Opcode op, Xmm x, byte lane)
    {
        if (lane == 0)
        {
            return;
        }
        if (op == Opcode.F32x4ExtractLane)
        {
            asm.Pshufd(x, x, lane);
        }
        else
        {
            asm.Movhlps(x, x);
        }
    }

    /// <summary>The integer extract_lane forms into <paramref name="d"/>; <paramref name="v"/> is only read.</summary>
    public static void ExtractIntegerLane(Assembler asm, Opcode op, Gpr d, Xmm v, byte lane)
    {
        switch (op)
        {
            case Opcode.I8x16ExtractLaneS:
                asm.Pextrb(d, v, lane);
                asm.Movsx(OperandSize.S32, d, OperandSize.S8, d);
                break;
            case Opcode.I8x16ExtractLaneU:
                asm.Pextrb(d, v, lane);
                break;
            case Opcode.I16x8ExtractLaneS:
                asm.Pextrw(d, v, lane);
                asm.Movsx(OperandSize.S32, d, OperandSize.S16, d);
                break;
            case Opcode.I16x8ExtractLaneU:
                asm.Pextrw(d, v, lane);
                break;
            case Opcode.I32x4ExtractLane when lane == 0:
                asm.Movd(d, v);
                break;
            case Opcode.I32x4ExtractLane:
                asm.Pextrd(d, v, lane);
                break;
            case Opcode.I64x2ExtractLane when lane == 0:
                asm.Movq(d, v);
                break;
            case Opcode.I64x2ExtractLane:
                asm.Pextrq(d, v, lane);
                break;
            default:
                throw new InternalErrorException($"SIMD sequences: {op} is not an integer lane extraction");
        }
    }

    /// <summary>f32x4/f64x2.replace_lane: lane <paramref name="lane"/> of <paramref name="x"/> = the low lane of <paramref name="f"/> (only read).</summary>
    public static void ReplaceFloatLane(Assembler asm, Opcode op, Xmm x, Xmm f, byte lane)
    {
        if (op == Opcode.F32x4ReplaceLane)
        {
            asm.Insertps(x, f, (byte)(lane << 4));
        }
        else if (lane == 0)
        {
            asm.Movsd(x, f);
        }
        else
        {
            asm.Movlhps(x, f);
        }
    }

    /// <summary>The integer replace_lane forms: lane <paramref name="lane"/> of <paramref name="x"/> = <paramref name="r"/> (only read).</summary>
    public static void ReplaceIntegerLane(Assembler asm, Opcode op, Xmm x, Gpr r, byte lane)
    {
        switch (op)
        {
            case Opcode.I8x16ReplaceLane:
                asm.Pinsrb(x, r, lane);
                break;
            case Opcode.I16x8ReplaceLane:
                asm.Pinsrw(x, r, lane);
                break;
            case Opcode.I32x4ReplaceLane:
                asm.Pinsrd(x, r, lane);
                break;
            case Opcode.I64x2ReplaceLane:
                asm.Pinsrq(x, r, lane);
                break;
            default:
                throw new InternalErrorException($"SIMD sequences: {op} is not an integer lane replacement");
        }
    }

    /// <summary>Which operands i8x16.shuffle with <paramref name="lanes"/> reads (<see cref="Shuffle"/> touches no other).</summary>
    public static void ShuffleSources(V128 lanes, out bool usesA, out bool usesB)
    {
        usesA = false;
        usesB = false;
        for (int i = 0; i < 16; i++)
        {
            usesA |= lanes.GetByte(i) < 16;
            usesB |= lanes.GetByte(i) >= 16;
        }
    }

    /// <summary>
    /// i8x16.shuffle: result byte i is byte s[i] of a:b (a first). Each operand goes through pshufb with a mask that
    /// selects its own bytes and zeroes (index bit 7) the other's; one operand alone needs one pshufb. Returns the
    /// register holding the result (<paramref name="a"/>, or <paramref name="b"/> when a is not read).
    /// </summary>
    public static Xmm Shuffle(Assembler asm, V128 lanes, Xmm a, Xmm b)
    {
        ulong aLow = 0, aHigh = 0, bLow = 0, bHigh = 0;
        bool usesA = false, usesB = false;
        for (int i = 0; i < 16; i++)
        {
            int s = lanes.GetByte(i);
            ulong fromA = s < 16 ? (ulong)s : 0x80;
            ulong fromB = s >= 16 ? (ulong)(s - 16) : 0x80;
            usesA |= s < 16;
            usesB |= s >= 16;
            int shift = (i & 7) * 8;
            if (i < 8)
            {
                aLow |= fromA << shift;
                bLow |= fromB << shift;
            }
            else
            {
                aHigh |= fromA << shift;
                bHigh |= fromB << shift;
            }
        }
        if (!usesA)
        {
            asm.Pshufb(b, asm.Const128(bLow, bHigh));
            return b;
        }
        asm.Pshufb(a, asm.Const128(aLow, aHigh));
        if (usesB)
        {
            asm.Pshufb(b, asm.Const128(bLow, bHigh));
            asm.Por(a, b);
        }
        return a;
    }

    /// <summary>v128.bitselect: v1 = (v1 &amp; c) | (v2 &amp; ~c), as ((v1 ^ v2) &amp; c) ^ v2, no temporary; v2 and c are only read.</summary>
    public static void Bitselect(Assembler asm, Xmm v1, Xmm v2, Xmm c)
    {
        asm.Pxor(v1, v2);
        asm.Pand(v1, c);
        asm.Pxor(v1, v2);
    }

    /// <summary>
    /// v128.any_true and the all_true forms: ptest, returning the condition under which the result is 1.
    /// <paramref name="x"/> is only read.
    /// </summary>
    public static Condition Test(Assembler asm, Opcode op, Xmm x, Xmm t0)
    {
        if (op == Opcode.V128AnyTrue)
        {
            asm.Ptest(x, x);
            return Condition.NotZero;
        }
        // Every lane is nonzero exactly when comparing with zero finds no equal lane.
        asm.Pxor(t0, t0);
        switch (op)
        {
            case Opcode.I8x16AllTrue:
                asm.Pcmpeqb(t0, x);
                break;
            case Opcode.I16x8AllTrue:
                asm.Pcmpeqw(t0, x);
                break;
            case Opcode.I32x4AllTrue:
                asm.Pcmpeqd(t0, x);
                break;
            case Opcode.I64x2AllTrue:
                asm.Pcmpeqq(t0, x);
                break;
            default:
                throw new InternalErrorException($"SIMD sequences: {op} is not a lane test");
        }
        asm.Ptest(t0, t0);
        return Condition.Zero;
    }

    /// <summary>The bitmask forms into <paramref name="r"/>; <paramref name="x"/> is overwritten (i16x8).</summary>
    public static void Bitmask(Assembler asm, Opcode op, Gpr r, Xmm x)
    {
        switch (op)
        {
            case Opcode.I8x16Bitmask:
                asm.Pmovmskb(r, x);
                break;
            case Opcode.I16x8Bitmask:
                // Signed saturation keeps each word's sign in its byte; both halves hold the same 8 bytes.
                asm.Packsswb(x, x);
                asm.Pmovmskb(r, x);
                asm.Movzx(OperandSize.S32, r, OperandSize.S8, r);
                break;
            case Opcode.I32x4Bitmask:
                asm.Movmskps(r, x);
                break;
            case Opcode.I64x2Bitmask:
                asm.Movmskpd(r, x);
                break;
            default:
                throw new InternalErrorException($"SIMD sequences: {op} is not a bitmask");
        }
    }

    /// <summary>The v128 → v128 lane and bit operations of this file, in place; false for other opcodes.</summary>
    private static bool TryUnaryInteger(Assembler asm, Opcode op, Xmm a, Xmm t0, Xmm t1)
    {
        switch (op)
        {
            case Opcode.V128Not:
                asm.Pcmpeqd(t0, t0);
                asm.Pxor(a, t0);
                return true;
            case Opcode.I8x16Popcnt:
            {
                // Two 16-entry table lookups (pshufb) on the low and high nibbles of each byte, then their sum.
                Mem nibble = BytesConstant(asm, 0x0F);
                Mem table = asm.Const128(0x0302_0201_0201_0100UL, 0x0403_0302_0302_0201UL);
                asm.Movdqa(t1, a);
                asm.Psrlw(t1, 4);
                asm.Pand(t1, nibble);
                asm.Pand(a, nibble);
                asm.Movdqa(t0, table);
                asm.Pshufb(t0, a);
                asm.Movdqa(a, table);
                asm.Pshufb(a, t1);
                asm.Paddb(a, t0);
                return true;
            }
            default:
                return false;
        }
    }

    /// <summary>The v128 × v128 → v128 lane and bit operations of this file; false for other opcodes.</summary>
    private static bool TryBinaryInteger(Assembler asm, Opcode op, Xmm a, Xmm b, Xmm t0, Xmm t1, out Xmm result)
    {
        result = a;
        switch (op)
        {
            case Opcode.I8x16Swizzle:
                // pshufb zeroes a byte whose index has bit 7 set and otherwise reads index & 15. Adding 0x70 with
                // unsigned saturation sets bit 7 exactly for the indices >= 16, which Wasm maps to 0, and keeps
                // the low nibble of the in-range ones.
                asm.Paddusb(b, BytesConstant(asm, 0x70));
                asm.Pshufb(a, b);
                return true;
            case Opcode.V128And:
                asm.Pand(a, b);
                return true;
            case Opcode.V128Or:
                asm.Por(a, b);
                return true;
            case Opcode.V128Xor:
                asm.Pxor(a, b);
                return true;
            case Opcode.V128Andnot:
                // a & ~b: pandn complements its destination, so b receives the result.
                asm.Pandn(b, a);
                result = b;
                return true;
            case >= Opcode.I8x16Eq and <= Opcode.I32x4GeU:
            case >= Opcode.I64x2Eq and <= Opcode.I64x2GeS:
                result = IntegerCompare(asm, op, a, b, t0, t1);
                return true;
            default:
                return false;
        }
    }

    // [shape (i8x16, i16x8, i32x4), max, signed]: x = min/max(x, y) per lane.
    private static readonly Action<Assembler, Xmm, Xmm>[,,] s_laneMinMax =
    {
        { { static (m, x, y) => m.Pminub(x, y), static (m, x, y) => m.Pminsb(x, y) }, { static (m, x, y) => m.Pmaxub(x, y), static (m, x, y) => m.Pmaxsb(x, y) } },
        { { static (m, x, y) => m.Pminuw(x, y), static (m, x, y) => m.Pminsw(x, y) }, { static (m, x, y) => m.Pmaxuw(x, y), static (m, x, y) => m.Pmaxsw(x, y) } },
        { { static (m, x, y) => m.Pminud(x, y), static (m, x, y) => m.Pminsd(x, y) }, { static (m, x, y) => m.Pmaxud(x, y), static (m, x, y) => m.Pmaxsd(x, y) } },
    };

    // [shape]: x = (x == y) per lane.
    private static readonly Action<Assembler, Xmm, Xmm>[] s_laneEquals =
    [
        static (m, x, y) => m.Pcmpeqb(x, y),
        static (m, x, y) => m.Pcmpeqw(x, y),
        static (m, x, y) => m.Pcmpeqd(x, y),
    ];

    /// <summary>
    /// Lane comparisons, all ones where true. From equality and signed greater-than: lt swaps the operands; le and
    /// ge test min(a, b) == a and max(a, b) == a (signed or unsigned min/max, so the unsigned forms need no sign
    /// flip); ne and the unsigned strict forms complement the opposite test. i64x2 has no 64-bit min/max, so its le
    /// and ge complement gt and lt. Returns the register holding the result (a or b).
    /// </summary>
    private static Xmm IntegerCompare(Assembler asm, Opcode op, Xmm a, Xmm b, Xmm t0, Xmm t1)
    {
        Xmm result = a;
        bool invert = false;
        switch (op)
        {
            case Opcode.I8x16Eq:
            case Opcode.I8x16Ne:
                asm.Pcmpeqb(a, b);
                invert = op == Opcode.I8x16Ne;
                break;
            case Opcode.I16x8Eq:
            case Opcode.I16x8Ne:
                asm.Pcmpeqw(a, b);
                invert = op == Opcode.I16x8Ne;
                break;
            case Opcode.I32x4Eq:
            case Opcode.I32x4Ne:
                asm.Pcmpeqd(a, b);
                invert = op == Opcode.I32x4Ne;
                break;
            case Opcode.I64x2Eq:
            case Opcode.I64x2Ne:
                asm.Pcmpeqq(a, b);
                invert = op == Opcode.I64x2Ne;
                break;

            case Opcode.I8x16GtS:
                asm.Pcmpgtb(a, b);
                break;
            case Opcode.I16x8GtS:
                asm.Pcmpgtw(a, b);
                break;
            case Opcode.I32x4GtS:
                asm.Pcmpgtd(a, b);
                break;
            case Opcode.I8x16LtS:
                asm.Pcmpgtb(b, a);
                result = b;
                break;
            case Opcode.I16x8LtS:
                asm.Pcmpgtw(b, a);
                result = b;
                break;
            case Opcode.I32x4LtS:
                asm.Pcmpgtd(b, a);
                result = b;
                break;

            // a >= b: max(a, b) == a; a > b (unsigned): not (min(a, b) == a).
            case Opcode.I8x16GeS or Opcode.I8x16GeU or Opcode.I8x16LtU or Opcode.I8x16LeS or Opcode.I8x16LeU or Opcode.I8x16GtU:
            case Opcode.I16x8GeS or Opcode.I16x8GeU or Opcode.I16x8LtU or Opcode.I16x8LeS or Opcode.I16x8LeU or Opcode.I16x8GtU:
            case Opcode.I32x4GeS or Opcode.I32x4GeU or Opcode.I32x4LtU or Opcode.I32x4LeS or Opcode.I32x4LeU or Opcode.I32x4GtU:
            {
                // Each shape's comparisons are laid out alike from its eq: eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u.
                int shape = op >= Opcode.I32x4Eq ? 2 : op >= Opcode.I16x8Eq ? 1 : 0;
                int k = op - (shape == 2 ? Opcode.I32x4Eq : shape == 1 ? Opcode.I16x8Eq : Opcode.I8x16Eq);
                bool max = k is 3 or 8 or 9;
                bool signed = k is 6 or 8;
                s_laneMinMax[shape, max ? 1 : 0, signed ? 1 : 0](asm, b, a);
                s_laneEquals[shape](asm, b, a);
                result = b;
                invert = k is 3 or 5;
                break;
            }

            case Opcode.I64x2GtS:
            case Opcode.I64x2LeS:
                I64x2GreaterThan(asm, a, b, t0, t1);
                invert = op == Opcode.I64x2LeS;
                break;
            case Opcode.I64x2LtS:
            case Opcode.I64x2GeS:
                I64x2GreaterThan(asm, b, a, t0, t1);
                result = b;
                invert = op == Opcode.I64x2GeS;
                break;
            default:
                throw new InternalErrorException($"SIMD sequences: {op} is not an integer lane comparison");
        }
        if (invert)
        {
            asm.Pcmpeqd(t0, t0);
            asm.Pxor(result, t0);
        }
        return result;
    }

    /// <summary>
    /// x = (x > y) per signed 64-bit lane; y is left unchanged. pcmpgtq is SSE4.2; without it the high dwords
    /// decide unless they are equal, and then the borrow of y - x (the unsigned compare of the low dwords) does.
    /// </summary>
    private static void I64x2GreaterThan(Assembler asm, Xmm x, Xmm y, Xmm t0, Xmm t1)
    {
        if (asm.Features.Has(CpuFeature.Sse42))
        {
            asm.Pcmpgtq(x, y);
            return;
        }
        asm.Movdqa(t0, y);
        asm.Psubq(t0, x);
        asm.Movdqa(t1, x);
        asm.Pcmpeqd(t1, y);
        asm.Pand(t0, t1);
        asm.Pcmpgtd(x, y);
        asm.Por(x, t0);
        // The high dword of each lane holds the answer: copy it to the low dword too.
        asm.Pshufd(x, x, 0xF5);
    }
}

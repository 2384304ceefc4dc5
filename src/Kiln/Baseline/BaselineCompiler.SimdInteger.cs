using Kiln.Jit.X64;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// SIMD lanes and bits: splats, extract/replace lane, i8x16.shuffle and swizzle, the v128 bitwise operations,
/// any_true/all_true/bitmask, the integer lane comparisons and i8x16.popcnt. Each is a short branch-free SSE4.1
/// sequence on registers the value stack hands over (the operands are owned, so the result reuses one of them).
/// The test instructions (any_true, all_true) end in ptest and leave a pending condition, so a br_if or if right
/// after them branches on the flags without a setcc. x86 compares only for equality and signed greater-than:
/// the other integer comparisons are built from those with operand swaps, min/max and a final complement.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    private bool SimdInteger(in Instruction ins)
    {
        Opcode op = ins.Opcode;
        switch (op)
        {
            case >= Opcode.I8x16Splat and <= Opcode.F64x2Splat:
                SimdSplat(op);
                return true;
            case >= Opcode.I8x16ExtractLaneS and <= Opcode.F64x2ReplaceLane:
                SimdLane(op, (byte)ins.Index);
                return true;
            case Opcode.I8x16Shuffle:
                SimdShuffle(ins.V128);
                return true;
            case Opcode.I8x16Swizzle:
            {
                Xmm indices = PopV128();
                Xmm a = PopV128();
                // pshufb zeroes a byte whose index has bit 7 set and otherwise reads index & 15. Adding 0x70 with
                // unsigned saturation sets bit 7 exactly for the indices >= 16, which Wasm maps to 0, and keeps
                // the low nibble of the in-range ones.
                _asm.Paddusb(indices, BytesConstant(0x70));
                _asm.Pshufb(a, indices);
                FreeXmm(indices);
                PushV128(a);
                return true;
            }
            case Opcode.V128Not:
            {
                Xmm a = PopV128();
                _asm.Pcmpeqd(Xmm.Xmm0, Xmm.Xmm0);
                _asm.Pxor(a, Xmm.Xmm0);
                PushV128(a);
                return true;
            }
            case Opcode.V128And:
            case Opcode.V128Or:
            case Opcode.V128Xor:
            {
                Xmm b = PopV128();
                Xmm a = PopV128();
                switch (op)
                {
                    case Opcode.V128And:
                        _asm.Pand(a, b);
                        break;
                    case Opcode.V128Or:
                        _asm.Por(a, b);
                        break;
                    default:
                        _asm.Pxor(a, b);
                        break;
                }
                FreeXmm(b);
                PushV128(a);
                return true;
            }
            case Opcode.V128Andnot:
            {
                // a & ~b: pandn complements its destination, so b receives the result.
                Xmm b = PopV128();
                Xmm a = PopV128();
                _asm.Pandn(b, a);
                FreeXmm(a);
                PushV128(b);
                return true;
            }
            case Opcode.V128Bitselect:
            {
                // (v1 & c) | (v2 & ~c), as ((v1 ^ v2) & c) ^ v2: no temporary.
                Xmm c = PopV128();
                Xmm v2 = PopV128();
                Xmm v1 = PopV128();
                _asm.Pxor(v1, v2);
                _asm.Pand(v1, c);
                _asm.Pxor(v1, v2);
                FreeXmm(c);
                FreeXmm(v2);
                PushV128(v1);
                return true;
            }
            case Opcode.V128AnyTrue:
            {
                Xmm a = PopV128();
                _asm.Ptest(a, a);
                FreeXmm(a);
                PushCondition(Condition.NotZero);
                return true;
            }
            case Opcode.I8x16AllTrue:
            case Opcode.I16x8AllTrue:
            case Opcode.I32x4AllTrue:
            case Opcode.I64x2AllTrue:
            {
                // Every lane is nonzero exactly when comparing with zero finds no equal lane.
                Xmm a = PopV128();
                _asm.Pxor(Xmm.Xmm0, Xmm.Xmm0);
                switch (op)
                {
                    case Opcode.I8x16AllTrue:
                        _asm.Pcmpeqb(Xmm.Xmm0, a);
                        break;
                    case Opcode.I16x8AllTrue:
                        _asm.Pcmpeqw(Xmm.Xmm0, a);
                        break;
                    case Opcode.I32x4AllTrue:
                        _asm.Pcmpeqd(Xmm.Xmm0, a);
                        break;
                    default:
                        _asm.Pcmpeqq(Xmm.Xmm0, a);
                        break;
                }
                _asm.Ptest(Xmm.Xmm0, Xmm.Xmm0);
                FreeXmm(a);
                PushCondition(Condition.Zero);
                return true;
            }
            case Opcode.I8x16Bitmask:
            case Opcode.I16x8Bitmask:
            case Opcode.I32x4Bitmask:
            case Opcode.I64x2Bitmask:
            {
                Xmm a = PopV128();
                Gpr r = AllocGpr();
                switch (op)
                {
                    case Opcode.I8x16Bitmask:
                        _asm.Pmovmskb(r, a);
                        break;
                    case Opcode.I16x8Bitmask:
                        // Signed saturation keeps each word's sign in its byte; both halves hold the same 8 bytes.
                        _asm.Packsswb(a, a);
                        _asm.Pmovmskb(r, a);
                        _asm.Movzx(OperandSize.S32, r, OperandSize.S8, r);
                        break;
                    case Opcode.I32x4Bitmask:
                        _asm.Movmskps(r, a);
                        break;
                    default:
                        _asm.Movmskpd(r, a);
                        break;
                }
                FreeXmm(a);
                PushReg(ValType.I32, r.Index);
                return true;
            }
            case >= Opcode.I8x16Eq and <= Opcode.I32x4GeU:
            case >= Opcode.I64x2Eq and <= Opcode.I64x2GeS:
                SimdIntegerCompare(op);
                return true;
            case Opcode.I8x16Popcnt:
            {
                // Two 16-entry table lookups (pshufb) on the low and high nibbles of each byte, then their sum.
                Xmm a = PopV128();
                Mem nibble = BytesConstant(0x0F);
                Mem table = _asm.Const128(0x0302_0201_0201_0100UL, 0x0403_0302_0302_0201UL);
                _asm.Movdqa(Xmm.Xmm15, a);
                _asm.Psrlw(Xmm.Xmm15, 4);
                _asm.Pand(Xmm.Xmm15, nibble);
                _asm.Pand(a, nibble);
                _asm.Movdqa(Xmm.Xmm0, table);
                _asm.Pshufb(Xmm.Xmm0, a);
                _asm.Movdqa(a, table);
                _asm.Pshufb(a, Xmm.Xmm15);
                _asm.Paddb(a, Xmm.Xmm0);
                PushV128(a);
                return true;
            }
            default:
                return false;
        }
    }

    /// <summary>Splats: a constant operand becomes a 128-bit constant; otherwise the scalar is moved in and broadcast.</summary>
    private void SimdSplat(Opcode op)
    {
        ref Val top = ref _stack[_height - 1];
        if (top.Loc == Loc.Const)
        {
            ulong bits = top.Bits;
            ulong lanes = op switch
            {
                Opcode.I8x16Splat => 0x0101_0101_0101_0101UL * (byte)bits,
                Opcode.I16x8Splat => 0x0001_0001_0001_0001UL * (ushort)bits,
                Opcode.I32x4Splat or Opcode.F32x4Splat => 0x0000_0001_0000_0001UL * (uint)bits,
                _ => bits,
            };
            Pop();
            Xmm c = AllocXmm();
            LoadV128Constant(c, lanes, lanes);
            PushV128(c);
            return;
        }
        switch (op)
        {
            case Opcode.F32x4Splat:
            {
                Xmm f = PopXmm();
                _asm.Pshufd(f, f, 0);
                PushV128(f);
                return;
            }
            case Opcode.F64x2Splat:
            {
                Xmm f = PopXmm();
                _asm.Movddup(f, f);
                PushV128(f);
                return;
            }
        }
        Gpr r = PopGpr();
        Xmm x = AllocXmm();
        switch (op)
        {
            case Opcode.I8x16Splat:
                // pshufb with all-zero indices copies byte 0 everywhere.
                _asm.Movd(x, r);
                _asm.Pxor(Xmm.Xmm0, Xmm.Xmm0);
                _asm.Pshufb(x, Xmm.Xmm0);
                break;
            case Opcode.I16x8Splat:
                _asm.Movd(x, r);
                _asm.Pshuflw(x, x, 0);
                _asm.Pshufd(x, x, 0);
                break;
            case Opcode.I32x4Splat:
                _asm.Movd(x, r);
                _asm.Pshufd(x, x, 0);
                break;
            default:
                _asm.Movq(x, r);
                _asm.Punpcklqdq(x, x);
                break;
        }
        FreeGpr(r);
        PushV128(x);
    }

    /// <summary>extract_lane and replace_lane. A float lane stays in the xmm register it came from.</summary>
    private void SimdLane(Opcode op, byte lane)
    {
        switch (op)
        {
            case Opcode.F32x4ExtractLane:
            {
                // A scalar f32 is the low lane; the upper lanes of its register are never read.
                Xmm x = PopV128();
                if (lane != 0)
                {
                    _asm.Pshufd(x, x, lane);
                }
                PushReg(ValType.F32, x.Index);
                return;
            }
            case Opcode.F64x2ExtractLane:
            {
                Xmm x = PopV128();
                if (lane != 0)
                {
                    _asm.Movhlps(x, x);
                }
                PushReg(ValType.F64, x.Index);
                return;
            }
            case Opcode.F32x4ReplaceLane:
            {
                Xmm f = PopXmm();
                Xmm x = PopV128();
                _asm.Insertps(x, f, (byte)(lane << 4));
                FreeXmm(f);
                PushV128(x);
                return;
            }
            case Opcode.F64x2ReplaceLane:
            {
                Xmm f = PopXmm();
                Xmm x = PopV128();
                if (lane == 0)
                {
                    _asm.Movsd(x, f);
                }
                else
                {
                    _asm.Movlhps(x, f);
                }
                FreeXmm(f);
                PushV128(x);
                return;
            }
            case Opcode.I8x16ReplaceLane:
            case Opcode.I16x8ReplaceLane:
            case Opcode.I32x4ReplaceLane:
            case Opcode.I64x2ReplaceLane:
            {
                Gpr r = PopGpr();
                Xmm x = PopV128();
                switch (op)
                {
                    case Opcode.I8x16ReplaceLane:
                        _asm.Pinsrb(x, r, lane);
                        break;
                    case Opcode.I16x8ReplaceLane:
                        _asm.Pinsrw(x, r, lane);
                        break;
                    case Opcode.I32x4ReplaceLane:
                        _asm.Pinsrd(x, r, lane);
                        break;
                    default:
                        _asm.Pinsrq(x, r, lane);
                        break;
                }
                FreeGpr(r);
                PushV128(x);
                return;
            }
        }
        Xmm v = PopV128();
        Gpr d = AllocGpr();
        ValType type = ValType.I32;
        switch (op)
        {
            case Opcode.I8x16ExtractLaneS:
                _asm.Pextrb(d, v, lane);
                _asm.Movsx(OperandSize.S32, d, OperandSize.S8, d);
                break;
            case Opcode.I8x16ExtractLaneU:
                _asm.Pextrb(d, v, lane);
                break;
            case Opcode.I16x8ExtractLaneS:
                _asm.Pextrw(d, v, lane);
                _asm.Movsx(OperandSize.S32, d, OperandSize.S16, d);
                break;
            case Opcode.I16x8ExtractLaneU:
                _asm.Pextrw(d, v, lane);
                break;
            case Opcode.I32x4ExtractLane when lane == 0:
                _asm.Movd(d, v);
                break;
            case Opcode.I32x4ExtractLane:
                _asm.Pextrd(d, v, lane);
                break;
            case Opcode.I64x2ExtractLane when lane == 0:
                _asm.Movq(d, v);
                type = ValType.I64;
                break;
            case Opcode.I64x2ExtractLane:
                _asm.Pextrq(d, v, lane);
                type = ValType.I64;
                break;
            default:
                throw new InternalErrorException($"baseline compiler: {op} is not a lane instruction");
        }
        FreeXmm(v);
        PushReg(type, d.Index);
    }

    /// <summary>
    /// i8x16.shuffle: result byte i is byte s[i] of a:b (a first). Each operand goes through pshufb with a mask that
    /// selects its own bytes and zeroes (index bit 7) the other's; one operand alone needs one pshufb.
    /// </summary>
    private void SimdShuffle(V128 lanes)
    {
        Xmm b = PopV128();
        Xmm a = PopV128();
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
            _asm.Pshufb(b, _asm.Const128(bLow, bHigh));
            FreeXmm(a);
            PushV128(b);
            return;
        }
        _asm.Pshufb(a, _asm.Const128(aLow, aHigh));
        if (usesB)
        {
            _asm.Pshufb(b, _asm.Const128(bLow, bHigh));
            _asm.Por(a, b);
        }
        FreeXmm(b);
        PushV128(a);
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
    /// and ge complement gt and lt.
    /// </summary>
    private void SimdIntegerCompare(Opcode op)
    {
        Xmm b = PopV128();
        Xmm a = PopV128();
        // The result lands in a or b; whichever it is, the other is freed.
        Xmm result = a;
        bool invert = false;
        switch (op)
        {
            case Opcode.I8x16Eq:
            case Opcode.I8x16Ne:
                _asm.Pcmpeqb(a, b);
                invert = op == Opcode.I8x16Ne;
                break;
            case Opcode.I16x8Eq:
            case Opcode.I16x8Ne:
                _asm.Pcmpeqw(a, b);
                invert = op == Opcode.I16x8Ne;
                break;
            case Opcode.I32x4Eq:
            case Opcode.I32x4Ne:
                _asm.Pcmpeqd(a, b);
                invert = op == Opcode.I32x4Ne;
                break;
            case Opcode.I64x2Eq:
            case Opcode.I64x2Ne:
                _asm.Pcmpeqq(a, b);
                invert = op == Opcode.I64x2Ne;
                break;

            case Opcode.I8x16GtS:
                _asm.Pcmpgtb(a, b);
                break;
            case Opcode.I16x8GtS:
                _asm.Pcmpgtw(a, b);
                break;
            case Opcode.I32x4GtS:
                _asm.Pcmpgtd(a, b);
                break;
            case Opcode.I8x16LtS:
                _asm.Pcmpgtb(b, a);
                result = b;
                break;
            case Opcode.I16x8LtS:
                _asm.Pcmpgtw(b, a);
                result = b;
                break;
            case Opcode.I32x4LtS:
                _asm.Pcmpgtd(b, a);
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
                s_laneMinMax[shape, max ? 1 : 0, signed ? 1 : 0](_asm, b, a);
                s_laneEquals[shape](_asm, b, a);
                result = b;
                invert = k is 3 or 5;
                break;
            }

            case Opcode.I64x2GtS:
            case Opcode.I64x2LeS:
                I64x2GreaterThan(a, b);
                invert = op == Opcode.I64x2LeS;
                break;
            case Opcode.I64x2LtS:
            case Opcode.I64x2GeS:
                I64x2GreaterThan(b, a);
                result = b;
                invert = op == Opcode.I64x2GeS;
                break;
            default:
                throw new InternalErrorException($"baseline compiler: {op} is not an integer lane comparison");
        }
        if (invert)
        {
            _asm.Pcmpeqd(Xmm.Xmm0, Xmm.Xmm0);
            _asm.Pxor(result, Xmm.Xmm0);
        }
        FreeXmm(result == a ? b : a);
        PushV128(result);
    }

    /// <summary>
    /// x = (x > y) per signed 64-bit lane; y is left unchanged. pcmpgtq is SSE4.2; without it the high dwords
    /// decide unless they are equal, and then the borrow of y - x (the unsigned compare of the low dwords) does.
    /// </summary>
    private void I64x2GreaterThan(Xmm x, Xmm y)
    {
        if (_asm.Features.Has(CpuFeature.Sse42))
        {
            _asm.Pcmpgtq(x, y);
            return;
        }
        _asm.Movdqa(Xmm.Xmm0, y);
        _asm.Psubq(Xmm.Xmm0, x);
        _asm.Movdqa(Xmm.Xmm15, x);
        _asm.Pcmpeqd(Xmm.Xmm15, y);
        _asm.Pand(Xmm.Xmm0, Xmm.Xmm15);
        _asm.Pcmpgtd(x, y);
        _asm.Por(x, Xmm.Xmm0);
        // The high dword of each lane holds the answer: copy it to the low dword too.
        _asm.Pshufd(x, x, 0xF5);
    }
}

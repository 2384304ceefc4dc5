using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// SIMD: v128.const, the plain v128 loads and stores (in <c>.Memory.cs</c>), and <see cref="Op.Simd"/>,
/// <see cref="Op.SimdLoad"/> and <see cref="Op.SimdStore"/> through the sequences the baseline emits too
/// (<see cref="SimdSequences"/>). Those sequences overwrite their v128 operands, while here an operand's register
/// belongs to its value, which may live on: each operand a sequence overwrites is first copied into a register the
/// instruction owns (the result's own register when no other operand is there, else one of the three operand
/// registers xmm13-xmm15, which the allocator leaves free in functions with such instructions), then the result is put
/// where it lives. xmm0 and xmm1 are the sequences' scratch registers, as xmm0 and xmm15 are the baseline's.
/// </summary>
internal sealed partial class CodeEmitter
{
    private static readonly Xmm s_t0 = Xmm.Xmm0;
    private static readonly Xmm s_t1 = Xmm.Xmm1;
    private static readonly Xmm s_o1 = Xmm.Xmm13;
    private static readonly Xmm s_o2 = Xmm.Xmm14;
    private static readonly Xmm s_o3 = Xmm.Xmm15;

    /// <summary>The xmm registers left to the allocator in functions with SIMD instructions: xmm13-xmm15 hold their operands.</summary>
    private static readonly Xmm[] s_simdAllocatableXmms =
    [
        Xmm.Xmm2, Xmm.Xmm3, Xmm.Xmm4, Xmm.Xmm5, Xmm.Xmm6, Xmm.Xmm7, Xmm.Xmm8, Xmm.Xmm9, Xmm.Xmm10, Xmm.Xmm11, Xmm.Xmm12,
    ];

    /// <summary>The xmm registers the allocator may use for <paramref name="f"/>.</summary>
    public static IReadOnlyList<Xmm> AllocatableXmmsFor(IrFunction f)
    {
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                if (f.Inst(inst).Op is Op.Simd or Op.SimdLoad or Op.SimdStore)
                {
                    return s_simdAllocatableXmms;
                }
            }
        }
        return AllocatableXmms;
    }

    private static Opcode SimdOpcode(in InstData d) => (Opcode)(0xFD00 | d.Aux);

    private void EmitVconst(int inst)
    {
        UInt128 bits = _f.Constants[(int)_f.Inst(inst).Imm];
        int result = _f.Result(inst);
        Xmm dst = DestXmm(result, s_t0);
        SimdSequences.LoadConstant(_asm, dst, (ulong)bits, (ulong)(bits >> 64));
        DefXmm(result, dst);
    }

    /// <summary>
    /// The register a sequence computes the result in, in place over its first operand: the result's own register unless
    /// another operand lives there (it would be overwritten before it is read), else <paramref name="scratch"/>.
    /// </summary>
    private Xmm InPlaceDest(int result, Xmm scratch, ReadOnlySpan<int> otherOperands)
    {
        Xmm dst = DestXmm(result, scratch);
        foreach (int v in otherOperands)
        {
            Location l = Loc(v);
            if (l.Kind == LocationKind.Xmm && l.Xmm == dst)
            {
                return scratch;
            }
        }
        return dst;
    }

    private void EmitSimd(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        Opcode op = SimdOpcode(d);
        Span<int> args = _f.Args(inst);
        int result = _f.Result(inst);
        byte lane = (byte)d.Imm;
        switch (op)
        {
            case >= Opcode.I8x16Splat and <= Opcode.F64x2Splat:
                EmitSplat(op, args[0], result);
                return;
            case Opcode.F32x4ExtractLane:
            case Opcode.F64x2ExtractLane:
            {
                Xmm x = InPlaceDest(result, s_o1, []);
                LoadXmmInto(args[0], x);
                SimdSequences.ExtractFloatLane(_asm, op, x, lane);
                DefXmm(result, x);
                return;
            }
            case Opcode.I8x16ExtractLaneS:
            case Opcode.I8x16ExtractLaneU:
            case Opcode.I16x8ExtractLaneS:
            case Opcode.I16x8ExtractLaneU:
            case Opcode.I32x4ExtractLane:
            case Opcode.I64x2ExtractLane:
            {
                Xmm v = UseXmm(args[0], s_o1);
                Gpr r = DestGpr(result, Gpr.Rax);
                SimdSequences.ExtractIntegerLane(_asm, op, r, v, lane);
                DefGpr(result, r);
                return;
            }
            case Opcode.F32x4ReplaceLane:
            case Opcode.F64x2ReplaceLane:
            {
                Xmm f = UseXmm(args[1], s_o2);
                Xmm x = InPlaceDest(result, s_o1, [args[1]]);
                LoadXmmInto(args[0], x);
                SimdSequences.ReplaceFloatLane(_asm, op, x, f, lane);
                DefXmm(result, x);
                return;
            }
            case Opcode.I8x16ReplaceLane:
            case Opcode.I16x8ReplaceLane:
            case Opcode.I32x4ReplaceLane:
            case Opcode.I64x2ReplaceLane:
            {
                Gpr r = UseGpr(args[1], Gpr.Rax);
                Xmm x = InPlaceDest(result, s_o1, []);
                LoadXmmInto(args[0], x);
                SimdSequences.ReplaceIntegerLane(_asm, op, x, r, lane);
                DefXmm(result, x);
                return;
            }
            case Opcode.I8x16Shuffle:
            {
                UInt128 bits = _f.Constants[(int)d.Imm];
                var lanes = new V128((ulong)bits, (ulong)(bits >> 64));
                // Only the operands the lanes select are loaded.
                SimdSequences.ShuffleSources(lanes, out bool usesA, out bool usesB);
                if (usesB)
                {
                    LoadXmmInto(args[1], s_o2);
                }
                Xmm a = InPlaceDest(result, s_o1, [args[1]]);
                if (usesA)
                {
                    LoadXmmInto(args[0], a);
                }
                Xmm r = SimdSequences.Shuffle(_asm, lanes, a, s_o2);
                DefXmm(result, r);
                return;
            }
            case Opcode.V128Bitselect:
            {
                // v2 and c are only read.
                Xmm v2 = UseXmm(args[1], s_o2);
                Xmm c = UseXmm(args[2], s_o3);
                Xmm v1 = InPlaceDest(result, s_o1, [args[1], args[2]]);
                LoadXmmInto(args[0], v1);
                SimdSequences.Bitselect(_asm, v1, v2, c);
                DefXmm(result, v1);
                return;
            }
            case Opcode.V128AnyTrue:
            case Opcode.I8x16AllTrue:
            case Opcode.I16x8AllTrue:
            case Opcode.I32x4AllTrue:
            case Opcode.I64x2AllTrue:
            {
                Xmm x = UseXmm(args[0], s_o1);
                Condition cc = SimdSequences.Test(_asm, op, x, s_t0);
                Gpr r = DestGpr(result, Gpr.Rax);
                _asm.Setcc(cc, r);
                _asm.Movzx(OperandSize.S32, r, OperandSize.S8, r);
                DefGpr(result, r);
                return;
            }
            case Opcode.I8x16Bitmask:
            case Opcode.I16x8Bitmask:
            case Opcode.I32x4Bitmask:
            case Opcode.I64x2Bitmask:
            {
                LoadXmmInto(args[0], s_o1);
                Gpr r = DestGpr(result, Gpr.Rax);
                SimdSequences.Bitmask(_asm, op, r, s_o1);
                DefGpr(result, r);
                return;
            }
        }
        if (SimdSequences.IsShift(op))
        {
            EmitSimdShift(op, args[0], args[1], result);
            return;
        }
        if (args.Length == 1 && SimdSequences.HasUnaryInto(op, Vex))
        {
            // The operand is only read where it lives: no copy into the result's register first.
            Xmm src = UseXmm(args[0], s_o1);
            Xmm dst = DestXmm(result, s_o1);
            SimdSequences.UnaryInto(_asm, op, dst, src, s_t0);
            DefXmm(result, dst);
            return;
        }
        if (args.Length == 1)
        {
            Xmm x = InPlaceDest(result, s_o1, []);
            LoadXmmInto(args[0], x);
            if (!SimdSequences.TryUnary(_asm, op, x, s_t0, s_t1))
            {
                throw new InternalErrorException($"optimizing tier: SIMD sub-opcode 0x{d.Aux:x} is not a unary v128 operation");
            }
            DefXmm(result, x);
            return;
        }
        if (args.Length == 2 && Vex && SimdSequences.HasBinaryVex(op))
        {
            // Three operands: both are only read where they live, the result written where it lives.
            Xmm b = UseXmm(args[1], s_o2);
            Xmm a = UseXmm(args[0], s_o1);
            Xmm dst = DestXmm(result, s_o1);
            SimdSequences.BinaryVex(_asm, op, dst, a, b);
            DefXmm(result, dst);
            return;
        }
        if (args.Length == 2)
        {
            int first = args[0], second = args[1];
            Location lr = Loc(result);
            if (SimdSequences.IsCommutative(op) && lr.Kind == LocationKind.Xmm && Loc(second) == lr && Loc(first) != lr)
            {
                // The result takes the second operand's register (its last use): compute over it, with no copy.
                (first, second) = (second, first);
            }
            // b first: a goes to the result's register, which may be b's. A sequence that only reads b gets b's own
            // register (or b's copy when a is computed over it).
            Xmm b;
            Xmm a;
            if (SimdSequences.BinaryKeepsB(op))
            {
                b = UseXmm(second, s_o2);
                a = InPlaceDest(result, s_o1, [second]);
            }
            else
            {
                LoadXmmInto(second, s_o2);
                b = s_o2;
                a = InPlaceDest(result, s_o1, []);
            }
            LoadXmmInto(first, a);
            if (!SimdSequences.TryBinary(_asm, op, a, b, s_t0, s_t1, out Xmm r))
            {
                throw new InternalErrorException($"optimizing tier: SIMD sub-opcode 0x{d.Aux:x} is not a binary v128 operation");
            }
            DefXmm(result, r);
            return;
        }
        throw new InternalErrorException($"optimizing tier: SIMD sub-opcode 0x{d.Aux:x} has no lowering");
    }

    /// <summary>Splats: a constant scalar becomes a 128-bit constant; otherwise the scalar is moved in and broadcast.</summary>
    private void EmitSplat(Opcode op, int scalar, int result)
    {
        Location l = Loc(scalar);
        if (l.Kind == LocationKind.Const)
        {
            ulong lanes = SimdSequences.SplatConstant(op, (ulong)l.Bits);
            Xmm c = DestXmm(result, s_o1);
            SimdSequences.LoadConstant(_asm, c, lanes, lanes);
            DefXmm(result, c);
            return;
        }
        if (op is Opcode.F32x4Splat or Opcode.F64x2Splat)
        {
            Xmm f = DestXmm(result, s_o1);
            LoadXmmInto(scalar, f);
            SimdSequences.SplatFloat(_asm, op, f);
            DefXmm(result, f);
            return;
        }
        Gpr r = UseGpr(scalar, Gpr.Rax);
        Xmm x = DestXmm(result, s_o1);
        SimdSequences.SplatInteger(_asm, op, x, r, s_t0);
        DefXmm(result, x);
    }

    /// <summary>The lane shifts: a constant count (Spec: taken modulo the lane width) uses the immediate forms; a variable one goes through rax into xmm1.</summary>
    private void EmitSimdShift(Opcode op, int vector, int count, int result)
    {
        int? constant = null;
        Location lc = Loc(count);
        if (lc.Kind == LocationKind.Const)
        {
            constant = (int)(lc.Bits & (SimdSequences.ShiftLaneBits(op) - 1));
        }
        else
        {
            LoadGprInto(count, Gpr.Rax);
            SimdSequences.ShiftCount(_asm, op, Gpr.Rax, s_t1);
        }
        Xmm x = InPlaceDest(result, s_o1, []);
        LoadXmmInto(vector, x);
        SimdSequences.Shift(_asm, op, x, constant, s_t1, s_t0);
        DefXmm(result, x);
    }

    /// <summary>The extending, splat, zero and lane loads: exactly one instruction touches memory (the trap site under guard pages).</summary>
    private void EmitSimdLoad(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        Opcode op = SimdOpcode(d);
        Span<int> args = _f.Args(inst);
        int result = _f.Result(inst);
        Mem address = EffectiveAddress(args[0], (uint)d.Imm, SimdSequences.AccessSize(op), out bool site);
        if (op is >= Opcode.V128Load8Lane and <= Opcode.V128Load64Lane)
        {
            Xmm v = InPlaceDest(result, s_o1, []);
            LoadXmmInto(args[1], v);
            if (site)
            {
                MarkTrapSite();
            }
            SimdSequences.LoadLane(_asm, op, v, address, (byte)d.Imm2);
            DefXmm(result, v);
            return;
        }
        Xmm x = DestXmm(result, s_o1);
        SimdSequences.PrepareLoad(_asm, op, x);
        if (site)
        {
            MarkTrapSite();
        }
        SimdSequences.Load(_asm, op, x, address, s_t0);
        DefXmm(result, x);
    }

    /// <summary>The lane stores; the value is only read.</summary>
    private void EmitSimdStore(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        Opcode op = SimdOpcode(d);
        Span<int> args = _f.Args(inst);
        Xmm value = UseXmm(args[1], s_o1);
        Mem address = EffectiveAddress(args[0], (uint)d.Imm, SimdSequences.AccessSize(op), out bool site);
        if (site)
        {
            MarkTrapSite();
        }
        SimdSequences.Store(_asm, op, address, value, (byte)d.Imm2);
    }
}

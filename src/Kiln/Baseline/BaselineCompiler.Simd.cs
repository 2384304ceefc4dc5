using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// SIMD (v128): the value-stack side of every SIMD instruction; the machine-code sequences are the ones both tiers
/// share (<see cref="SimdSequences"/>), run on registers the value stack hands over (the operands are owned, so the
/// result reuses one of them) with xmm0 and xmm15 as their scratch registers. A v128 value lives in an xmm register
/// like a float (the pool's xmm1..xmm14), is spilled to a 16-byte slot (functions that use v128 get 16-byte slots,
/// <see cref="WideSlotSize"/>), and crosses calls in two consecutive 8-byte slots of the argument area
/// (<see cref="Vm.SlotLayout"/>). A v128 is never a constant on the value stack: v128.const loads it into a register
/// at once. The test instructions (any_true, all_true) leave a pending condition, so a br_if or if right after them
/// branches on the flags without a setcc. The forms used need SSSE3 and SSE4.1 (every x86-64 CPU made since 2008 has
/// them); on a CPU without them a function that uses v128 is refused with an <see cref="UnsupportedFeatureException"/>
/// before any of it is compiled.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    private static readonly Xmm s_simdT0 = Xmm.Xmm0;
    private static readonly Xmm s_simdT1 = Xmm.Xmm15;

    private void Simd(in Instruction ins)
    {
        Opcode op = ins.Opcode;
        switch (op)
        {
            case Opcode.V128Const:
            {
                Xmm x = AllocXmm();
                SimdSequences.LoadConstant(_asm, x, ins.V128.Low, ins.V128.High);
                PushV128(x);
                return;
            }
            case >= Opcode.V128Load and <= Opcode.V128Store:
            case >= Opcode.V128Load8Lane and <= Opcode.V128Load64Zero:
                SimdMemory(in ins);
                return;
            case >= Opcode.I8x16Splat and <= Opcode.F64x2Splat:
                SimdSplat(op);
                return;
            case >= Opcode.I8x16ExtractLaneS and <= Opcode.F64x2ReplaceLane:
                SimdLane(op, (byte)ins.Index);
                return;
            case Opcode.I8x16Shuffle:
            {
                Xmm b = PopV128();
                Xmm a = PopV128();
                Xmm r = SimdSequences.Shuffle(_asm, ins.V128, a, b);
                FreeXmm(r == a ? b : a);
                PushV128(r);
                return;
            }
            case Opcode.V128Bitselect:
            {
                Xmm c = PopV128();
                Xmm v2 = PopV128();
                Xmm v1 = PopV128();
                SimdSequences.Bitselect(_asm, v1, v2, c);
                FreeXmm(c);
                FreeXmm(v2);
                PushV128(v1);
                return;
            }
            case Opcode.V128AnyTrue:
            case Opcode.I8x16AllTrue:
            case Opcode.I16x8AllTrue:
            case Opcode.I32x4AllTrue:
            case Opcode.I64x2AllTrue:
            {
                Xmm a = PopV128();
                Condition cc = SimdSequences.Test(_asm, op, a, s_simdT0);
                FreeXmm(a);
                PushCondition(cc);
                return;
            }
            case Opcode.I8x16Bitmask:
            case Opcode.I16x8Bitmask:
            case Opcode.I32x4Bitmask:
            case Opcode.I64x2Bitmask:
            {
                Xmm a = PopV128();
                Gpr r = AllocGpr();
                SimdSequences.Bitmask(_asm, op, r, a);
                FreeXmm(a);
                PushReg(ValType.I32, r.Index);
                return;
            }
        }
        if (SimdSequences.IsShift(op))
        {
            SimdShift(op);
            return;
        }
        if (ins.Info.Params.Length == 1)
        {
            Xmm x = PopV128();
            if (SimdSequences.TryUnary(_asm, op, x, s_simdT0, s_simdT1))
            {
                PushV128(x);
                return;
            }
        }
        else if (ins.Info.Params.Length == 2)
        {
            Xmm b = PopV128();
            Xmm a = PopV128();
            if (SimdSequences.TryBinary(_asm, op, a, b, s_simdT0, s_simdT1, out Xmm r))
            {
                FreeXmm(r == a ? b : a);
                PushV128(r);
                return;
            }
        }
        throw new UnsupportedFeatureException($"SIMD instruction {ins.Info.Name} at offset 0x{ins.Offset:x} is not supported by the baseline compiler");
    }

    /// <summary>Pops a v128 into an xmm register the caller owns (and may overwrite).</summary>
    private Xmm PopV128() => PopXmm();

    private void PushV128(Xmm x) => PushReg(ValType.V128, x.Index);

    /// <summary>Splats: a constant operand becomes a 128-bit constant; otherwise the scalar is moved in and broadcast.</summary>
    private void SimdSplat(Opcode op)
    {
        ref Val top = ref _stack[_height - 1];
        if (top.Loc == Loc.Const)
        {
            ulong lanes = SimdSequences.SplatConstant(op, top.Bits);
            Pop();
            Xmm c = AllocXmm();
            SimdSequences.LoadConstant(_asm, c, lanes, lanes);
            PushV128(c);
            return;
        }
        if (op is Opcode.F32x4Splat or Opcode.F64x2Splat)
        {
            Xmm f = PopXmm();
            SimdSequences.SplatFloat(_asm, op, f);
            PushV128(f);
            return;
        }
        Gpr r = PopGpr();
        Xmm x = AllocXmm();
        SimdSequences.SplatInteger(_asm, op, x, r, s_simdT0);
        FreeGpr(r);
        PushV128(x);
    }

    /// <summary>extract_lane and replace_lane. A float lane stays in the xmm register it came from.</summary>
    private void SimdLane(Opcode op, byte lane)
    {
        switch (op)
        {
            case Opcode.F32x4ExtractLane:
            case Opcode.F64x2ExtractLane:
            {
                Xmm x = PopV128();
                SimdSequences.ExtractFloatLane(_asm, op, x, lane);
                PushReg(op == Opcode.F32x4ExtractLane ? ValType.F32 : ValType.F64, x.Index);
                return;
            }
            case Opcode.F32x4ReplaceLane:
            case Opcode.F64x2ReplaceLane:
            {
                Xmm f = PopXmm();
                Xmm x = PopV128();
                SimdSequences.ReplaceFloatLane(_asm, op, x, f, lane);
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
                SimdSequences.ReplaceIntegerLane(_asm, op, x, r, lane);
                FreeGpr(r);
                PushV128(x);
                return;
            }
        }
        Xmm v = PopV128();
        Gpr d = AllocGpr();
        SimdSequences.ExtractIntegerLane(_asm, op, d, v, lane);
        FreeXmm(v);
        PushReg(op == Opcode.I64x2ExtractLane ? ValType.I64 : ValType.I32, d.Index);
    }

    /// <summary>The lane shifts: a constant count (Spec: taken modulo the lane width) uses the immediate forms; a variable one goes to xmm15.</summary>
    private void SimdShift(Opcode op)
    {
        ref Val top = ref _stack[_height - 1];
        int? constant = null;
        if (top.Loc == Loc.Const)
        {
            constant = (int)(top.Bits & (uint)(SimdSequences.ShiftLaneBits(op) - 1));
            Pop();
        }
        else
        {
            Gpr r = PopGpr();
            SimdSequences.ShiftCount(_asm, op, r, s_simdT1);
            FreeGpr(r);
        }
        Xmm x = PopV128();
        SimdSequences.Shift(_asm, op, x, constant, s_simdT1, s_simdT0);
        PushV128(x);
    }

    /// <summary>
    /// Loads and stores of v128 and of single lanes. Each touches memory with exactly one instruction, marked as a trap
    /// site under guard pages (<see cref="EffectiveAddress"/>); Spec 4.4.7: the whole access must be in bounds.
    /// </summary>
    private void SimdMemory(in Instruction ins)
    {
        EnsureMemoryRegisters();
        Opcode op = ins.Opcode;
        int size = SimdSequences.AccessSize(op);
        switch (op)
        {
            case Opcode.V128Store:
            case >= Opcode.V128Store8Lane and <= Opcode.V128Store64Lane:
            {
                Xmm value = PopV128();
                Val index = Pop();
                Mem addr = EffectiveAddress(in index, _height, ins.MemOffset, size, out Gpr indexReg, out bool site);
                MarkIf(site);
                SimdSequences.Store(_asm, op, addr, value, (byte)ins.Index);
                FreeXmm(value);
                if (index.Loc != Loc.Const)
                {
                    FreeGpr(indexReg);
                }
                return;
            }
            case >= Opcode.V128Load8Lane and <= Opcode.V128Load64Lane:
            {
                Xmm value = PopV128();
                Val index = Pop();
                Mem addr = EffectiveAddress(in index, _height, ins.MemOffset, size, out Gpr indexReg, out bool site);
                MarkIf(site);
                SimdSequences.LoadLane(_asm, op, value, addr, (byte)ins.Index);
                if (index.Loc != Loc.Const)
                {
                    FreeGpr(indexReg);
                }
                PushV128(value);
                return;
            }
        }
        Val idx = Pop();
        Mem address = EffectiveAddress(in idx, _height, ins.MemOffset, size, out Gpr idxReg, out bool loadSite);
        Xmm x = AllocXmm();
        SimdSequences.PrepareLoad(_asm, op, x);
        MarkIf(loadSite);
        SimdSequences.Load(_asm, op, x, address, s_simdT0);
        if (idx.Loc != Loc.Const)
        {
            FreeGpr(idxReg);
        }
        PushV128(x);
    }
}

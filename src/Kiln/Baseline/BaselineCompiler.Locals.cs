using System.Runtime.CompilerServices;
using Kiln.Jit.X64;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// Register-resident locals. Before compiling a body, one quick scan counts each local's uses,
/// weighting uses inside loops by their depth; the busiest integer and float locals then live in
/// registers of their own for the whole function. Because such a local is in the same register at
/// every instruction, joins and loop headers need no merge moves, which is what a one-pass compiler
/// cannot otherwise give loop-carried values. Calls clobber the registers: a pinned local is written
/// to its frame slot before a call when it changed (write-back) and read back after.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    private const byte NotPinned = 0xFF;

    // Integer locals go to registers no call sequence uses for arguments (s_argRegs), so loading helper
    // arguments never overwrites a pinned local still to be read. rbx and r12 survive helper calls (SysV).
    private static readonly Gpr[] s_pinnableGprs = [Gpr.Rbx, Gpr.R12, Gpr.R10, Gpr.R11];
    private const uint SysVPreservedMask = (1u << 3) | (1u << 12);
    private const int MaxPinnedXmms = 6;

    private byte[] _pinnedReg = new byte[16];
    private long[] _localWeight = new long[16];
    private bool[] _scanIsLoop = new bool[16];
    private readonly int[] _pinnedLocals = new int[16];
    private int _pinnedCount;
    private uint _pinnedGprs;
    private uint _pinnedXmms;
    // Bit k: pinned local _pinnedLocals[k] may differ from its frame slot.
    private uint _pinnedDirty;
    // The pinned local that the next instruction (local.set or local.tee) writes, or -1; set before numeric
    // instructions and loads, which may then compute straight into its register.
    private int _nextSetLocal = -1;
    // The pinned local whose register the current instruction computes into, or -1.
    private int _fused = -1;

    /// <summary>Whether <paramref name="v"/> reads a local that lives in a register (then <see cref="Val.Reg"/> is that register).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsPinned(in Val v) => v.Loc == Loc.Local && _pinnedReg[(int)v.Bits] != NotPinned;

    /// <summary>A value that can be used as a register operand without moving it: a register value or a pinned local.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool InRegister(in Val v) => v.Loc == Loc.Reg || IsPinned(in v);

    private bool IsPinnedGpr(Gpr r) => (_pinnedGprs & (1u << r.Index)) != 0;

    /// <summary>Counts local uses (a use at loop depth d weighs 8^d) and gives the heaviest locals registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ChoosePinnedLocals(FunctionBody body)
    {
        _pinnedCount = 0;
        _pinnedGprs = 0;
        _pinnedXmms = 0;
        _pinnedDirty = 0;
        if (_pinnedReg.Length < _localCount)
        {
            int size = Math.Max(_localCount, _pinnedReg.Length * 2);
            _pinnedReg = new byte[size];
            _localWeight = new long[size];
        }
        _pinnedReg.AsSpan(0, _localCount).Fill(NotPinned);
        if (_localCount == 0)
        {
            return;
        }
        Span<long> weight = _localWeight.AsSpan(0, _localCount);
        weight.Clear();
        var reader = new InstructionReader(body.Code.Span, body.CodeOffset);
        int nesting = 0;
        int loopDepth = 0;
        while (!reader.AtEnd)
        {
            Instruction ins = reader.Read();
            switch (ins.Opcode)
            {
                case Opcode.Block:
                case Opcode.If:
                case Opcode.Loop:
                    if (nesting == _scanIsLoop.Length)
                    {
                        Array.Resize(ref _scanIsLoop, nesting * 2);
                    }
                    bool loop = ins.Opcode == Opcode.Loop;
                    _scanIsLoop[nesting++] = loop;
                    loopDepth += loop ? 1 : 0;
                    break;
                case Opcode.End:
                    if (nesting > 0 && _scanIsLoop[--nesting])
                    {
                        loopDepth--;
                    }
                    break;
                case Opcode.LocalGet:
                case Opcode.LocalSet:
                case Opcode.LocalTee:
                    weight[(int)ins.Index] += 1L << (3 * Math.Min(loopDepth, 6));
                    break;
            }
        }
        for (int i = 0; i < s_pinnableGprs.Length; i++)
        {
            int local = Heaviest(weight, isFloat: false);
            if (local < 0)
            {
                break;
            }
            Pin(local, s_pinnableGprs[i].Index);
            _pinnedGprs |= 1u << s_pinnableGprs[i].Index;
        }
        for (int i = 0; i < MaxPinnedXmms; i++)
        {
            int local = Heaviest(weight, isFloat: true);
            if (local < 0)
            {
                break;
            }
            // From the top of the pool down: temporaries are allocated from the bottom up.
            Pin(local, XmmPoolLast - i);
            _pinnedXmms |= 1u << (XmmPoolLast - i);
        }
    }

    /// <summary>The unpinned local of the kind with the highest weight of at least 2 (used more than once), or -1.</summary>
    private int Heaviest(Span<long> weight, bool isFloat)
    {
        int best = -1;
        long bestWeight = 1;
        for (int i = 0; i < weight.Length; i++)
        {
            ValType t = _localTypes[i];
            bool candidate = isFloat ? IsFloat(t) : t is ValType.I32 or ValType.I64;
            if (candidate && weight[i] > bestWeight && _pinnedReg[i] == NotPinned)
            {
                best = i;
                bestWeight = weight[i];
            }
        }
        return best;
    }

    private void Pin(int local, int reg)
    {
        _pinnedReg[local] = (byte)reg;
        _pinnedLocals[_pinnedCount++] = local;
    }

    private bool ReferencedBelow(int local, int end)
    {
        for (int i = 0; i < end; i++)
        {
            if (_stack[i].Loc == Loc.Local && (int)_stack[i].Bits == local)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Pops the left operand of an instruction that overwrites it. For <c>x = x op y</c> with x pinned and no older
    /// reference to x on the stack, that is x's own register (<see cref="_fused"/> names x); else a fresh copy.
    /// </summary>
    private Gpr PopDestinationGpr()
    {
        _fused = -1;
        ref Val top = ref _stack[_height - 1];
        if (_nextSetLocal >= 0 && IsPinned(in top) && (int)top.Bits == _nextSetLocal && !ReferencedBelow(_nextSetLocal, _height - 1))
        {
            _height--;
            _fused = _nextSetLocal;
            return Gpr.FromIndex(top.Reg);
        }
        return PopGpr();
    }

    /// <summary>Pops an operand the instruction only reads: a pinned local's register as it is (freeing it is a no-op).</summary>
    private Gpr PopReadOnlyGpr()
    {
        ref Val top = ref _stack[_height - 1];
        if (IsPinned(in top))
        {
            _height--;
            return Gpr.FromIndex(top.Reg);
        }
        return PopGpr();
    }

    /// <summary>For a load: the pinned local the next instruction sets, when the load may write its register directly, else -1.</summary>
    private int FusedTarget() => _nextSetLocal >= 0 && !ReferencedBelow(_nextSetLocal, _height) ? _nextSetLocal : -1;

    /// <summary>Pushes a result computed into <paramref name="reg"/>, or a reference to <paramref name="fusedLocal"/> when it was computed into that local's register.</summary>
    private void PushResult(ValType type, int reg, int fusedLocal)
    {
        if (fusedLocal >= 0)
        {
            LocalGet(fusedLocal);
        }
        else
        {
            PushReg(type, reg);
        }
    }

    /// <summary>Prologue: parameters are loaded from the argument area, declared locals start at zero.</summary>
    private void LoadPinnedLocalsOnEntry()
    {
        for (int k = 0; k < _pinnedCount; k++)
        {
            int local = _pinnedLocals[k];
            if (local < _paramCount)
            {
                LoadPinnedFromSlot(local);
            }
            else if (IsFloat(_localTypes[local]))
            {
                Xmm x = Xmm.FromIndex(_pinnedReg[local]);
                _asm.Xorps(x, x);
            }
            else
            {
                Gpr r = Gpr.FromIndex(_pinnedReg[local]);
                _asm.Xor(OperandSize.S32, r, r);
            }
        }
    }

    private void LoadPinnedFromSlot(int local)
    {
        int reg = _pinnedReg[local];
        switch (_localTypes[local])
        {
            case ValType.F32:
                _asm.Movss(Xmm.FromIndex(reg), LocalMem(local));
                break;
            case ValType.F64:
                _asm.Movsd(Xmm.FromIndex(reg), LocalMem(local));
                break;
            default:
                _asm.Mov(SizeOf(_localTypes[local]), Gpr.FromIndex(reg), LocalMem(local));
                break;
        }
    }

    private void MarkPinnedDirty(int local)
    {
        for (int k = 0; k < _pinnedCount; k++)
        {
            if (_pinnedLocals[k] == local)
            {
                _pinnedDirty |= 1u << k;
                return;
            }
        }
    }

    /// <summary>
    /// At a label the paths that meet may differ in which locals changed: assume all did. Called where labels are
    /// bound (loop headers, else, end), including ends reached while skipping unreachable code.
    /// </summary>
    private void MarkAllPinnedDirty() => _pinnedDirty = (1u << _pinnedCount) - 1;

    /// <summary>Before a call: writes changed pinned locals back to their slots.</summary>
    private void SavePinnedLocals()
    {
        for (uint m = _pinnedDirty; m != 0; m &= m - 1)
        {
            int local = _pinnedLocals[System.Numerics.BitOperations.TrailingZeroCount(m)];
            StoreReg(LocalMem(local), _localTypes[local], _pinnedReg[local]);
        }
        _pinnedDirty = 0;
    }

    /// <summary>After a call: reloads the pinned locals whose registers the callee may have changed.</summary>
    private void RestorePinnedLocals(bool sysVCallee)
    {
        for (int k = 0; k < _pinnedCount; k++)
        {
            int local = _pinnedLocals[k];
            int reg = _pinnedReg[local];
            if (sysVCallee && !IsFloat(_localTypes[local]) && (SysVPreservedMask & (1u << reg)) != 0)
            {
                continue;
            }
            LoadPinnedFromSlot(local);
        }
    }
}

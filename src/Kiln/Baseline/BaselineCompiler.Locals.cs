using System.Runtime.CompilerServices;
using Kiln.Jit.X64;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// Register-resident locals. Validation counts each local's uses, weighting uses inside loops by
/// their depth (<see cref="FunctionBody.HotLocals"/>); the busiest integer and float locals then live
/// in registers of their own for the whole function. Because such a local is in the same register at
/// every instruction, joins and loop headers need no merge moves, which is what a one-pass compiler
/// cannot otherwise give loop-carried values. Calls clobber the registers: a pinned local is written
/// to its frame slot before a call when it changed (write-back) and read back after.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    private const byte NotPinned = 0xFF;

    // In order of preference: rbx, r12 (and r13 under guard pages) survive helper calls (SysV); r10 and r11 carry
    // no helper arguments; rdx is not a temporary (division and helper arguments use it, writing a local pinned
    // there back first). Helper calls write pinned locals back before loading argument registers (see CallHelper).
    private static readonly Gpr[] s_pinnableGprs = [Gpr.Rbx, Gpr.R12, Gpr.R10, Gpr.R11, Gpr.Rdx, Gpr.R9, Gpr.R8];
    private static readonly Gpr[] s_pinnableGprsGuarded = [Gpr.Rbx, Gpr.R12, Gpr.R13, Gpr.R10, Gpr.R11, Gpr.Rdx, Gpr.R9, Gpr.R8];
    private const uint SysVPreservedMask = (1u << 3) | (1u << 12) | (1u << 13);
    // Registers left for temporaries. Three is also the least that works: select holds its condition and both
    // operands in registers at once.
    private const int MinTemporaryGprs = 3;
    private const int MaxPinnedXmms = 6;

    private byte[] _pinnedReg = new byte[16];
    // For a pinned local: its position k in _pinnedLocals (the bit of the dirty and unloaded masks).
    private byte[] _pinnedBit = new byte[16];
    private readonly int[] _pinnedLocals = new int[16];
    private int _pinnedCount;
    private uint _pinnedGprs;
    private uint _pinnedXmms;
    // Bit k: pinned local _pinnedLocals[k] may differ from its frame slot.
    private uint _pinnedDirty;
    // Bit k: pinned local _pinnedLocals[k] is only in its slot (a call clobbered the register); loaded when next
    // read and at joins. Never set together with the dirty bit.
    private uint _pinnedUnloaded;
    // The pinned local that the next instruction (local.set or local.tee) writes, or -1; set before numeric
    // instructions and loads, which may then compute straight into its register.
    private int _nextSetLocal = -1;
    // The pinned local whose register the current instruction computes into, or -1.
    private int _fused = -1;
    // FunctionBody.WrittenFirst of the body being compiled: locals written before any read, which need no zeroing.
    private bool[]? _writtenFirst;
    // FunctionBody.ReadOnce of the body being compiled: locals whose one read may take the value from its register.
    private bool[]? _readOnce;
    // FunctionBody.LoopOffsets and LoopWrites of the body being compiled, and the next loop to look at (live loops
    // arrive in increasing offset order; loops in unreachable code are skipped).
    private int[]? _loopOffsets;
    private ulong[]? _loopWrites;
    private int _loopCursor;
    // Locals without a register that were last set to a constant on straight-line code since the last label: local
    // index and bits (a few, the oldest replaced). local.get pushes the constant, which then folds like any other
    // (unoptimized code passes every constant through a local of its own). local.set of a constant stores nothing:
    // the slot is stale (_constLocalStale) until written back, before every label (WriteBackConstLocals) or when the
    // entry is replaced. Labels forget them (AtLabel); calls do not (a callee cannot read or write the caller's locals).
    private const int ConstLocalSlots = 8;
    private readonly int[] _constLocal = new int[ConstLocalSlots];
    private readonly ulong[] _constLocalBits = new ulong[ConstLocalSlots];
    private readonly bool[] _constLocalStale = new bool[ConstLocalSlots];
    private int _constLocalStaleCount;
    private int _constLocalCount;
    private int _constLocalNext;

    /// <summary>Whether <paramref name="v"/> reads a local that lives in a register (then <see cref="Val.Reg"/> is that register).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsPinned(in Val v) => v.Loc == Loc.Local && _pinnedReg[(int)v.Bits] != NotPinned;

    /// <summary>A value that can be used as a register operand without moving it: a register value or a pinned local.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool InRegister(in Val v) => v.Loc == Loc.Reg || IsPinned(in v);

    private bool IsPinnedGpr(Gpr r) => (_pinnedGprs & (1u << r.Index)) != 0;

    /// <summary>
    /// Gives registers to the busiest locals that validation recorded (<see cref="FunctionBody.HotLocals"/>: uses
    /// weighted by loop depth, busiest first). A body that was never validated keeps every local in memory.
    /// </summary>
    private void ChoosePinnedLocals(FunctionBody body)
    {
        _pinnedCount = 0;
        _pinnedGprs = 0;
        _pinnedXmms = 0;
        _pinnedDirty = 0;
        _pinnedUnloaded = 0;
        if (_pinnedReg.Length < _localCount)
        {
            _pinnedReg = new byte[Math.Max(_localCount, _pinnedReg.Length * 2)];
            _pinnedBit = new byte[_pinnedReg.Length];
        }
        _pinnedReg.AsSpan(0, _localCount).Fill(NotPinned);
        _writtenFirst = body.WrittenFirst is { } w && w.Length == _localCount ? w : null;
        _readOnce = body.ReadOnce is { } once && once.Length == _localCount ? once : null;
        _loopOffsets = body.LoopOffsets;
        _loopWrites = body.LoopWrites is { } lw && _loopOffsets is not null && lw.Length == _loopOffsets.Length ? lw : null;
        _loopCursor = 0;
        _constLocalCount = 0;
        _constLocalStaleCount = 0;
        int[]? hot = body.HotLocals;
        if (hot is null)
        {
            return;
        }
        Gpr[] pool = GprPool;
        Gpr[] pinnable = GuardPages ? s_pinnableGprsGuarded : s_pinnableGprs;
        int nextGpr = 0;
        int poolPins = pool.Length - MinTemporaryGprs;
        int xmms = 0;
        foreach (int local in hot)
        {
            if ((uint)local >= (uint)_localCount)
            {
                throw new InternalErrorException($"baseline compiler: hot local {local} out of range");
            }
            if (_readOnce is { } readOnce && readOnce[local])
            {
                // Written once and read once right after: the register state holds it without a store (LocalSet), a
                // register of its own would only add a write-back before calls.
                continue;
            }
            if (IsFloat(_localTypes[local]))
            {
                if (xmms < MaxPinnedXmms)
                {
                    // From the top of the pool down: temporaries are allocated from the bottom up.
                    int reg = XmmPoolLast - xmms++;
                    Pin(local, reg);
                    _pinnedXmms |= 1u << reg;
                }
                continue;
            }
            // The next pinnable register, skipping pool registers once the pool is down to its temporaries.
            while (nextGpr < pinnable.Length && poolPins == 0 && Array.IndexOf(pool, pinnable[nextGpr]) >= 0)
            {
                nextGpr++;
            }
            if (nextGpr == pinnable.Length)
            {
                continue;
            }
            Gpr r = pinnable[nextGpr++];
            if (Array.IndexOf(pool, r) >= 0)
            {
                poolPins--;
            }
            Pin(local, r.Index);
            _pinnedGprs |= 1u << r.Index;
        }
    }

    private void Pin(int local, int reg)
    {
        _pinnedReg[local] = (byte)reg;
        _pinnedBit[local] = (byte)_pinnedCount;
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
    /// Pops the left operand of an instruction that overwrites it. When the result goes straight to a pinned local x
    /// (<c>x = y op z</c>, z not x) and no older reference to x is on the stack, the operand is moved into x's own
    /// register and the instruction computes there (<see cref="_fused"/> names x); else it gets a register of its own.
    /// </summary>
    private Gpr PopDestinationGpr(in Val right)
    {
        _fused = -1;
        int target = _nextSetLocal;
        if (target >= 0 && !IsFloat(_localTypes[target]) && !ReferencedBelow(target, _height - 1)
            && !(right.Loc == Loc.Local && (int)right.Bits == target))
        {
            // x = y op z: copy y into x's register and compute there (z is not x, so it is not overwritten early).
            ref Val top = ref _stack[_height - 1];
            if (top.Loc == Loc.Cond)
            {
                return PopGpr();
            }
            Val left = Pop();
            Gpr x = Gpr.FromIndex(_pinnedReg[target]);
            LoadGpr(x, in left, _height);
            Free(in left);
            _fused = target;
            return x;
        }
        if (target >= 0 && IsPinned(in _stack[_height - 1]) && (int)_stack[_height - 1].Bits == target && !ReferencedBelow(target, _height - 1))
        {
            // x = x op x: already in place.
            _height--;
            _fused = target;
            return Gpr.FromIndex(_pinnedReg[target]);
        }
        return PopGpr();
    }

    /// <summary>
    /// The float form of <see cref="PopDestinationGpr"/>, for add, sub, mul and div: when the result goes straight to a
    /// pinned float local x (<c>x = y op z</c> with z not x, or <c>x = x op x</c>) and no older reference to x is on the
    /// stack, the left operand is moved into x's register and the instruction computes there (an accumulator
    /// <c>sum += a * b</c> is one addsd into sum's register, not a copy out and back).
    /// </summary>
    private Xmm PopDestinationXmm(in Val right)
    {
        _fused = -1;
        int target = _nextSetLocal;
        if (target >= 0 && IsFloat(_localTypes[target]) && !ReferencedBelow(target, _height - 1))
        {
            ref Val top = ref _stack[_height - 1];
            bool rightIsTarget = right.Loc == Loc.Local && (int)right.Bits == target;
            bool leftIsTarget = top.Loc == Loc.Local && (int)top.Bits == target;
            if (!rightIsTarget || leftIsTarget)
            {
                Val left = Pop();
                Xmm x = Xmm.FromIndex(_pinnedReg[target]);
                LoadXmm(x, in left, _height);
                Free(in left);
                _fused = target;
                return x;
            }
        }
        return PopXmm();
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
            // The register holds the local's next value now, not what its slot holds.
            _pinnedUnloaded &= ~(1u << PinnedBitOf(fusedLocal));
            LocalGet(fusedLocal);
        }
        else
        {
            PushReg(type, reg);
        }
    }

    /// <summary>The constant an unpinned local was last set to on this straight-line stretch, if known.</summary>
    private bool TryGetConstLocal(int local, out ulong bits)
    {
        for (int i = 0; i < _constLocalCount; i++)
        {
            if (_constLocal[i] == local)
            {
                bits = _constLocalBits[i];
                return true;
            }
        }
        bits = 0;
        return false;
    }

    /// <summary>
    /// An unpinned local was set: remembers the constant it now holds, its slot stale when <paramref name="stale"/> (no
    /// store was made), or forgets what it held (the new value supersedes a stale constant: no write-back).
    /// </summary>
    private void SetConstLocal(int local, bool isConst, ulong bits, bool stale = false)
    {
        for (int i = 0; i < _constLocalCount; i++)
        {
            if (_constLocal[i] == local)
            {
                _constLocalStaleCount -= _constLocalStale[i] ? 1 : 0;
                if (isConst)
                {
                    _constLocalBits[i] = bits;
                    _constLocalStale[i] = stale;
                    _constLocalStaleCount += stale ? 1 : 0;
                    return;
                }
                _constLocalCount--;
                _constLocal[i] = _constLocal[_constLocalCount];
                _constLocalBits[i] = _constLocalBits[_constLocalCount];
                _constLocalStale[i] = _constLocalStale[_constLocalCount];
                return;
            }
        }
        if (!isConst)
        {
            return;
        }
        int at;
        if (_constLocalCount < ConstLocalSlots)
        {
            at = _constLocalCount++;
        }
        else
        {
            // The oldest entry is replaced: its local goes back to its slot.
            at = _constLocalNext++ % ConstLocalSlots;
            if (_constLocalStale[at])
            {
                StoreConstLocal(at);
                _constLocalStaleCount--;
            }
        }
        _constLocal[at] = local;
        _constLocalBits[at] = bits;
        _constLocalStale[at] = stale;
        _constLocalStaleCount += stale ? 1 : 0;
    }

    /// <summary>Writes the constant of entry <paramref name="i"/> to its local's slot. Moves of immediates only: no register, flags kept.</summary>
    private void StoreConstLocal(int i)
    {
        int local = _constLocal[i];
        ulong bits = _constLocalBits[i];
        Mem slot = LocalMem(local);
        if (SizeOf(_localTypes[local]) == OperandSize.S32)
        {
            _asm.Mov(OperandSize.S32, slot, unchecked((int)(uint)bits));
        }
        else if ((long)bits == (int)(long)bits)
        {
            _asm.Mov(OperandSize.S64, slot, (int)(long)bits);
        }
        else
        {
            _asm.Mov(OperandSize.S32, slot, unchecked((int)(uint)bits));
            _asm.Mov(OperandSize.S32, slot.Offset(4), unchecked((int)(uint)(bits >> 32)));
        }
    }

    /// <summary>Before a label: writes every stale constant local to its slot; the constants stay known until the label.</summary>
    private void WriteBackConstLocals()
    {
        for (int i = 0; i < _constLocalCount && _constLocalStaleCount != 0; i++)
        {
            if (_constLocalStale[i])
            {
                StoreConstLocal(i);
                _constLocalStale[i] = false;
                _constLocalStaleCount--;
            }
        }
    }

    /// <summary>The locals are dead (return, unreachable, the function's end): stale constants are dropped unwritten.</summary>
    private void DropConstLocals()
    {
        _constLocalCount = 0;
        _constLocalStaleCount = 0;
    }

    /// <summary>Whether the local is written before any read (<see cref="FunctionBody.WrittenFirst"/>): it needs no zeroing.</summary>
    private bool IsWrittenFirst(int local) => _writtenFirst is { } w && w[local];

    /// <summary>
    /// Prologue: zeroes the slots of the declared locals that may be read before they are written; pinned locals are
    /// zeroed in their registers instead (<see cref="LoadPinnedLocalsOnEntry"/>). A few are stored one by one, many
    /// with a loop over all slots. Unoptimized code, whose hundreds of locals each hold one intermediate value written
    /// before it is read, zeroes few or none.
    /// </summary>
    private void ZeroDeclaredLocals()
    {
        // SECURITY: a slot left unzeroed holds whatever an earlier frame left there. Wasm cannot read it: validation
        // marks a local only when its first access is a write outside every block, loop and if in reachable code,
        // so every path to any read passes through that write (FunctionValidator.CountLocalSet), and the
        // compiler's own reads of a slot (reloading a pinned local after a call) only refill a register that Wasm
        // reads after the write.
        int count = 0, first = -1, last = -1;
        for (int i = _paramCount; i < _localCount; i++)
        {
            if (_pinnedReg[i] == NotPinned && !IsWrittenFirst(i))
            {
                count++;
                first = first < 0 ? i : first;
                last = i;
            }
        }
        if (count == 0)
        {
            return;
        }
        if (count <= 12)
        {
            for (int i = _paramCount; i < _localCount; i++)
            {
                if (_pinnedReg[i] == NotPinned && !IsWrittenFirst(i))
                {
                    _asm.Mov(OperandSize.S64, LocalMem(i), 0);
                    if (_localTypes[i] == ValType.V128)
                    {
                        _asm.Mov(OperandSize.S64, LocalMem(i).Offset(8), 0);
                    }
                }
            }
            return;
        }
        // The slots from the first to the last local that needs it (later locals lie lower in the frame).
        Label loop = _asm.CreateLabel();
        _asm.Xor(OperandSize.S32, Gpr.Rax, Gpr.Rax);
        _asm.Lea(OperandSize.S64, Gpr.Rdi, LocalMem(last));
        _asm.Mov(OperandSize.S32, Gpr.Rcx, (last - first + 1) * (_slotSize / 8));
        _asm.Bind(loop);
        _asm.Mov(OperandSize.S64, Mem.At(Gpr.Rdi), Gpr.Rax);
        _asm.Add(OperandSize.S64, Gpr.Rdi, 8);
        _asm.Dec(OperandSize.S32, Gpr.Rcx);
        _asm.Jcc(Condition.NotZero, loop);
    }

    /// <summary>
    /// Prologue: parameters are loaded from the argument area; declared locals start as zeroed registers, marked
    /// changed because the prologue leaves the slots of pinned locals alone when it zeroes few locals one by one.
    /// A local written before any read starts as it is: neither its register nor its slot is read before the write.
    /// </summary>
    private void LoadPinnedLocalsOnEntry()
    {
        for (int k = 0; k < _pinnedCount; k++)
        {
            int local = _pinnedLocals[k];
            if (local < _paramCount)
            {
                LoadPinnedFromSlot(local);
                continue;
            }
            if (IsWrittenFirst(local))
            {
                continue;
            }
            _pinnedDirty |= 1u << k;
            if (IsFloat(_localTypes[local]))
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

    private int PinnedBitOf(int local) => _pinnedBit[local];

    /// <summary>The local's register was written (local.set/tee): it is loaded and differs from its slot.</summary>
    private void MarkPinnedDirty(int local)
    {
        int k = PinnedBitOf(local);
        _pinnedDirty |= 1u << k;
        _pinnedUnloaded &= ~(1u << k);
    }

    /// <summary>Before a pinned local's register is read: reloads it if a call left it only in its slot.</summary>
    private void EnsurePinnedLoaded(int local)
    {
        if (_pinnedUnloaded != 0)
        {
            int k = PinnedBitOf(local);
            if ((_pinnedUnloaded & (1u << k)) != 0)
            {
                LoadPinnedFromSlot(local);
                _pinnedUnloaded &= ~(1u << k);
            }
        }
    }

    private void LoadUnloadedPinnedLocals()
    {
        for (uint m = _pinnedUnloaded; m != 0; m &= m - 1)
        {
            LoadPinnedFromSlot(_pinnedLocals[System.Numerics.BitOperations.TrailingZeroCount(m)]);
        }
        _pinnedUnloaded = 0;
    }

    private uint AllPinned => (1u << _pinnedCount) - 1;

    /// <summary>
    /// Entering the loop at <paramref name="offset"/> (before its header is bound): the pinned locals that may differ
    /// from their slots at the header are those the loop writes anywhere (<see cref="FunctionBody.LoopWrites"/>),
    /// which its back edges may bring changed; without a record, all. A changed local that the loop does not write
    /// is written back here, once per entry, so that its slot stays current through the loop and calls in the loop
    /// need not store it on every iteration.
    /// </summary>
    private uint LoopHeaderDirty(int offset)
    {
        if (_loopWrites is null)
        {
            return AllPinned;
        }
        int[] offsets = _loopOffsets!;
        while (_loopCursor < offsets.Length && offsets[_loopCursor] < offset)
        {
            _loopCursor++;
        }
        if (_loopCursor == offsets.Length || offsets[_loopCursor] != offset)
        {
            return AllPinned;
        }
        ulong writes = _loopWrites[_loopCursor];
        uint dirty = 0;
        for (int k = 0; k < _pinnedCount; k++)
        {
            int local = _pinnedLocals[k];
            if ((writes & (1UL << (local & 63))) != 0)
            {
                dirty |= 1u << k;
            }
            else if ((_pinnedDirty & (1u << k)) != 0)
            {
                StoreReg(LocalMem(local), _localTypes[local], _pinnedReg[local]);
            }
        }
        return dirty;
    }

    /// <summary>
    /// At a label the locals changed on any path into it are dirty (<c>Dirty</c> of the frame gathers them from
    /// forward branches; a loop header, whose back edges come later, takes <see cref="LoopHeaderDirty"/>). Called where labels are bound
    /// (loop headers, else, end), including ends reached while skipping unreachable code.
    /// </summary>
    private void AtLabel(uint dirty)
    {
        // Every path into the label wrote stale constants back (WriteBackConstLocals), or the code before it is dead.
        DropConstLocals();
        _pinnedDirty = dirty;
        // Every jump to a label and every fall into one loads what is loaded lazily (LoadForJoin).
        _pinnedUnloaded = 0;
        _memoryRegistersStale = false;
    }

    /// <summary>
    /// Before a call: writes changed pinned locals back to their slots, so every pinned local's slot is current.
    /// Stores only; done before any argument register is written.
    /// </summary>
    private void SavePinnedLocals()
    {
        for (uint m = _pinnedDirty; m != 0; m &= m - 1)
        {
            int local = _pinnedLocals[System.Numerics.BitOperations.TrailingZeroCount(m)];
            StoreReg(LocalMem(local), _localTypes[local], _pinnedReg[local]);
        }
        _pinnedDirty = 0;
    }

    /// <summary>
    /// Before an instruction sequence that uses <paramref name="r"/> as a fixed register (division's rdx): writes back
    /// the local pinned there, if any, and returns it so <see cref="LoadPinnedFromSlot"/> can bring it back; else -1.
    /// </summary>
    private int VacatePinnedRegister(Gpr r)
    {
        if (!IsPinnedGpr(r))
        {
            return -1;
        }
        for (int k = 0; k < _pinnedCount; k++)
        {
            int local = _pinnedLocals[k];
            if (_pinnedReg[local] == r.Index && !IsFloat(_localTypes[local]))
            {
                if ((_pinnedDirty & (1u << k)) != 0)
                {
                    StoreReg(LocalMem(local), _localTypes[local], r.Index);
                    _pinnedDirty &= ~(1u << k);
                }
                // Brought back from the slot afterwards either way.
                _pinnedUnloaded &= ~(1u << k);
                return local;
            }
        }
        throw new InternalErrorException("baseline compiler: a pinned register without its local");
    }

    /// <summary>
    /// After a call: the pinned locals whose registers the callee may have changed are reloaded when next read, except
    /// those the value stack still refers to, which are reloaded now.
    /// </summary>
    private void RestorePinnedLocals(bool sysVCallee)
    {
        if (_pinnedCount == 0)
        {
            return;
        }
        uint referenced = 0;
        for (int i = 0; i < _height; i++)
        {
            if (IsPinned(in _stack[i]))
            {
                referenced |= 1u << _pinnedBit[(int)_stack[i].Bits];
            }
        }
        for (int k = 0; k < _pinnedCount; k++)
        {
            int local = _pinnedLocals[k];
            int reg = _pinnedReg[local];
            if (sysVCallee && !IsFloat(_localTypes[local]) && (SysVPreservedMask & (1u << reg)) != 0)
            {
                continue;
            }
            if ((referenced & (1u << k)) != 0)
            {
                LoadPinnedFromSlot(local);
            }
            else
            {
                _pinnedUnloaded |= 1u << k;
            }
        }
    }
}

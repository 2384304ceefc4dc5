using System.Runtime.CompilerServices;
using Kiln.Jit.X64;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>The abstract value stack and the register cache.</summary>
internal sealed unsafe partial class BaselineCompiler
{
    // Registers values may live in. rax, rcx and xmm0/xmm15 are scratch (addresses, shifts, helper calls); rdx is
    // division's and may hold a pinned local; r14, r15, rbp (and r13 with explicit bounds checks) hold the ABI state.
    // Pinned locals take some of the pool for a whole function.
    private static readonly Gpr[] s_gprPool = [Gpr.Rsi, Gpr.Rdi, Gpr.R8, Gpr.R9, Gpr.Rbx, Gpr.R12, Gpr.R10, Gpr.R11];
    // Guard pages need no memory length, so r13 joins the pool.
    private static readonly Gpr[] s_gprPoolGuarded = [.. s_gprPool, Gpr.R13];

    private Gpr[] GprPool => GuardPages ? s_gprPoolGuarded : s_gprPool;
    private const int XmmPoolFirst = 1;
    private const int XmmPoolLast = 14;

    private Val[] _stack = new Val[64];
    private int _height;
    private int _maxHeight;
    private uint _gprUsed;
    private uint _xmmUsed;
    private bool _condPending;
    private Condition _cond;

    // The register state of locals without a register of their own: xmm register i (gpr register i) holds local
    // _xmmCacheLocal[i] (_gprCacheLocal[i]) when bit i of _xmmCached (_gprCached) is set. When bit i of _xmmStale
    // (_gprStale) is set too, the local's slot is stale (local.set/tee wrote only the register) and the register must
    // be written back before it is given up: when the register is taken for something else, before calls and helpers,
    // and before every label (jumps and falls into it), so that at every label each local is in its slot. A local may
    // also be a known constant with its slot stale (TryGetConstLocal, written back before labels). Locals that are
    // neither cached nor constant are in their slots. Cached registers are marked used, so
    // nothing else allocates or overwrites them while they are cached.
    private readonly int[] _xmmCacheLocal = new int[16];
    private uint _xmmCached;
    private uint _xmmStale;
    private readonly int[] _gprCacheLocal = new int[16];
    private uint _gprCached;
    private uint _gprStale;

    private enum Loc : byte
    {
        Const,
        Reg,
        Stack,
        Cond,
        /// <summary>The current value of local <see cref="Val.Bits"/>, read from its frame slot when used (local.get is free).</summary>
        Local,
    }

    /// <summary>One operand: where it lives. i32 values in registers are always zero-extended to 64 bits.</summary>
    private struct Val
    {
        public Loc Loc;
        public ValType Type;
        public byte Reg;
        public ulong Bits;
    }

    private void ResetFunctionState()
    {
        _height = 0;
        _maxHeight = 0;
        // Pinned locals own their registers for the whole function.
        _gprUsed = _pinnedGprs;
        _xmmUsed = _pinnedXmms;
        _xmmCached = 0;
        _gprCached = 0;
        _xmmStale = 0;
        _gprStale = 0;
        _condPending = false;
        _maxOutgoing = 0;
    }

    private ref Val Push(ValType type, Loc loc)
    {
        if (_height == _stack.Length)
        {
            Array.Resize(ref _stack, _height * 2);
        }
        ref Val v = ref _stack[_height++];
        if (_height > _maxHeight)
        {
            _maxHeight = _height;
        }
        v.Type = type;
        v.Loc = loc;
        v.Reg = 0;
        v.Bits = 0;
        return ref v;
    }

    private void PushConst(ValType type, ulong bits) => Push(type, Loc.Const).Bits = bits;

    private void PushReg(ValType type, int reg) => Push(type, Loc.Reg).Reg = (byte)reg;

    private void PushStack(ValType type) => Push(type, Loc.Stack);

    /// <summary>A value read from memory where used: a spill slot, or a local that has no register.</summary>
    private bool InMemory(in Val v) => v.Loc == Loc.Stack || (v.Loc == Loc.Local && _pinnedReg[(int)v.Bits] == NotPinned);

    /// <summary>Where a value in memory is: its spill slot, or its local's slot.</summary>
    private Mem MemOf(in Val v, int position) => v.Loc == Loc.Local ? LocalMem((int)v.Bits) : SlotMem(position);

    private void PushCondition(Condition cc)
    {
        Push(ValType.I32, Loc.Cond);
        _cond = cc;
        _condPending = true;
    }

    /// <summary>Pops the top value without touching registers (the caller owns a popped register).</summary>
    private Val Pop()
    {
        Val v = _stack[--_height];
        if (v.Loc == Loc.Cond)
        {
            _condPending = false;
        }
        return v;
    }

    private void Drop()
    {
        Val v = Pop();
        Free(in v);
    }

    private void Free(in Val v)
    {
        if (v.Loc != Loc.Reg)
        {
            return;
        }
        if (IsXmm(v.Type))
        {
            FreeXmm(Xmm.FromIndex(v.Reg));
        }
        else
        {
            FreeGpr(Gpr.FromIndex(v.Reg));
        }
    }

    // A pinned local's register is never released, even by a caller that treats an operand as its own.
    private void FreeGpr(Gpr r) => _gprUsed &= ~(1u << r.Index) | _pinnedGprs;

    private void FreeXmm(Xmm r) => _xmmUsed &= ~(1u << r.Index) | _pinnedXmms;

    private Gpr AllocGpr()
    {
        while (true)
        {
            foreach (Gpr r in GprPool)
            {
                if ((_gprUsed & (1u << r.Index)) == 0)
                {
                    _gprUsed |= 1u << r.Index;
                    return r;
                }
            }
            if (_gprCached != 0)
            {
                // A cached local is cheaper to give up than a value: one whose slot is current costs nothing, else a store.
                uint clean = _gprCached & ~_gprStale;
                int victim = System.Numerics.BitOperations.TrailingZeroCount(clean != 0 ? clean : _gprCached);
                UncacheRegister(victim, isFloat: false, writeBack: true);
                continue;
            }
            SpillOldest(isFloat: false);
        }
    }

    private Xmm AllocXmm()
    {
        while (true)
        {
            for (int i = XmmPoolFirst; i <= XmmPoolLast; i++)
            {
                if ((_xmmUsed & (1u << i)) == 0)
                {
                    _xmmUsed |= 1u << i;
                    return Xmm.FromIndex(i);
                }
            }
            if (_xmmCached != 0)
            {
                // A cached local is cheaper to give up than a value: one whose slot is current costs nothing, else a store.
                uint clean = _xmmCached & ~_xmmStale;
                int victim = System.Numerics.BitOperations.TrailingZeroCount(clean != 0 ? clean : _xmmCached);
                UncacheRegister(victim, isFloat: true, writeBack: true);
                continue;
            }
            SpillOldest(isFloat: true);
        }
    }

    /// <summary>Frees a register by spilling the deepest value that holds one (the one needed last).</summary>
    private void SpillOldest(bool isFloat)
    {
        for (int i = 0; i < _height; i++)
        {
            if (_stack[i].Loc == Loc.Reg && IsXmm(_stack[i].Type) == isFloat)
            {
                Spill(i);
                return;
            }
        }
        throw new InternalErrorException("baseline compiler: no register can be spilled");
    }

    /// <summary>Moves a register value to its slot. Only moves: flags survive (a pending compare may be live).</summary>
    private void Spill(int position)
    {
        ref Val v = ref _stack[position];
        if (v.Loc == Loc.Reg)
        {
            StoreReg(SlotMem(position), v.Type, v.Reg);
            Free(in v);
            v.Loc = Loc.Stack;
        }
    }

    /// <summary>Spills every register value in [start, end); constants stay. Local references stay unless <paramref name="locals"/> (block entries: the local may change inside).</summary>
    private void SpillRange(int start, int end, bool locals = false)
    {
        // Every caller is a call, a helper or a block entry: registers are clobbered or control may join.
        ForgetCachedLocals();
        for (int i = start; i < end; i++)
        {
            ref Val v = ref _stack[i];
            if (v.Loc == Loc.Reg)
            {
                Spill(i);
            }
            else if (locals && v.Loc == Loc.Local)
            {
                StoreValue(SlotMem(i), in v, i, s_scratch);
                v.Loc = Loc.Stack;
            }
        }
    }

    /// <summary>Puts every value of [start, end) in its slot, constants included (loop headers, if arms).</summary>
    private void MaterializeRange(int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            ref Val v = ref _stack[i];
            if (v.Loc == Loc.Reg)
            {
                Spill(i);
            }
            else if (v.Loc is Loc.Const or Loc.Local)
            {
                StoreValue(SlotMem(i), in v, i, s_scratch);
                v.Loc = Loc.Stack;
            }
        }
    }

    private void StoreReg(Mem dst, ValType type, int reg)
    {
        switch (type)
        {
            case ValType.F32:
                _asm.Movss(dst, Xmm.FromIndex(reg));
                break;
            case ValType.F64:
                _asm.Movsd(dst, Xmm.FromIndex(reg));
                break;
            case ValType.V128:
                _asm.Movdqu(dst, Xmm.FromIndex(reg));
                break;
            default:
                _asm.Mov(SizeOf(type), dst, Gpr.FromIndex(reg));
                break;
        }
    }

    /// <summary>Stores <paramref name="v"/> (at stack position <paramref name="position"/>) to <paramref name="dst"/>; uses <paramref name="scratch"/> for memory-to-memory and wide constants. Moves only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StoreValue(Mem dst, in Val v, int position, Gpr scratch)
    {
        switch (v.Loc)
        {
            case Loc.Reg:
                StoreReg(dst, v.Type, v.Reg);
                return;
            case Loc.Const when v.Type == ValType.V128:
                throw new InternalErrorException("baseline compiler: a v128 constant on the value stack");
            case Loc.Const:
                if (SizeOf(v.Type) == OperandSize.S32)
                {
                    _asm.Mov(OperandSize.S32, dst, unchecked((int)(uint)v.Bits));
                }
                else if ((long)v.Bits == (int)(long)v.Bits)
                {
                    _asm.Mov(OperandSize.S64, dst, (int)(long)v.Bits);
                }
                else
                {
                    _asm.MovImm(scratch, (long)v.Bits);
                    _asm.Mov(OperandSize.S64, dst, scratch);
                }
                return;
            case Loc.Local when IsPinned(in v):
                StoreReg(dst, v.Type, v.Reg);
                return;
            case Loc.Stack:
            case Loc.Local:
            {
                Mem src = MemOf(in v, position);
                if (src == dst)
                {
                    return;
                }
                OperandSize size = SizeOf(v.Type);
                _asm.Mov(size, scratch, src);
                _asm.Mov(size, dst, scratch);
                if (v.Type == ValType.V128)
                {
                    // Through the integer scratch, 8 bytes at a time: no xmm register need be free here.
                    _asm.Mov(size, scratch, src.Offset(8));
                    _asm.Mov(size, dst.Offset(8), scratch);
                }
                return;
            }
            default:
                throw new InternalErrorException("baseline compiler: a condition reached a store");
        }
    }

    /// <summary>Loads <paramref name="v"/> into integer register <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LoadGpr(Gpr dst, in Val v, int position)
    {
        switch (v.Loc)
        {
            case Loc.Reg:
                if (v.Reg != dst.Index)
                {
                    _asm.Mov(OperandSize.S64, dst, Gpr.FromIndex(v.Reg));
                }
                return;
            case Loc.Const:
                _asm.MovImm(dst, (long)v.Bits);
                return;
            case Loc.Local when IsPinned(in v):
                if (v.Reg != dst.Index)
                {
                    _asm.Mov(OperandSize.S64, dst, Gpr.FromIndex(v.Reg));
                }
                return;
            case Loc.Stack:
            case Loc.Local:
                _asm.Mov(SizeOf(v.Type), dst, MemOf(in v, position));
                return;
            default:
                throw new InternalErrorException("baseline compiler: an unmaterialized condition");
        }
    }

    /// <summary>Loads a value of xmm type <paramref name="type"/> from memory (v128: unaligned, 16 bytes).</summary>
    private void LoadXmmFrom(Xmm dst, ValType type, Mem src)
    {
        switch (type)
        {
            case ValType.F32:
                _asm.Movss(dst, src);
                break;
            case ValType.F64:
                _asm.Movsd(dst, src);
                break;
            default:
                _asm.Movdqu(dst, src);
                break;
        }
    }

    private void LoadXmm(Xmm dst, in Val v, int position)
    {
        bool f32 = v.Type == ValType.F32;
        switch (v.Loc)
        {
            case Loc.Reg:
                if (v.Reg != dst.Index)
                {
                    _asm.Movaps(dst, Xmm.FromIndex(v.Reg));
                }
                return;
            case Loc.Const:
                if (v.Bits == 0)
                {
                    _asm.Xorps(dst, dst);
                }
                else if (f32)
                {
                    _asm.Movss(dst, _asm.ConstF32(BitConverter.UInt32BitsToSingle((uint)v.Bits)));
                }
                else
                {
                    _asm.Movsd(dst, _asm.ConstF64(BitConverter.UInt64BitsToDouble(v.Bits)));
                }
                return;
            case Loc.Local when IsPinned(in v):
                if (v.Reg != dst.Index)
                {
                    _asm.Movaps(dst, Xmm.FromIndex(v.Reg));
                }
                return;
            case Loc.Stack:
            case Loc.Local:
                LoadXmmFrom(dst, v.Type, MemOf(in v, position));
                return;
            default:
                throw new InternalErrorException("baseline compiler: a condition in a float register");
        }
    }

    /// <summary>Pops the top value into an integer register the caller then owns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Gpr PopGpr()
    {
        if (_condPending && _stack[_height - 1].Loc == Loc.Cond)
        {
            MaterializeCondition();
        }
        Val v = Pop();
        if (v.Loc == Loc.Reg)
        {
            return Gpr.FromIndex(v.Reg);
        }
        Gpr r = AllocGpr();
        LoadGpr(r, in v, _height);
        return r;
    }

    private Xmm PopXmm()
    {
        Val v = Pop();
        if (v.Loc == Loc.Reg)
        {
            return Xmm.FromIndex(v.Reg);
        }
        Xmm r = AllocXmm();
        LoadXmm(r, in v, _height);
        return r;
    }

    /// <summary>Puts the value at <paramref name="position"/> (a local reference or a slot) into a register of its own. Moves only.</summary>
    private void LoadIntoRegister(int position)
    {
        ref Val v = ref _stack[position];
        if (IsXmm(v.Type))
        {
            Xmm x = AllocXmm();
            LoadXmm(x, in v, position);
            v.Reg = (byte)x.Index;
        }
        else
        {
            Gpr r = AllocGpr();
            LoadGpr(r, in v, position);
            v.Reg = (byte)r.Index;
        }
        v.Loc = Loc.Reg;
    }

    /// <summary>Turns the pending compare (flags) into a 0/1 value in a register.</summary>
    private void MaterializeCondition()
    {
        _condPending = false;
        ref Val v = ref _stack[_height - 1];
        Gpr r = AllocGpr();
        _asm.Setcc(_cond, r);
        _asm.Movzx(OperandSize.S32, r, OperandSize.S8, r);
        v.Loc = Loc.Reg;
        v.Reg = (byte)r.Index;
    }

    /// <summary>Drops values above <paramref name="height"/>, releasing their registers.</summary>
    private void Truncate(int height)
    {
        while (_height > height)
        {
            Val v = Pop();
            Free(in v);
        }
        _condPending = false;
    }

    /// <summary>
    /// Drops every cached local (before labels, calls and helpers: the registers may not hold them there), first writing
    /// back those whose slots are stale, unless the locals are dead (<paramref name="writeBack"/> false: return,
    /// unreachable, the function's end). Stores only: the flags survive (a pending compare may be live).
    /// </summary>
    private void ForgetCachedLocals(bool writeBack = true)
    {
        if (writeBack)
        {
            WriteBackStaleLocals();
        }
        _xmmUsed &= ~_xmmCached;
        _xmmCached = 0;
        _xmmStale = 0;
        _gprUsed &= ~_gprCached;
        _gprCached = 0;
        _gprStale = 0;
    }

    /// <summary>Writes every local whose slot is stale back from its register; the registers stay cached, now clean.</summary>
    private void WriteBackStaleLocals()
    {
        for (uint m = _gprStale; m != 0; m &= m - 1)
        {
            int reg = System.Numerics.BitOperations.TrailingZeroCount(m);
            int local = _gprCacheLocal[reg];
            StoreReg(LocalMem(local), _localTypes[local], reg);
        }
        _gprStale = 0;
        for (uint m = _xmmStale; m != 0; m &= m - 1)
        {
            int reg = System.Numerics.BitOperations.TrailingZeroCount(m);
            int local = _xmmCacheLocal[reg];
            StoreReg(LocalMem(local), _localTypes[local], reg);
        }
        _xmmStale = 0;
    }

    /// <summary>Register <paramref name="reg"/> no longer holds its local; with <paramref name="writeBack"/>, a stale slot is written first. The register is freed.</summary>
    private void UncacheRegister(int reg, bool isFloat, bool writeBack)
    {
        uint bit = 1u << reg;
        if (isFloat)
        {
            if (writeBack && (_xmmStale & bit) != 0)
            {
                int local = _xmmCacheLocal[reg];
                StoreReg(LocalMem(local), _localTypes[local], reg);
            }
            _xmmCached &= ~bit;
            _xmmStale &= ~bit;
            _xmmUsed &= ~bit;
        }
        else
        {
            if (writeBack && (_gprStale & bit) != 0)
            {
                int local = _gprCacheLocal[reg];
                StoreReg(LocalMem(local), _localTypes[local], reg);
            }
            _gprCached &= ~bit;
            _gprStale &= ~bit;
            _gprUsed &= ~bit;
        }
    }

    /// <summary>The register caching <paramref name="index"/> (an xmm register for a float local), or -1.</summary>
    private int CachedRegisterOf(int index, bool isFloat)
    {
        int[] locals = isFloat ? _xmmCacheLocal : _gprCacheLocal;
        for (uint m = isFloat ? _xmmCached : _gprCached; m != 0; m &= m - 1)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(m);
            if (locals[i] == index)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The local is being set: its old register copy is dropped without a write-back (the new value supersedes it).</summary>
    private void ForgetCachedLocal(int index, bool isFloat)
    {
        int i = CachedRegisterOf(index, isFloat);
        if (i >= 0)
        {
            UncacheRegister(i, isFloat, writeBack: false);
        }
    }

    /// <summary>
    /// local.get emits nothing: the value is read from the local's slot where it is used (or from its own register, for a
    /// pinned local). A local whose value is in a register (set or teed since the last label or call, its slot possibly
    /// stale) is copied from it instead, never read from the slot.
    /// </summary>
    private void LocalGet(int index)
    {
        ValType type = _localTypes[index];
        if (_pinnedReg[index] != NotPinned)
        {
            EnsurePinnedLoaded(index);
            ref Val pinned = ref Push(type, Loc.Local);
            pinned.Bits = (ulong)index;
            pinned.Reg = _pinnedReg[index];
            return;
        }
        if (_constLocalCount != 0 && TryGetConstLocal(index, out ulong constant))
        {
            if (_readOnce is { } readOnce && readOnce[index])
            {
                // The only read: the local is dropped, its slot never written.
                SetConstLocal(index, false, 0);
            }
            PushConst(type, constant);
            return;
        }
        bool isFloat = IsXmm(type);
        if ((isFloat ? _xmmCached : _gprCached) != 0)
        {
            int cached = CachedRegisterOf(index, isFloat);
            if (cached >= 0 && _readOnce is { } once && once[index])
            {
                // The local's only read: the register becomes the value, and the local, never read again, is dropped
                // with its slot left stale.
                UncacheRegister(cached, isFloat, writeBack: false);
                MarkUsed(cached, isFloat);
                PushReg(type, cached);
                return;
            }
            int copy = cached >= 0 ? TryAllocFree(isFloat) : -1;
            if (cached >= 0 && copy < 0)
            {
                // No free register for a copy: the cached register itself becomes the value, written back first when
                // the slot is stale, so a later read of the local loads it from there.
                UncacheRegister(cached, isFloat, writeBack: true);
                MarkUsed(cached, isFloat);
                PushReg(type, cached);
                return;
            }
            if (copy >= 0)
            {
                if (isFloat)
                {
                    _asm.Movaps(Xmm.FromIndex(copy), Xmm.FromIndex(cached));
                }
                else
                {
                    _asm.Mov(OperandSize.S64, Gpr.FromIndex(copy), Gpr.FromIndex(cached));
                }
                PushReg(type, copy);
                return;
            }
        }
        Push(type, Loc.Local).Bits = (ulong)index;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LocalSet(int index, bool tee)
    {
        ref Val top = ref _stack[_height - 1];
        if (top.Loc == Loc.Cond)
        {
            MaterializeCondition();
        }
        // Older references to this local must keep the old value: load them first (moves only).
        for (int i = 0; i < _height - 1; i++)
        {
            ref Val v = ref _stack[i];
            if (v.Loc == Loc.Local && (int)v.Bits == index)
            {
                LoadIntoRegister(i);
            }
        }
        if (_pinnedReg[index] != NotPinned)
        {
            SetPinnedLocal(index, tee);
            return;
        }
        ValType localType = _localTypes[index];
        if (localType is ValType.I32 or ValType.I64 or ValType.F32 or ValType.F64 or ValType.V128)
        {
            bool isFloat = IsXmm(localType);
            // The old register copy, stale or not, is superseded.
            ForgetCachedLocal(index, isFloat);
            ref Val value = ref _stack[_height - 1];
            if (value.Loc == Loc.Reg)
            {
                // The local now lives in a register with its slot stale: no store (written back only when needed).
                SetConstLocal(index, false, 0);
                if (!tee)
                {
                    // The register stays used and now belongs to the local.
                    CacheLocal(index, Pop().Reg, isFloat);
                    return;
                }
                // Only a free register: allocating could spill the very value being copied.
                int copy = TryAllocFree(isFloat);
                if (copy >= 0)
                {
                    if (isFloat)
                    {
                        _asm.Movaps(Xmm.FromIndex(copy), Xmm.FromIndex(value.Reg));
                    }
                    else
                    {
                        _asm.Mov(OperandSize.S64, Gpr.FromIndex(copy), Gpr.FromIndex(value.Reg));
                    }
                    CacheLocal(index, copy, isFloat);
                    return;
                }
            }
        }
        ref Val stored = ref _stack[_height - 1];
        if (stored.Loc == Loc.Const && localType != ValType.V128)
        {
            // The local now reads as the constant; its slot is stale until written back (before a label).
            SetConstLocal(index, true, stored.Bits, stale: true);
        }
        else
        {
            StoreValue(LocalMem(index), in stored, _height - 1, s_scratch);
            SetConstLocal(index, false, 0);
        }
        if (!tee)
        {
            Drop();
        }
    }

    /// <summary>local.set/tee of a pinned local: the value moves into the local's register; tee leaves a reference to the local.</summary>
    private void SetPinnedLocal(int index, bool tee)
    {
        Val value = Pop();
        int reg = _pinnedReg[index];
        if (IsFloat(value.Type))
        {
            LoadXmm(Xmm.FromIndex(reg), in value, _height);
        }
        else
        {
            LoadGpr(Gpr.FromIndex(reg), in value, _height);
        }
        Free(in value);
        MarkPinnedDirty(index);
        if (tee)
        {
            LocalGet(index);
        }
    }

    /// <summary>A free register (xmm for floats) marked used, or -1; never evicts or spills.</summary>
    private int TryAllocFree(bool isFloat)
    {
        if (isFloat)
        {
            for (int i = XmmPoolFirst; i <= XmmPoolLast; i++)
            {
                if ((_xmmUsed & (1u << i)) == 0)
                {
                    _xmmUsed |= 1u << i;
                    return i;
                }
            }
            return -1;
        }
        foreach (Gpr r in GprPool)
        {
            if ((_gprUsed & (1u << r.Index)) == 0)
            {
                _gprUsed |= 1u << r.Index;
                return r.Index;
            }
        }
        return -1;
    }

    /// <summary>Register <paramref name="reg"/> (marked used) now holds local <paramref name="index"/>, whose slot is stale.</summary>
    private void CacheLocal(int index, int reg, bool isFloat)
    {
        if (isFloat)
        {
            _xmmCacheLocal[reg] = index;
            _xmmCached |= 1u << reg;
            _xmmStale |= 1u << reg;
        }
        else
        {
            _gprCacheLocal[reg] = index;
            _gprCached |= 1u << reg;
            _gprStale |= 1u << reg;
        }
    }

    private void MarkUsed(int reg, bool isFloat)
    {
        if (isFloat)
        {
            _xmmUsed |= 1u << reg;
        }
        else
        {
            _gprUsed |= 1u << reg;
        }
    }
}

using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;
using Kiln.Vm;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// Loads and stores as one <c>[r14 + index + offset]</c> operand after an explicit bounds check, or, under guard pages,
/// as a recorded trap site; globals through their cell pointers; memory.size and memory.grow.
/// </summary>
internal sealed partial class CodeEmitter
{
    /// <summary>
    /// Spec 4.4.7: the effective address is the i32 index plus the offset, a 33-bit value, and the whole access must lie
    /// below the memory's current length. The index is zero-extended into rcx (never trusted to be), or computed there by
    /// one 32-bit lea when its i32 arithmetic is folded into the access (<see cref="EmitFoldedIndex"/>); the check uses rax
    /// and the length in r13 (or rdx under guard pages). With guard pages and an offset inside the guard region there is
    /// no check: <paramref name="trapSite"/> is true and the caller marks the one instruction that touches memory. Code
    /// inlined from another function is always checked: its trap goes through a stub that shows the callee's frame
    /// (<see cref="TrapLabel"/>), where a fault would resume at the chunk's one recovery stub.
    /// </summary>
    /// <remarks>
    /// With <paramref name="inPlace"/> an index whose register is known to hold it zero-extended
    /// (<see cref="IsZeroExtendedInRegister"/>) is used where it is, with no copy into rcx: for callers that write no
    /// allocatable register between this and the access (loads, stores, float arithmetic); an integer operation with a
    /// folded load passes its result's register as <paramref name="written"/>, which the index must not be in.
    /// </remarks>
    private Mem EffectiveAddress(int index, uint offset, int size, out bool trapSite, bool inPlace = false, Gpr written = default)
    {
        ulong end = (ulong)offset + (ulong)size;
        trapSite = false;
        Location li = Loc(index);
        if (li.Kind == LocationKind.Const)
        {
            ulong ea = (uint)li.Bits + (ulong)offset;
            if (_guardPages && _origin < 0 && ea + (ulong)size <= int.MaxValue)
            {
                // SECURITY: the whole access lies below 2 GiB, inside the reservation (4 GiB + guard): past the length
                // it faults on an inaccessible page.
                trapSite = true;
                return Mem.At(s_memBase, (int)ea);
            }
            Gpr length = MemoryLengthForCheck();
            return MemorySequences.CheckedConstantAddress(_asm, ea, size, length, Gpr.Rax, Gpr.Rcx, TrapLabel(TrapCode.MemoryOutOfBounds));
        }
        // SECURITY: a 32-bit move (or lea) zero-extends; a register with stray upper bits would otherwise reach outside
        // the reservation.
        Gpr indexReg = Gpr.Rcx;
        if (IsFolded(index))
        {
            if (inPlace && UnwrappedAdd(_f.Value(index).Owner, written, out Gpr baseReg, out uint add) && (ulong)offset + add <= int.MaxValue)
            {
                // SECURITY: x + c cannot wrap (UnwrappedAdd), so [base + x + (c + offset)] is the Wasm address.
                indexReg = baseReg;
                offset += add;
                end = (ulong)offset + (ulong)size;
            }
            else
            {
                EmitFoldedIndex(_f.Value(index).Owner);
            }
        }
        else if (li.Kind == LocationKind.Gpr)
        {
            // SECURITY: only where the defining instruction is known to leave the upper half zero (a conservative list).
            if (inPlace && li.Gpr != written && IsZeroExtendedInRegister(index))
            {
                indexReg = li.Gpr;
            }
            else
            {
                _asm.Mov(OperandSize.S32, Gpr.Rcx, li.Gpr);
            }
        }
        else
        {
            _asm.Mov(OperandSize.S32, Gpr.Rcx, li.Mem);
        }
        if (_guardPages && _origin < 0 && end <= LinearMemory.GuardRegionBytes)
        {
            // SECURITY: base + (a 32-bit index) + offset with offset + size within the guard region: every byte lies
            // inside the reservation; beyond the length it faults.
            trapSite = true;
            return Mem.At(s_memBase, indexReg, 1, (int)offset);
        }
        Gpr memLength = MemoryLengthForCheck();
        // The index register holds a zero-extended i32; a computed address ends up in rcx.
        return MemorySequences.CheckedIndexAddress(_asm, indexReg, offset, size, memLength, Gpr.Rax, Gpr.Rcx, TrapLabel(TrapCode.MemoryOutOfBounds));
    }

    /// <summary>
    /// Whether i32 <paramref name="value"/>'s register is known to hold it zero-extended, by construction from what
    /// writes that register. A value has one register for its whole life, written only by its definition and by moves
    /// typed with its type (block arguments, entry parameters, reloads after calls); <see cref="MoveEmitter"/> moves an
    /// i32 into a register with a 32-bit mov or constant load, which zero-extends, but emits nothing when the source is
    /// already there. So an instruction's result qualifies when its emission ends in a 32-bit write of the result's
    /// register (<see cref="DefinedZeroExtended"/>), and a block parameter when every argument passed in its own
    /// register qualifies (<see cref="ComputeZeroExtendedParams"/>). Everything else (call results, variable shift
    /// counts, bit counts, division, truncation, reinterpretation...) is copied into rcx by a 32-bit mov as before.
    /// SECURITY: an index with stray upper bits would address outside the reservation; <c>ZeroExtendedIndexTests</c> runs
    /// each kind with operands whose 64-bit result differs from the 32-bit one.
    /// </summary>
    private bool IsZeroExtendedInRegister(int value)
    {
        if (TypeOf(value) != IrType.I32 || Loc(value).Kind != LocationKind.Gpr)
        {
            return false;
        }
        if (!_f.Value(value).IsParam)
        {
            return DefinedZeroExtended(value);
        }
        _zeroExtendedParams ??= ComputeZeroExtendedParams();
        return _zeroExtendedParams[value];
    }

    /// <summary>
    /// An instruction result whose emission ends in a 32-bit write of its register: a 32-bit add/sub/and/or/xor/imul or
    /// lea, a shift or rotate by an immediate count other than 0, a 32-bit load, movzx/movsx into 32 bits, cmov with
    /// 32-bit operands (which writes its destination even when the condition is false), a 32-bit mov (wrap, global.get).
    /// </summary>
    private bool DefinedZeroExtended(int value)
    {
        ref ValueData v = ref _f.Value(value);
        if (v.IsParam || v.Type != IrType.I32)
        {
            return false;
        }
        ref InstData d = ref _f.Inst(v.Owner);
        switch (d.Op)
        {
            case Op.Iadd:
            case Op.Isub:
            case Op.Imul:
            case Op.Band:
            case Op.Bor:
            case Op.Bxor:
            case Op.Load:
            case Op.Uload8:
            case Op.Sload8:
            case Op.Uload16:
            case Op.Sload16:
            case Op.Select:
            case Op.GlobalGet:
            case Op.Wrap:
                return d.Type == IrType.I32;
            case Op.Ishl:
            case Op.Sshr:
            case Op.Ushr:
            case Op.Rotl:
            case Op.Rotr:
            {
                // A count of 0 would leave the operand's register as it was: not relied on.
                Location count = Loc(_f.Args(v.Owner)[1]);
                return d.Type == IrType.I32 && count.Kind == LocationKind.Const && (count.Bits & 31) != 0;
            }
            default:
                return false;
        }
    }

    // ComputeZeroExtendedParams' storage, reused from function to function (the result lives until the next one).
    private bool[] _zeroExtendedBuffer = [];
    private readonly List<(int Arg, int Param)> _sameRegister = [];

    /// <summary>
    /// Per value: whether it is an i32 block parameter in a register known to be zero-extended. The greatest fixed
    /// point: every such parameter is assumed to be, then one loses it when an argument passed to it in the same register
    /// (no move written) is not known to be; a parameter whose register gets a move is written by a 32-bit one. Entry
    /// parameters are loaded from the argument area by 32-bit moves (or stay there, not in a register).
    /// </summary>
    private bool[] ComputeZeroExtendedParams()
    {
        bool[] z = Reuse(ref _zeroExtendedBuffer, _f.ValueCount);
        foreach (int b in _f.Layout)
        {
            foreach (int p in _f.Block(b).Params)
            {
                z[p] = TypeOf(p) == IrType.I32 && Loc(p).Kind == LocationKind.Gpr;
            }
        }
        List<(int Arg, int Param)> sameRegister = _sameRegister;
        sameRegister.Clear();
        foreach (int b in _f.Layout)
        {
            foreach (int inst in _f.Block(b).Insts)
            {
                foreach (ref BlockCall call in _f.Targets(inst))
                {
                    List<int> ps = _f.Block(call.Block).Params;
                    Span<int> args = _f.CallArgs(call);
                    for (int i = 0; i < args.Length; i++)
                    {
                        if (z[ps[i]] && Loc(args[i]) == Loc(ps[i]))
                        {
                            sameRegister.Add((args[i], ps[i]));
                        }
                    }
                }
            }
        }
        // Each round either clears a parameter or ends; chains of parameters are short, so the rounds are capped, and a
        // parameter still undecided then is taken as not known (conservative).
        const int MaxRounds = 32;
        for (int round = 0; ; round++)
        {
            bool changed = false;
            foreach ((int a, int p) in sameRegister)
            {
                if (z[p] && !(_f.Value(a).IsParam ? z[a] : DefinedZeroExtended(a)))
                {
                    z[p] = false;
                    changed = true;
                }
            }
            if (!changed)
            {
                return z;
            }
            if (round == MaxRounds)
            {
                foreach ((int _, int p) in sameRegister)
                {
                    z[p] = false;
                }
                return z;
            }
        }
    }

    /// <summary>
    /// A folded <c>iadd x, c</c> whose sum cannot wrap: x zero-extended in its own register (not
    /// <paramref name="written"/>) and at most <see cref="UpperBound"/>, with bound + c below 2^32. Then the access may
    /// add c to its offset and index with x's register, instead of forming the 32-bit sum in rcx with a lea (which must
    /// wrap as i32.add does, so a sum cannot go into the 64-bit addressing in general): crc32's table lookups
    /// <c>(x &amp; 0x3fc) + table</c>.
    /// </summary>
    private bool UnwrappedAdd(int inst, Gpr written, out Gpr baseReg, out uint add)
    {
        baseReg = default;
        add = 0;
        ref InstData d = ref _f.Inst(inst);
        if (d.Op != Op.Iadd || d.Type != IrType.I32)
        {
            return false;
        }
        Span<int> a = _f.Args(inst);
        int side = Loc(a[1]).Kind == LocationKind.Const ? 0 : Loc(a[0]).Kind == LocationKind.Const ? 1 : -1;
        if (side < 0)
        {
            return false;
        }
        int x = a[side];
        uint c = (uint)Loc(a[1 - side]).Bits;
        if (IsFolded(x) || Loc(x).Kind != LocationKind.Gpr || Loc(x).Gpr == written || !IsZeroExtendedInRegister(x)
            || (ulong)UpperBound(x, 0) + c > uint.MaxValue)
        {
            return false;
        }
        baseReg = Loc(x).Gpr;
        add = c;
        return true;
    }

    /// <summary>
    /// An upper bound of i32 <paramref name="value"/> (unsigned), from its definition: a constant, and with a constant
    /// operand, and, shr_u and shl by a constant, narrow zero-extending loads, compares, and add when both bounds
    /// allow; 2^32 - 1 for anything else (parameters included) and past a few levels.
    /// </summary>
    private uint UpperBound(int value, int depth)
    {
        Location l = Loc(value);
        if (l.Kind == LocationKind.Const)
        {
            return (uint)l.Bits;
        }
        ref ValueData v = ref _f.Value(value);
        if (v.IsParam || v.Type != IrType.I32 || depth >= 4)
        {
            return uint.MaxValue;
        }
        ref InstData d = ref _f.Inst(v.Owner);
        Span<int> a = _f.Args(v.Owner);
        switch (d.Op)
        {
            case Op.Uload8:
                return byte.MaxValue;
            case Op.Uload16:
                return ushort.MaxValue;
            case Op.Eqz:
            case >= Op.Ieq and <= Op.Iuge:
            case >= Op.Feq and <= Op.Fge:
                return 1;
            case Op.Band when d.Type == IrType.I32:
                return Math.Min(UpperBound(a[0], depth + 1), UpperBound(a[1], depth + 1));
            case Op.Ushr when d.Type == IrType.I32 && Loc(a[1]).Kind == LocationKind.Const:
                return UpperBound(a[0], depth + 1) >> (int)(Loc(a[1]).Bits & 31);
            case Op.Ishl when d.Type == IrType.I32 && Loc(a[1]).Kind == LocationKind.Const:
            {
                ulong shifted = (ulong)UpperBound(a[0], depth + 1) << (int)(Loc(a[1]).Bits & 31);
                return shifted > uint.MaxValue ? uint.MaxValue : (uint)shifted;
            }
            case Op.Iadd when d.Type == IrType.I32:
            {
                ulong sum = (ulong)UpperBound(a[0], depth + 1) + UpperBound(a[1], depth + 1);
                return sum > uint.MaxValue ? uint.MaxValue : (uint)sum;
            }
            default:
                return uint.MaxValue;
        }
    }

    /// <summary>The memory length for an explicit check: r13 without guard pages; loaded into rdx with them (r13 is then allocatable).</summary>
    private Gpr MemoryLengthForCheck()
    {
        if (!_guardPages)
        {
            return s_memLength;
        }
        MemorySequences.LoadLength(_asm, Gpr.Rdx);
        return Gpr.Rdx;
    }

    private void EmitLoad(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        int size = OpInfo.AccessSize(d.Op, d.Type);
        Mem address = EffectiveAddress(_f.Args(inst)[0], (uint)d.Imm, size, out bool site, inPlace: true);
        int result = _f.Result(inst);
        if (d.Type == IrType.V128)
        {
            Xmm x = DestXmm(result, Xmm.Xmm0);
            if (site)
            {
                MarkTrapSite();
            }
            _asm.Movdqu(x, address);
            DefXmm(result, x);
            return;
        }
        if (d.Type.IsFloat())
        {
            Xmm x = DestXmm(result, Xmm.Xmm0);
            if (site)
            {
                MarkTrapSite();
            }
            if (d.Type == IrType.F32)
            {
                _asm.Movss(x, address);
            }
            else
            {
                _asm.Movsd(x, address);
            }
            DefXmm(result, x);
            return;
        }
        Gpr dst = DestGpr(result, Gpr.Rax);
        bool i64 = d.Type == IrType.I64;
        if (site)
        {
            MarkTrapSite();
        }
        switch (d.Op)
        {
            case Op.Load:
                _asm.Mov(i64 ? OperandSize.S64 : OperandSize.S32, dst, address);
                break;
            case Op.Uload32:
                _asm.Mov(OperandSize.S32, dst, address);
                break;
            case Op.Sload32:
                _asm.Movsxd(dst, address);
                break;
            case Op.Sload8:
                _asm.Movsx(i64 ? OperandSize.S64 : OperandSize.S32, dst, OperandSize.S8, address);
                break;
            case Op.Uload8:
                _asm.Movzx(OperandSize.S32, dst, OperandSize.S8, address);
                break;
            case Op.Sload16:
                _asm.Movsx(i64 ? OperandSize.S64 : OperandSize.S32, dst, OperandSize.S16, address);
                break;
            default:
                _asm.Movzx(OperandSize.S32, dst, OperandSize.S16, address);
                break;
        }
        DefGpr(result, dst);
    }

    /// <summary>
    /// Exactly one instruction touches the address (the trap site under guard pages), after the value is in a
    /// register. x86 checks every byte of a store before writing any, so a store straddling the end writes nothing
    /// (Spec 4.4.7: a trapping store changes no memory).
    /// </summary>
    private void EmitStore(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        Span<int> a = _f.Args(inst);
        IrType valueType = TypeOf(a[1]);
        int size = OpInfo.AccessSize(d.Op, valueType);
        Mem address = EffectiveAddress(a[0], (uint)d.Imm, size, out bool site, inPlace: true);
        Location lv = Loc(a[1]);
        if (valueType == IrType.V128)
        {
            Xmm x = UseXmm(a[1], Xmm.Xmm0);
            if (site)
            {
                MarkTrapSite();
            }
            _asm.Movdqu(address, x);
            return;
        }
        if (valueType.IsFloat())
        {
            Xmm x = UseXmm(a[1], Xmm.Xmm0);
            if (site)
            {
                MarkTrapSite();
            }
            if (valueType == IrType.F32)
            {
                _asm.Movss(address, x);
            }
            else
            {
                _asm.Movsd(address, x);
            }
            return;
        }
        OperandSize os = size switch
        {
            1 => OperandSize.S8,
            2 => OperandSize.S16,
            4 => OperandSize.S32,
            _ => OperandSize.S64,
        };
        if (lv.Kind == LocationKind.Const && (os != OperandSize.S64 || lv.Bits == (int)lv.Bits))
        {
            int imm = os switch
            {
                OperandSize.S8 => unchecked((sbyte)lv.Bits),
                OperandSize.S16 => unchecked((short)lv.Bits),
                _ => unchecked((int)lv.Bits),
            };
            if (site)
            {
                MarkTrapSite();
            }
            _asm.Mov(os, address, imm);
            return;
        }
        // rdx: rax and rcx may form the address.
        Gpr v = UseGpr(a[1], Gpr.Rdx);
        if (site)
        {
            MarkTrapSite();
        }
        _asm.Mov(os, address, v);
    }

    private void EmitGlobalGet(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        int result = _f.Result(inst);
        _asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(s_vmctx, _offsets.Global((int)d.Imm)));
        if (d.Type == IrType.V128)
        {
            Xmm v = DestXmm(result, Xmm.Xmm0);
            _asm.Movdqu(v, Mem.At(Gpr.Rax));
            DefXmm(result, v);
            return;
        }
        if (d.Type.IsFloat())
        {
            Xmm x = DestXmm(result, Xmm.Xmm0);
            if (d.Type == IrType.F32)
            {
                _asm.Movss(x, Mem.At(Gpr.Rax));
            }
            else
            {
                _asm.Movsd(x, Mem.At(Gpr.Rax));
            }
            DefXmm(result, x);
            return;
        }
        Gpr r = DestGpr(result, Gpr.Rax);
        _asm.Mov(SizeOf(d.Type), r, Mem.At(Gpr.Rax));
        DefGpr(result, r);
    }

    /// <summary>The cell is 16 bytes; i32 and f32 values are stored as 32 bits like the interpreter reads them.</summary>
    private void EmitGlobalSet(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        int value = _f.Args(inst)[0];
        IrType type = TypeOf(value);
        _asm.Mov(OperandSize.S64, Gpr.Rcx, Mem.At(s_vmctx, _offsets.Global((int)d.Imm)));
        if (type == IrType.V128)
        {
            _asm.Movdqu(Mem.At(Gpr.Rcx), UseXmm(value, Xmm.Xmm0));
            return;
        }
        if (type.IsFloat())
        {
            Xmm x = UseXmm(value, Xmm.Xmm0);
            if (type == IrType.F32)
            {
                _asm.Movss(Mem.At(Gpr.Rcx), x);
            }
            else
            {
                _asm.Movsd(Mem.At(Gpr.Rcx), x);
            }
            return;
        }
        Gpr r = UseGpr(value, Gpr.Rax);
        _asm.Mov(SizeOf(type), Mem.At(Gpr.Rcx), r);
    }

    private void EmitMemorySize(int inst)
    {
        int result = _f.Result(inst);
        Gpr r = DestGpr(result, Gpr.Rax);
        MemorySequences.SizeInPages(_asm, r, _guardPages);
        DefGpr(result, r);
    }

    /// <summary>memory.grow through the runtime's helper (rdi = vmctx, esi = delta; eax = the old size or -1), then the memory registers again.</summary>
    private void EmitMemoryGrow(int inst)
    {
        // The delta first: it may live in rdi.
        LoadGprInto(_f.Args(inst)[0], Gpr.Rsi);
        _asm.Mov(OperandSize.S64, Gpr.Rdi, s_vmctx);
        Compiled.CompiledAbi.EmitHelperCall(_asm, Compiled.RuntimeHelper.MemoryGrow);
        ReloadMemoryRegisters();
        _asm.Mov(OperandSize.S32, Gpr.Rax, Gpr.Rax);
        DefGpr(_f.Result(inst), Gpr.Rax);
    }
}

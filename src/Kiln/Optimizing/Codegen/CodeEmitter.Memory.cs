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
    private Mem EffectiveAddress(int index, uint offset, int size, out bool trapSite)
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
        if (IsFolded(index))
        {
            EmitFoldedIndex(_f.Value(index).Owner);
        }
        else if (li.Kind == LocationKind.Gpr)
        {
            _asm.Mov(OperandSize.S32, Gpr.Rcx, li.Gpr);
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
            return Mem.At(s_memBase, Gpr.Rcx, 1, (int)offset);
        }
        Gpr memLength = MemoryLengthForCheck();
        // rcx holds a zero-extended i32; a computed address ends up in rcx too.
        return MemorySequences.CheckedIndexAddress(_asm, Gpr.Rcx, offset, size, memLength, Gpr.Rax, Gpr.Rcx, TrapLabel(TrapCode.MemoryOutOfBounds));
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
        Mem address = EffectiveAddress(_f.Args(inst)[0], (uint)d.Imm, size, out bool site);
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
        Mem address = EffectiveAddress(a[0], (uint)d.Imm, size, out bool site);
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

using System.Runtime.CompilerServices;
using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// Loads and stores as <c>[membase + index + offset]</c>, after an explicit bounds check or, under guard
/// pages, as a recorded trap site (<c>.TrapSites.cs</c>); globals through their cell pointers; table
/// element access.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    private static int AccessSize(Opcode op) => op switch
    {
        Opcode.I32Load8S or Opcode.I32Load8U or Opcode.I64Load8S or Opcode.I64Load8U or Opcode.I32Store8 or Opcode.I64Store8 => 1,
        Opcode.I32Load16S or Opcode.I32Load16U or Opcode.I64Load16S or Opcode.I64Load16U or Opcode.I32Store16 or Opcode.I64Store16 => 2,
        Opcode.I32Load or Opcode.F32Load or Opcode.I64Load32S or Opcode.I64Load32U or Opcode.I32Store or Opcode.F32Store or Opcode.I64Store32 => 4,
        _ => 8,
    };

    /// <summary>
    /// Spec 4.4.7: the effective address is the i32 index plus the offset, a 33-bit value, and the
    /// whole access must lie below the memory's current length. Explicitly checked against the length
    /// (r13, or loaded into rcx under guard pages), or, under guard pages when the offset fits in the guard
    /// region, not checked at all: <paramref name="trapSite"/> is then true and the caller marks the one
    /// instruction that accesses the address as a trap site. Uses rax.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Mem EffectiveAddress(in Val index, int indexPos, uint offset, int size, out Gpr indexReg, out bool trapSite)
    {
        ulong end = (ulong)offset + (ulong)size;
        indexReg = default;
        trapSite = false;
        if (index.Loc == Loc.Const)
        {
            ulong ea = (uint)index.Bits + (ulong)offset;
            if (GuardPages && ea + (ulong)size <= int.MaxValue)
            {
                // SECURITY: the whole access lies below 2 GiB, inside the reservation (4 GiB + guard): past the
                // length it faults on an inaccessible page.
                trapSite = true;
                return Mem.At(s_memBase, (int)ea);
            }
            Gpr length = MemoryLengthForCheck();
            return MemorySequences.CheckedConstantAddress(_asm, ea, size, length, s_scratch, s_scratch, TrapLabel(TrapCode.MemoryOutOfBounds));
        }
        if (GuardPages && end <= Vm.LinearMemory.GuardRegionBytes)
        {
            // SECURITY: the address is base + (a 32-bit index) + offset with offset + size within the guard region,
            // so every byte lies inside the reservation; beyond the length it faults. The index is zero-extended
            // here rather than trusted to be: a register with stray upper bits would reach outside the reservation.
            trapSite = true;
            if (InRegister(in index))
            {
                indexReg = Gpr.FromIndex(index.Reg);
                _asm.Mov(OperandSize.S32, s_scratch, indexReg);
                return Mem.At(s_memBase, s_scratch, 1, (int)offset);
            }
            // A 32-bit load zero-extends by itself.
            indexReg = AllocGpr();
            _asm.Mov(OperandSize.S32, indexReg, MemOf(in index, indexPos));
            return Mem.At(s_memBase, indexReg, 1, (int)offset);
        }
        Gpr r;
        if (InRegister(in index))
        {
            r = Gpr.FromIndex(index.Reg);
        }
        else
        {
            r = AllocGpr();
            LoadGpr(r, in index, indexPos);
        }
        indexReg = r;
        Gpr memLength = MemoryLengthForCheck();
        // The index register holds a zero-extended i32 (loaded as one, or produced by an i32 operation).
        return MemorySequences.CheckedIndexAddress(_asm, r, offset, size, memLength, s_scratch, s_scratch, TrapLabel(TrapCode.MemoryOutOfBounds));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MemoryAccess(in Instruction ins)
    {
        EnsureMemoryRegisters();
        Opcode op = ins.Opcode;
        int size = AccessSize(op);
        if (op >= Opcode.I32Store)
        {
            Val value = Pop();
            int valuePos = _height;
            if (value.Loc == Loc.Cond)
            {
                throw new InternalErrorException("baseline compiler: unmaterialized condition stored");
            }
            Val index = Pop();
            Mem addr = EffectiveAddress(in index, _height, ins.MemOffset, size, out Gpr indexReg, out bool storeSite);
            EmitStore(op, addr, in value, valuePos, storeSite);
            Free(in value);
            if (index.Loc != Loc.Const)
            {
                FreeGpr(indexReg);
            }
            return;
        }
        Val idx = Pop();
        Mem address = EffectiveAddress(in idx, _height, ins.MemOffset, size, out Gpr idxReg, out bool loadSite);
        int into = FusedTarget();
        if (op is Opcode.F32Load or Opcode.F64Load)
        {
            Xmm x = into >= 0 ? Xmm.FromIndex(_pinnedReg[into]) : AllocXmm();
            if (loadSite)
            {
                MarkTrapSite();
            }
            if (op == Opcode.F32Load)
            {
                _asm.Movss(x, address);
            }
            else
            {
                _asm.Movsd(x, address);
            }
            if (idx.Loc != Loc.Const)
            {
                FreeGpr(idxReg);
            }
            PushResult(op == Opcode.F32Load ? ValType.F32 : ValType.F64, x.Index, into);
            return;
        }
        // The destination may reuse the index register (the address is consumed by the load itself), unless
        // that register belongs to a pinned local.
        Gpr dst;
        if (into >= 0)
        {
            dst = Gpr.FromIndex(_pinnedReg[into]);
            if (idx.Loc != Loc.Const)
            {
                FreeGpr(idxReg);
            }
        }
        else
        {
            dst = idx.Loc != Loc.Const && !IsPinnedGpr(idxReg) ? idxReg : AllocGpr();
        }
        ValType type = op is Opcode.I32Load or Opcode.I32Load8S or Opcode.I32Load8U or Opcode.I32Load16S or Opcode.I32Load16U ? ValType.I32 : ValType.I64;
        if (loadSite)
        {
            MarkTrapSite();
        }
        switch (op)
        {
            case Opcode.I32Load:
            case Opcode.I64Load32U:
                _asm.Mov(OperandSize.S32, dst, address);
                break;
            case Opcode.I64Load:
                _asm.Mov(OperandSize.S64, dst, address);
                break;
            case Opcode.I32Load8S:
                _asm.Movsx(OperandSize.S32, dst, OperandSize.S8, address);
                break;
            case Opcode.I32Load8U:
            case Opcode.I64Load8U:
                _asm.Movzx(OperandSize.S32, dst, OperandSize.S8, address);
                break;
            case Opcode.I32Load16S:
                _asm.Movsx(OperandSize.S32, dst, OperandSize.S16, address);
                break;
            case Opcode.I32Load16U:
            case Opcode.I64Load16U:
                _asm.Movzx(OperandSize.S32, dst, OperandSize.S16, address);
                break;
            case Opcode.I64Load8S:
                _asm.Movsx(OperandSize.S64, dst, OperandSize.S8, address);
                break;
            case Opcode.I64Load16S:
                _asm.Movsx(OperandSize.S64, dst, OperandSize.S16, address);
                break;
            default:
                _asm.Movsxd(dst, address);
                break;
        }
        PushResult(type, dst.Index, into);
    }

    /// <summary>
    /// Stores <paramref name="value"/> to <paramref name="addr"/>: exactly one instruction touches the address (marked
    /// as a trap site when <paramref name="trapSite"/>), after any move of the value into a scratch register.
    /// x86 checks every byte of a store before any is written (a faulting instruction does not retire), so a store
    /// straddling the last accessible page writes nothing (Spec 4.4.7: a trapping store changes no memory).
    /// </summary>
    private void EmitStore(Opcode op, Mem addr, in Val value, int valuePos, bool trapSite)
    {
        OperandSize size = AccessSize(op) switch
        {
            1 => OperandSize.S8,
            2 => OperandSize.S16,
            4 => OperandSize.S32,
            _ => OperandSize.S64,
        };
        if (InRegister(in value))
        {
            // In a register: a value register or a pinned local's.
            MarkIf(trapSite);
            switch (op)
            {
                case Opcode.F32Store:
                    _asm.Movss(addr, Xmm.FromIndex(value.Reg));
                    return;
                case Opcode.F64Store:
                    _asm.Movsd(addr, Xmm.FromIndex(value.Reg));
                    return;
                default:
                    _asm.Mov(size, addr, Gpr.FromIndex(value.Reg));
                    return;
            }
        }
        switch (value.Loc)
        {
            case Loc.Const:
                StoreConstant(addr, size, value.Bits, trapSite);
                return;
            default:
                _asm.Mov(size, s_scratch2, MemOf(in value, valuePos));
                MarkIf(trapSite);
                _asm.Mov(size, addr, s_scratch2);
                return;
        }
    }

    private void MarkIf(bool trapSite)
    {
        if (trapSite)
        {
            MarkTrapSite();
        }
    }

    private void StoreConstant(Mem addr, OperandSize size, ulong bits, bool trapSite)
    {
        switch (size)
        {
            case OperandSize.S8:
                MarkIf(trapSite);
                _asm.Mov(size, addr, unchecked((sbyte)bits));
                return;
            case OperandSize.S16:
                MarkIf(trapSite);
                _asm.Mov(size, addr, unchecked((short)bits));
                return;
            case OperandSize.S32:
                MarkIf(trapSite);
                _asm.Mov(size, addr, unchecked((int)bits));
                return;
            default:
                if ((long)bits == (int)(long)bits)
                {
                    MarkIf(trapSite);
                    _asm.Mov(size, addr, (int)(long)bits);
                }
                else
                {
                    _asm.MovImm(s_scratch2, (long)bits);
                    MarkIf(trapSite);
                    _asm.Mov(size, addr, s_scratch2);
                }
                return;
        }
    }

    private void GlobalGet(int index)
    {
        ValType type = GlobalType(index);
        _asm.Mov(OperandSize.S64, s_scratch, Mem.At(s_vmctx, _offsets.Global(index)));
        if (IsXmm(type))
        {
            Xmm x = AllocXmm();
            LoadXmmFrom(x, type, Mem.At(s_scratch));
            PushReg(type, x.Index);
            return;
        }
        Gpr r = AllocGpr();
        _asm.Mov(SizeOf(type), r, Mem.At(s_scratch));
        PushReg(type, r.Index);
    }

    private void GlobalSet(int index)
    {
        ref Val top = ref _stack[_height - 1];
        if (top.Loc == Loc.Cond)
        {
            MaterializeCondition();
        }
        _asm.Mov(OperandSize.S64, s_scratch2, Mem.At(s_vmctx, _offsets.Global(index)));
        Val v = Pop();
        // The cell is 16 bytes; i32 and f32 values are stored as 32 bits like the interpreter reads them.
        StoreValue(Mem.At(s_scratch2), in v, _height, s_scratch);
        Free(in v);
    }

    private ValType GlobalType(int index) => _globalTypes[index];

    /// <summary>rax = the table's element array after checking <paramref name="index"/> against its length.</summary>
    private void TableElements(int table, Gpr index)
    {
        _asm.Mov(OperandSize.S64, s_scratch, Mem.At(s_vmctx, _offsets.Table(table)));
        _asm.Cmp(OperandSize.S32, index, Mem.At(s_scratch, VmOffsets.TableDefinitionLength));
        _asm.Jcc(Condition.AboveOrEqual, TrapLabel(TrapCode.TableOutOfBounds));
        _asm.Mov(OperandSize.S64, s_scratch, Mem.At(s_scratch, VmOffsets.TableDefinitionElements));
    }

    private void TableGet(int table)
    {
        Gpr index = PopGpr();
        TableElements(table, index);
        _asm.Mov(OperandSize.S64, index, Mem.At(s_scratch, index, 8));
        PushReg(TableType(table), index.Index);
    }

    private void TableSet(int table)
    {
        Val value = Pop();
        int valuePos = _height;
        Gpr index = PopGpr();
        TableElements(table, index);
        StoreValue(Mem.At(s_scratch, index, 8), in value, valuePos, s_scratch2);
        Free(in value);
        FreeGpr(index);
    }

    private ValType TableType(int index) => _tableTypes[index];
}

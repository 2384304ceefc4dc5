using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;
using Kiln.Vm;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// Reference values, tables and bulk memory, lowered as the baseline lowers them: a reference is a 64-bit word in a
/// general-purpose register (null is 0, a funcref the address of its <c>VmFuncRef</c>); ref.func reads the instance's
/// funcref array, table.get/set/size work on the table definition inline (bounds check against its length, then the
/// element array), and the instructions that may grow, fill, copy or drop run the runtime's helpers
/// (<see cref="RuntimeHelper"/>, SysV: rdi = vmctx, then the immediates, then the operands), which return a status the
/// shared status trap checks (the grow helper returns the result). A helper call clobbers every allocatable
/// register (<see cref="RegisterAllocator.ClobbersRegisters"/>), so nothing of this function is live in a register
/// across it.
/// </summary>
internal sealed partial class CodeEmitter
{
    private static readonly Gpr[] s_helperArgs = [Gpr.Rdi, Gpr.Rsi, Gpr.Rdx, Gpr.Rcx, Gpr.R8, Gpr.R9];

    private void EmitRefNull(int inst)
    {
        int result = _f.Result(inst);
        Gpr r = DestGpr(result, Gpr.Rax);
        _asm.Xor(OperandSize.S32, r, r);
        DefGpr(result, r);
    }

    private void EmitRefIsNull(int inst)
    {
        Gpr v = UseGpr(_f.Args(inst)[0], Gpr.Rax);
        int result = _f.Result(inst);
        Gpr r = DestGpr(result, Gpr.Rax);
        _asm.Test(OperandSize.S64, v, v);
        _asm.Setcc(Condition.Equal, r);
        _asm.Movzx(OperandSize.S32, r, OperandSize.S8, r);
        DefGpr(result, r);
    }

    private void EmitRefFunc(int inst)
    {
        int result = _f.Result(inst);
        Gpr r = DestGpr(result, Gpr.Rax);
        _asm.Mov(OperandSize.S64, r, Mem.At(s_vmctx, _offsets.FuncRef((int)_f.Inst(inst).Imm)));
        DefGpr(result, r);
    }

    /// <summary>rax = the element array of table <paramref name="table"/> after checking the (zero-extended) index against its length.</summary>
    private void TableElements(int table, Gpr index)
    {
        _asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(s_vmctx, _offsets.Table(table)));
        _asm.Cmp(OperandSize.S32, index, Mem.At(Gpr.Rax, VmOffsets.TableDefinitionLength));
        _asm.Jcc(Condition.AboveOrEqual, TrapLabel(TrapCode.TableOutOfBounds));
        _asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(Gpr.Rax, VmOffsets.TableDefinitionElements));
    }

    private void EmitTableGet(int inst)
    {
        Gpr index = UseGpr(_f.Args(inst)[0], Gpr.Rcx);
        TableElements((int)_f.Inst(inst).Imm, index);
        int result = _f.Result(inst);
        Gpr r = DestGpr(result, Gpr.Rax);
        _asm.Mov(OperandSize.S64, r, Mem.At(Gpr.Rax, index, 8));
        DefGpr(result, r);
    }

    private void EmitTableSet(int inst)
    {
        Span<int> a = _f.Args(inst);
        Gpr index = UseGpr(a[0], Gpr.Rcx);
        Gpr value = UseGpr(a[1], Gpr.Rdx);
        TableElements((int)_f.Inst(inst).Imm, index);
        _asm.Mov(OperandSize.S64, Mem.At(Gpr.Rax, index, 8), value);
    }

    private void EmitTableSize(int inst)
    {
        int result = _f.Result(inst);
        Gpr r = DestGpr(result, Gpr.Rax);
        _asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(s_vmctx, _offsets.Table((int)_f.Inst(inst).Imm)));
        _asm.Mov(OperandSize.S32, r, Mem.At(Gpr.Rax, VmOffsets.TableDefinitionLength));
        DefGpr(result, r);
    }

    /// <summary>The table and bulk-memory instructions that run a helper, with their immediates as the IR holds them.</summary>
    private void EmitBulk(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        uint imm = (uint)d.Imm;
        uint imm2 = (uint)d.Imm2;
        switch (d.Op)
        {
            case Op.MemoryFill:
                CallHelper(inst, RuntimeHelper.MemoryFill, [], status: true);
                return;
            case Op.MemoryCopy:
                CallHelper(inst, RuntimeHelper.MemoryCopy, [], status: true);
                return;
            case Op.MemoryInit:
                CallHelper(inst, RuntimeHelper.MemoryInit, [imm], status: true);
                return;
            case Op.DataDrop:
                CallHelper(inst, RuntimeHelper.DataDrop, [imm], status: false);
                return;
            case Op.ElemDrop:
                CallHelper(inst, RuntimeHelper.ElemDrop, [imm], status: false);
                return;
            case Op.TableInit:
                // Imm is the table, Imm2 the element segment: the helper's order.
                CallHelper(inst, RuntimeHelper.TableInit, [imm, imm2], status: true);
                return;
            case Op.TableCopy:
                CallHelper(inst, RuntimeHelper.TableCopy, [imm, imm2], status: true);
                return;
            case Op.TableFill:
                CallHelper(inst, RuntimeHelper.TableFill, [imm], status: true);
                return;
            case Op.TableGrow:
            {
                CallHelper(inst, RuntimeHelper.TableGrow, [imm], status: false);
                _asm.Mov(OperandSize.S32, Gpr.Rax, Gpr.Rax);
                DefGpr(_f.Result(inst), Gpr.Rax);
                return;
            }
            default:
                throw new InternalErrorException($"optimizing tier: {OpInfo.Name(d.Op)} is not a helper instruction");
        }
    }

    /// <summary>
    /// A SysV helper call: rdi = vmctx, then <paramref name="immediates"/>, then the instruction's operands, in argument
    /// registers that may hold those operands now. The operands move as one parallel move; an operand bound for rcx (the
    /// parallel move's cycle temporary) waits in rax meanwhile, and the immediates and vmctx are loaded last. With
    /// <paramref name="status"/>, a returned status other than -1 is a trap (the shared status stub).
    /// </summary>
    private void CallHelper(int inst, RuntimeHelper helper, ReadOnlySpan<uint> immediates, bool status)
    {
        Span<int> args = _f.Args(inst);
        int first = 1 + immediates.Length;
        var moves = new List<Move>(args.Length);
        bool viaRax = false;
        for (int i = 0; i < args.Length; i++)
        {
            Gpr target = s_helperArgs[first + i];
            if (target == Gpr.Rcx)
            {
                LoadGprInto(args[i], Gpr.Rax);
                viaRax = true;
                continue;
            }
            moves.Add(new Move(Location.OfGpr(target), Loc(args[i]), TypeOf(args[i])));
        }
        EmitMoves(moves);
        if (viaRax)
        {
            _asm.Mov(OperandSize.S64, Gpr.Rcx, Gpr.Rax);
        }
        for (int i = 0; i < immediates.Length; i++)
        {
            _asm.Mov(OperandSize.S32, s_helperArgs[1 + i], unchecked((int)immediates[i]));
        }
        _asm.Mov(OperandSize.S64, Gpr.Rdi, s_vmctx);
        CompiledAbi.EmitHelperCall(_asm, helper);
        ReloadMemoryRegisters();
        if (status)
        {
            _asm.Cmp(OperandSize.S32, Gpr.Rax, -1);
            _asm.Jcc(Condition.NotEqual, _traps.Status);
        }
    }
}

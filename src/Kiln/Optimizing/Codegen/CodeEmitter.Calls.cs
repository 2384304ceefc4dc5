using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;
using Kiln.Vm;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// Calls, as the baseline makes them (<see cref="CompiledAbi"/>): the arguments go to the outgoing area at [rsp] in
/// 8-byte slots, a compiled callee of the same module is reached through the module's code table (r15 stays), an
/// imported or interpreted one through its function slot (r15 = its vmctx), <c>call_indirect</c> through the table
/// entry after the baseline's own checks (<see cref="CallSequences"/>); afterwards r15 is reloaded from the frame, the
/// memory registers reloaded, and the results read from the same area. Every allocatable register is clobbered:
/// values kept in registers across the call are reloaded from their homes after it (<see cref="Allocation.ReloadsAfter"/>,
/// emitted by the block loop).
/// </summary>
internal sealed partial class CodeEmitter
{
    private void EmitCall(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        int function = (int)d.Imm;
        EmitArguments(_f.Args(inst), _f.Signatures[d.Aux].Params);
        EmitDirectCall(function);
        FinishCall(inst);
    }

    /// <summary>The call to <paramref name="function"/> itself; the arguments are in place.</summary>
    private void EmitDirectCall(int function)
    {
        int defined = function - _spaces.ImportedFunctionCount;
        if (defined >= 0 && _interpreted?[defined] != true)
        {
            // Same instance, so r15 stays: the module's code table holds the entry every instance shares.
            _asm.Mov(OperandSize.S64, Gpr.Rax, Mem.At(s_vmctx, VmOffsets.CodeTable));
            _asm.Call(Mem.At(Gpr.Rax, 8 * defined));
        }
        else
        {
            int slot = _offsets.FunctionSlot(function);
            _asm.Mov(OperandSize.S64, Gpr.Rax, s_vmctx);
            _asm.Mov(OperandSize.S64, s_vmctx, Mem.At(Gpr.Rax, slot + VmOffsets.FunctionSlotVmctx));
            _asm.Call(Mem.At(Gpr.Rax, slot + VmOffsets.FunctionSlotCode));
        }
    }

    /// <summary>
    /// Spec 4.4.8 call_indirect (table in <c>Imm</c>, Wasm type index in <c>Imm2</c>, the element index the last
    /// operand): the arguments to the outgoing area, then the baseline's bounds, null and signature checks with the same
    /// trap codes, and the call through the funcref (rax; the index in its register or rdx, rcx the scratch).
    /// </summary>
    private void EmitCallIndirect(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        int table = (int)d.Imm;
        int typeIndex = d.Imm2;
        Span<int> operands = _f.Args(inst);
        EmitArguments(operands[..^1], _f.Signatures[d.Aux].Params);
        if (GuardFailureEntries is not null && GuardFailureEntries.TryGetValue(inst, out int entry))
        {
            // The speculated target's guard failed to get here: counted without synchronization (statistics only).
            _asm.Mov(OperandSize.S64, Gpr.Rcx, Mem.At(s_vmctx, VmOffsets.CodeTable));
            _asm.Add(OperandSize.S64, Mem.At(Gpr.Rcx, entry + CallSiteProfiles.GuardFailuresOffset), 1);
        }
        // The argument moves write memory only (through rax), so the index's register is intact.
        Gpr index = UseGpr(operands[^1], Gpr.Rdx);
        CallSequences.LoadTableEntry(_asm, _offsets, table, index, Gpr.Rax, TrapLabel(TrapCode.UndefinedElement));
        CallSequences.CheckEntry(_asm, _offsets, typeIndex, Gpr.Rax, Gpr.Rcx,
            TrapLabel(TrapCode.UninitializedElement), TrapLabel(TrapCode.IndirectCallTypeMismatch));
        CallSequences.CallEntry(_asm, Gpr.Rax);
        FinishCall(inst);
    }

    /// <summary>
    /// <see cref="Tier.Auto"/>: the generic call_indirect of each speculated site (<see cref="CallSiteProfiles"/>) by
    /// instruction, with its site's profile entry (from the code table's start), whose guard-failure word it counts;
    /// null when nothing is speculated.
    /// </summary>
    public Dictionary<int, int>? GuardFailureEntries { get; set; }

    /// <summary>
    /// call_indirect_guard (table <c>Imm</c>, function <c>Imm2</c>): the bounds check and table load of call_indirect,
    /// its null trap, then whether the entry is this instance's funcref of the function (vmctx's funcref array), as
    /// 0 or 1. The running instance's own funcref, so the code is right for every instance sharing it.
    /// </summary>
    private void EmitCallIndirectGuard(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        Gpr index = UseGpr(_f.Args(inst)[0], Gpr.Rdx);
        CallSequences.LoadTableEntry(_asm, _offsets, (int)d.Imm, index, Gpr.Rax, TrapLabel(TrapCode.UndefinedElement));
        _asm.Test(OperandSize.S64, Gpr.Rax, Gpr.Rax);
        _asm.Jcc(Condition.Zero, TrapLabel(TrapCode.UninitializedElement));
        _asm.Cmp(OperandSize.S64, Gpr.Rax, Mem.At(s_vmctx, _offsets.FuncRef(d.Imm2)));
        int result = _f.Result(inst);
        Gpr dst = DestGpr(result, Gpr.Rcx);
        _asm.Setcc(Condition.Equal, dst);
        _asm.Movzx(OperandSize.S32, dst, OperandSize.S8, dst);
        DefGpr(result, dst);
    }

    /// <summary>The call's arguments to the outgoing area at [rsp], one 8-byte slot each (two for a v128).</summary>
    private void EmitArguments(Span<int> args, IrType[] types)
    {
        List<Move> moves = _callMoves;
        moves.Clear();
        for (int i = 0; i < args.Length; i++)
        {
            moves.Add(new Move(Location.OfStack(Gpr.Rsp, 8 * SlotOffset(types, i)), Loc(args[i]), TypeOf(args[i])));
        }
        EmitMoves(moves);
    }

    /// <summary>A call's argument or result moves, reused from call to call.</summary>
    private readonly List<Move> _callMoves = [];

    /// <summary>After the call: r15 from the frame, the memory registers, and the results from the outgoing area.</summary>
    private void FinishCall(int inst)
    {
        _asm.Mov(OperandSize.S64, s_vmctx, Mem.At(Gpr.Rbp, CompiledAbi.SavedVmctxOffset));
        ReloadMemoryRegisters();
        Span<int> results = _f.ResultValues(inst);
        List<Move> back = _callMoves;
        back.Clear();
        for (int i = 0; i < results.Length; i++)
        {
            back.Add(new Move(Loc(results[i]), Location.OfStack(Gpr.Rsp, 8 * SlotOffset(_f.Signatures[_f.Inst(inst).Aux].Results, i)), TypeOf(results[i])));
        }
        EmitMoves(back);
    }
}

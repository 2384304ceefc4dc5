using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Optimizing.Ir;
using Kiln.Vm;

namespace Kiln.Optimizing.Codegen;

/// <summary>
/// Direct calls, as the baseline makes them (<see cref="CompiledAbi"/>): the arguments go to the outgoing area at
/// [rsp] in 8-byte slots, a compiled callee of the same module is reached through the module's code table (r15
/// stays), an imported or interpreted one through its function slot (r15 = its vmctx); afterwards r15 is reloaded
/// from the frame, the memory registers reloaded, and the results read from the same area. Every allocatable register
/// is clobbered: values kept in registers across the call are reloaded from their homes after it
/// (<see cref="Allocation.ReloadsAfter"/>, emitted by the block loop).
/// </summary>
internal sealed partial class CodeEmitter
{
    private void EmitCall(int inst)
    {
        ref InstData d = ref _f.Inst(inst);
        int function = (int)d.Imm;
        Span<int> args = _f.Args(inst);
        var moves = new List<Move>(args.Length);
        for (int i = 0; i < args.Length; i++)
        {
            moves.Add(new Move(Location.OfStack(Gpr.Rsp, 8 * SlotOffset(_f.Signatures[d.Aux].Params, i)), Loc(args[i]), TypeOf(args[i])));
        }
        EmitMoves(moves);
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
        _asm.Mov(OperandSize.S64, s_vmctx, Mem.At(Gpr.Rbp, CompiledAbi.SavedVmctxOffset));
        ReloadMemoryRegisters();
        Span<int> results = _f.ResultValues(inst);
        var back = new List<Move>(results.Length);
        for (int i = 0; i < results.Length; i++)
        {
            back.Add(new Move(Loc(results[i]), Location.OfStack(Gpr.Rsp, 8 * SlotOffset(_f.Signatures[_f.Inst(inst).Aux].Results, i)), TypeOf(results[i])));
        }
        EmitMoves(back);
    }
}

using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// Evaluates constant expressions (spec 3.3.10: t.const, ref.null, ref.func, global.get) to slot
/// bits, reading them with the one instruction decoder. The result is the contents of a 16-byte
/// global cell: a one-slot value in the low half (the high half zero), a v128 in both (<see cref="Vm.SlotLayout"/>).
/// </summary>
internal static unsafe class ConstEval
{
    /// <summary>Evaluates a one-slot <paramref name="expr"/> (an offset or a reference); only globals below <paramref name="visibleGlobals"/> may be read.</summary>
    public static ulong Evaluate(Instance instance, ConstExpr expr, int visibleGlobals) => EvaluateCell(instance, expr, visibleGlobals).Low;

    /// <summary>Evaluates <paramref name="expr"/> of any type to the contents of a global cell.</summary>
    public static V128 EvaluateCell(Instance instance, ConstExpr expr, int visibleGlobals)
    {
        var reader = new InstructionReader(expr.Code.Span, expr.Offset);
        V128 value = default;
        int depth = 0;
        while (!reader.AtEnd)
        {
            Instruction ins = reader.Read();
            switch (ins.Opcode)
            {
                case Opcode.I32Const:
                    value = new V128((uint)ins.I32, 0);
                    depth++;
                    break;
                case Opcode.I64Const:
                case Opcode.F64Const:
                    value = new V128(ins.Value, 0);
                    depth++;
                    break;
                case Opcode.F32Const:
                    value = new V128(ins.F32Bits, 0);
                    depth++;
                    break;
                case Opcode.V128Const:
                    value = ins.V128;
                    depth++;
                    break;
                case Opcode.RefNull:
                    value = default;
                    depth++;
                    break;
                case Opcode.RefFunc:
                    if (ins.Index >= (uint)instance.Functions.Length)
                    {
                        throw new InternalErrorException($"ref.func {ins.Index} out of range in a constant expression");
                    }
                    value = new V128((ulong)(nint)instance.Functions[ins.Index].FuncRef, 0);
                    depth++;
                    break;
                case Opcode.GlobalGet:
                    if (ins.Index >= (uint)visibleGlobals)
                    {
                        throw new InternalErrorException($"global.get {ins.Index} is not readable in this constant expression");
                    }
                    ulong* cell = instance.Globals[ins.Index].Cell;
                    value = new V128(cell[0], cell[1]);
                    depth++;
                    break;
                case Opcode.End:
                    if (depth != 1 || !reader.AtEnd)
                    {
                        throw new InternalErrorException("constant expression does not produce exactly one value");
                    }
                    return value;
                default:
                    throw new UnsupportedFeatureException($"{ins.Info.Name} in a constant expression");
            }
        }
        throw new InternalErrorException("constant expression without end");
    }
}

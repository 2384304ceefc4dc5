using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// Evaluates constant expressions (spec 3.3.10: t.const, ref.null, ref.func, global.get) to slot
/// bits, reading them with the one instruction decoder.
/// </summary>
internal static unsafe class ConstEval
{
    /// <summary>Evaluates <paramref name="expr"/>; only globals below <paramref name="visibleGlobals"/> may be read.</summary>
    public static ulong Evaluate(Instance instance, ConstExpr expr, int visibleGlobals)
    {
        var reader = new InstructionReader(expr.Code.Span, expr.Offset);
        ulong value = 0;
        int depth = 0;
        while (!reader.AtEnd)
        {
            Instruction ins = reader.Read();
            switch (ins.Opcode)
            {
                case Opcode.I32Const:
                    value = (uint)ins.I32;
                    depth++;
                    break;
                case Opcode.I64Const:
                case Opcode.F64Const:
                    value = ins.Value;
                    depth++;
                    break;
                case Opcode.F32Const:
                    value = ins.F32Bits;
                    depth++;
                    break;
                case Opcode.RefNull:
                    value = 0;
                    depth++;
                    break;
                case Opcode.RefFunc:
                    if (ins.Index >= (uint)instance.Functions.Length)
                    {
                        throw new InternalErrorException($"ref.func {ins.Index} out of range in a constant expression");
                    }
                    value = (ulong)(nint)instance.Functions[ins.Index].FuncRef;
                    depth++;
                    break;
                case Opcode.GlobalGet:
                    if (ins.Index >= (uint)visibleGlobals)
                    {
                        throw new InternalErrorException($"global.get {ins.Index} is not readable in this constant expression");
                    }
                    value = *instance.Globals[ins.Index].Cell;
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

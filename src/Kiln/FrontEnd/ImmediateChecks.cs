using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.FrontEnd;

/// <summary>
/// Defence in depth for every tier: the index and lane immediates of one instruction checked against
/// the module's index spaces and the instruction's lane count before a tier turns them into array indices, cell offsets or code.
/// </summary>
/// <remarks>
/// SECURITY: validation already refused out-of-range indices, and a <see cref="Module"/> compiles
/// only the model it validated. These checks make a slip in either (or in a tier's own decoding)
/// end in an <see cref="InternalErrorException"/> at compile time, never in a read through a stray
/// index in generated code. <see cref="BodyDecoder{TTierData}"/> runs them on every instruction a tier compiles;
/// branch depths depend on the control stack and are checked by <see cref="ControlStack{TTierData}.FrameIndex"/>.
/// </remarks>
internal static class ImmediateChecks
{
    /// <summary>Throws <see cref="InternalErrorException"/> when an index immediate of <paramref name="ins"/> is out of range.</summary>
    /// <param name="localCount">Parameters plus declared locals of the function being compiled.</param>
    public static void Check(in Instruction ins, ValidationContext context, long localCount)
    {
        switch (ins.Info.Immediate)
        {
            case ImmediateKind.BlockType:
                if (ins.BlockType.IsTypeIndex)
                {
                    CheckIndex(ins.BlockType.TypeIndex, context.Types.Count, "block type");
                }
                break;
            case ImmediateKind.Local:
                if (ins.Index >= (ulong)localCount)
                {
                    throw new InternalErrorException($"local index {ins.Index} out of range");
                }
                break;
            case ImmediateKind.Global:
                CheckIndex(ins.Index, context.GlobalCount, "global");
                break;
            case ImmediateKind.Table:
                CheckIndex(ins.Index, context.TableCount, "table");
                break;
            case ImmediateKind.CallIndirect:
                CheckIndex(ins.Index, context.Types.Count, "type");
                CheckIndex(ins.Index2, context.TableCount, "table");
                break;
            case ImmediateKind.TableInit:
                CheckIndex(ins.Index, context.ElementCount, "element segment");
                CheckIndex(ins.Index2, context.TableCount, "table");
                break;
            case ImmediateKind.TableCopy:
                CheckIndex(ins.Index, context.TableCount, "table");
                CheckIndex(ins.Index2, context.TableCount, "table");
                break;
            case ImmediateKind.Element:
                CheckIndex(ins.Index, context.ElementCount, "element segment");
                break;
            case ImmediateKind.Data:
                CheckIndex(ins.Index, context.Module.Data.Count, "data segment");
                break;
            case ImmediateKind.MemoryInit:
                CheckIndex(ins.Index, context.Module.Data.Count, "data segment");
                CheckIndex(ins.Index2, context.MemoryCount, "memory");
                break;
            case ImmediateKind.Function:
                CheckIndex(ins.Index, context.FunctionCount, "function");
                break;
            case ImmediateKind.MemoryCopy:
                CheckIndex(ins.Index, context.MemoryCount, "memory");
                CheckIndex(ins.Index2, context.MemoryCount, "memory");
                break;
            case ImmediateKind.MemArg:
            case ImmediateKind.Memory:
                CheckIndex(0, context.MemoryCount, "memory");
                break;
            case ImmediateKind.MemArgLane:
                CheckIndex(0, context.MemoryCount, "memory");
                CheckIndex(ins.Index, ins.Info.LaneCount, "lane");
                break;
            case ImmediateKind.Lane:
                CheckIndex(ins.Index, ins.Info.LaneCount, "lane");
                break;
            case ImmediateKind.Shuffle:
                // Both operands' 32 bytes are indexed with these.
                for (int i = 0; i < 16; i++)
                {
                    CheckIndex(ins.V128.GetByte(i), 32, "shuffle lane");
                }
                break;
        }
    }

    private static void CheckIndex(uint index, int count, string what)
    {
        if (index >= (uint)count)
        {
            throw new InternalErrorException($"{what} index {index} out of range");
        }
    }
}

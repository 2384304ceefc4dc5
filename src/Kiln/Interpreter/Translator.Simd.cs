using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Interpreter;

internal sealed partial class Translator
{
    /// <summary>
    /// Every SIMD instruction has fixed operand and result types (<see cref="OpcodeInfo.Params"/>),
    /// so one rule translates them all: pop the operands, push the result (if any), and emit
    /// <c>op [d] operands... immediates...</c> with <c>op = InterpOp.Simd + (opcode &amp; 0xFF)</c>.
    /// The immediates are the memarg offset, then a lane index, or the 16 bytes of
    /// <c>v128.const</c>/<c>i8x16.shuffle</c> as four words (see <see cref="InterpOp.Simd"/>).
    /// </summary>
    private void TranslateSimd(in Instruction ins)
    {
        OpcodeInfo info = ins.Info;
        if (!info.HasFixedTypes || info.Results.Length > 1 || info.Params.Length > 3)
        {
            throw new InternalErrorException($"instruction {info.Name} has no interpreter translation");
        }
        int count = info.Params.Length;
        Span<int> operands = stackalloc int[3];
        for (int i = count - 1; i >= 0; i--)
        {
            if (SlotLayout.SlotCount(info.Params[i]) != TopWidth())
            {
                throw new InternalErrorException($"{info.Name}: operand {i} has the wrong width (module not validated?)");
            }
            operands[i] = Pop();
        }
        int start = _code.Count;
        _code.Add((int)InterpOp.Simd + ((int)ins.Opcode & 0xFF));
        if (info.Results.Length == 1)
        {
            _code.Add(PushNew(SlotLayout.SlotCount(info.Results[0])));
        }
        for (int i = 0; i < count; i++)
        {
            _code.Add(operands[i]);
        }
        switch (info.Immediate)
        {
            case ImmediateKind.MemArg:
                _code.Add((int)ins.MemOffset);
                break;
            case ImmediateKind.MemArgLane:
                _code.Add((int)ins.MemOffset, (int)ins.Index);
                break;
            case ImmediateKind.Lane:
                _code.Add((int)ins.Index);
                break;
            case ImmediateKind.V128:
            case ImmediateKind.Shuffle:
                _code.Add((int)(uint)ins.V128.Low, (int)(uint)(ins.V128.Low >> 32), (int)(uint)ins.V128.High, (int)(uint)(ins.V128.High >> 32));
                break;
            case ImmediateKind.None:
                break;
            default:
                throw new InternalErrorException($"instruction {info.Name} has no interpreter translation");
        }
        if (info.Results.Length == 1)
        {
            MarkResult(start);
        }
        else
        {
            _lastResultOperand = -1;
        }
    }
}

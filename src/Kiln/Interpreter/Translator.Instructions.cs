using Kiln.FrontEnd;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Interpreter;

internal sealed partial class Translator
{
    private void TranslateInstruction(in Instruction ins, ref InstructionReader reader)
    {
        // SECURITY: the front end ran ImmediateChecks on ins: the interpreter indexes native arrays (global cells,
        // tables, function references) with these immediates.
        switch (ins.Opcode)
        {
            case Opcode.Unreachable:
                Emit(InterpOp.Unreachable);
                return;
            case Opcode.Nop:
                return;
            case Opcode.Block:
            case Opcode.Loop:
            case Opcode.If:
                TranslateBlockStart(in ins);
                return;
            case Opcode.Else:
                TranslateElse();
                return;
            case Opcode.End:
                TranslateEnd();
                return;
            case Opcode.Br:
                TranslateBr(_controls.FrameIndex(ins.Index));
                return;
            case Opcode.BrIf:
                TranslateBrIf(_controls.FrameIndex(ins.Index));
                return;
            case Opcode.BrTable:
                TranslateBrTable(in ins, ref reader);
                return;
            case Opcode.Return:
                EmitReturn();
                return;
            case Opcode.Call:
                TranslateCall(ins.Index);
                return;
            case Opcode.CallIndirect:
                TranslateCallIndirect(ins.Index, ins.Index2);
                return;
            case Opcode.Drop:
                PopEntry();
                return;
            case Opcode.Select:
            case Opcode.SelectTyped:
            {
                int c = Pop();
                int width = TopWidth();
                int b = Pop();
                int a = Pop();
                int d = PushNew(width);
                int start = _code.Count;
                _code.Add((int)(width == 1 ? InterpOp.Select : InterpOp.V128Select), d, a, b, c);
                MarkResult(start);
                return;
            }
            case Opcode.LocalGet:
                Push(LocalSlot(ins.Index), LocalWidth(ins.Index));
                return;
            case Opcode.LocalSet:
                TranslateLocalSet(ins.Index, tee: false);
                return;
            case Opcode.LocalTee:
                TranslateLocalSet(ins.Index, tee: true);
                return;
            case Opcode.GlobalGet:
            {
                int width = SlotLayout.SlotCount(_spaces.GlobalTypes[ins.Index]);
                int d = PushNew(width);
                int start = _code.Count;
                _code.Add((int)(width == 1 ? InterpOp.GlobalGet : InterpOp.V128GlobalGet), d, (int)ins.Index);
                MarkResult(start);
                return;
            }
            case Opcode.GlobalSet:
            {
                InterpOp op = TopWidth() == 1 ? InterpOp.GlobalSet : InterpOp.V128GlobalSet;
                _code.Add((int)op, (int)ins.Index, Pop());
                return;
            }
            case Opcode.TableGet:
            {
                int i = Pop();
                int d = PushNew();
                int start = _code.Count;
                _code.Add((int)InterpOp.TableGet, d, (int)ins.Index, i);
                MarkResult(start);
                return;
            }
            case Opcode.TableSet:
            {
                int v = Pop();
                int i = Pop();
                _code.Add((int)InterpOp.TableSet, (int)ins.Index, i, v);
                return;
            }
            case Opcode.I32Load:
            case Opcode.F32Load:
                Load(InterpOp.I32Load, in ins);
                return;
            case Opcode.I64Load:
            case Opcode.F64Load:
                Load(InterpOp.I64Load, in ins);
                return;
            case Opcode.I32Load8S:
                Load(InterpOp.I32Load8S, in ins);
                return;
            case Opcode.I32Load8U:
            case Opcode.I64Load8U:
                // Zero-extension fills the whole slot, so one form serves both widths.
                Load(InterpOp.I32Load8U, in ins);
                return;
            case Opcode.I32Load16S:
                Load(InterpOp.I32Load16S, in ins);
                return;
            case Opcode.I32Load16U:
            case Opcode.I64Load16U:
                Load(InterpOp.I32Load16U, in ins);
                return;
            case Opcode.I64Load8S:
                Load(InterpOp.I64Load8S, in ins);
                return;
            case Opcode.I64Load16S:
                Load(InterpOp.I64Load16S, in ins);
                return;
            case Opcode.I64Load32S:
                Load(InterpOp.I64Load32S, in ins);
                return;
            case Opcode.I64Load32U:
                Load(InterpOp.I64Load32U, in ins);
                return;
            case Opcode.I32Store:
            case Opcode.F32Store:
            case Opcode.I64Store32:
                Store(InterpOp.I32Store, in ins);
                return;
            case Opcode.I64Store:
            case Opcode.F64Store:
                Store(InterpOp.I64Store, in ins);
                return;
            case Opcode.I32Store8:
            case Opcode.I64Store8:
                Store(InterpOp.I32Store8, in ins);
                return;
            case Opcode.I32Store16:
            case Opcode.I64Store16:
                Store(InterpOp.I32Store16, in ins);
                return;
            case Opcode.MemorySize:
            {
                int d = PushNew();
                int start = _code.Count;
                _code.Add((int)InterpOp.MemorySize, d);
                MarkResult(start);
                return;
            }
            case Opcode.MemoryGrow:
                Unary(InterpOp.MemoryGrow);
                return;
            case Opcode.I32Const:
            case Opcode.F32Const:
                PushConstant((uint)ins.Value);
                return;
            case Opcode.I64Const:
            case Opcode.F64Const:
                PushConstant(ins.Value);
                return;
            // Slots hold raw bits and 32-bit readers ignore the high half, so these change nothing.
            case Opcode.I32WrapI64:
            case Opcode.I32ReinterpretF32:
            case Opcode.I64ReinterpretF64:
            case Opcode.F32ReinterpretI32:
            case Opcode.F64ReinterpretI64:
                return;
            case Opcode.RefNull:
                // A null reference is the all-zero slot.
                PushConstant(0);
                return;
            case Opcode.RefIsNull:
                // A null reference is the all-zero slot.
                Unary(InterpOp.I64Eqz);
                return;
            case Opcode.RefFunc:
            {
                int d = PushNew();
                int start = _code.Count;
                _code.Add((int)InterpOp.RefFunc, d, (int)ins.Index);
                MarkResult(start);
                return;
            }
            case Opcode.MemoryInit:
            {
                int n = Pop();
                int s = Pop();
                int d = Pop();
                _code.Add((int)InterpOp.MemoryInit, (int)ins.Index, d, s, n);
                return;
            }
            case Opcode.DataDrop:
                _code.Add((int)InterpOp.DataDrop, (int)ins.Index);
                return;
            case Opcode.MemoryCopy:
            {
                int n = Pop();
                int s = Pop();
                int d = Pop();
                _code.Add((int)InterpOp.MemoryCopy, d, s, n);
                return;
            }
            case Opcode.MemoryFill:
            {
                int n = Pop();
                int v = Pop();
                int d = Pop();
                _code.Add((int)InterpOp.MemoryFill, d, v, n);
                return;
            }
            case Opcode.TableInit:
            {
                int n = Pop();
                int s = Pop();
                int d = Pop();
                _code.Add((int)InterpOp.TableInit, (int)ins.Index2, (int)ins.Index, d, s, n);
                return;
            }
            case Opcode.ElemDrop:
                _code.Add((int)InterpOp.ElemDrop, (int)ins.Index);
                return;
            case Opcode.TableCopy:
            {
                int n = Pop();
                int s = Pop();
                int d = Pop();
                _code.Add((int)InterpOp.TableCopy, (int)ins.Index, (int)ins.Index2, d, s, n);
                return;
            }
            case Opcode.TableGrow:
            {
                int n = Pop();
                int init = Pop();
                int d = PushNew();
                _code.Add((int)InterpOp.TableGrow, d, (int)ins.Index, init, n);
                return;
            }
            case Opcode.TableSize:
            {
                int d = PushNew();
                _code.Add((int)InterpOp.TableSize, d, (int)ins.Index);
                return;
            }
            case Opcode.TableFill:
            {
                int n = Pop();
                int v = Pop();
                int i = Pop();
                _code.Add((int)InterpOp.TableFill, (int)ins.Index, i, v, n);
                return;
            }
            default:
                TranslateSimple(in ins);
                return;
        }
    }

    private void TranslateSimple(in Instruction ins)
    {
        OpcodeInfo info = ins.Info;
        if (info.IsSimd)
        {
            TranslateSimd(in ins);
            return;
        }
        InterpOp op = MapSimple(ins.Opcode);
        if (!info.HasFixedTypes || info.Results.Length != 1)
        {
            throw new InternalErrorException($"instruction {info.Name} has no interpreter translation");
        }
        if (info.Params.Length == 1)
        {
            Unary(op);
        }
        else if (info.Params.Length == 2)
        {
            Binary(op);
        }
        else
        {
            throw new InternalErrorException($"instruction {info.Name} has no interpreter translation");
        }
    }

    /// <summary>The first slot of local <paramref name="index"/> (ImmediateChecks has range-checked it).</summary>
    private int LocalSlot(uint index) => _localSlot[index];

    private void Load(InterpOp op, in Instruction ins)
    {
        int addr = Pop();
        int d = PushNew();
        int start = _code.Count;
        _code.Add((int)op, d, addr, (int)ins.MemOffset);
        MarkResult(start);
    }

    private void Store(InterpOp op, in Instruction ins)
    {
        if (_height > _controls.Top.Height && _stack[_height - 1] < 0)
        {
            ulong bits = _constants[-_stack[_height - 1] - 1];
            InterpOp? immOp = op switch
            {
                InterpOp.I32Store => InterpOp.I32StoreImm,
                InterpOp.I32Store8 => InterpOp.I32Store8Imm,
                InterpOp.I32Store16 => InterpOp.I32Store16Imm,
                InterpOp.I64Store when (long)bits == (int)bits => InterpOp.I64StoreImm,
                _ => null,
            };
            if (immOp is { } storeImm)
            {
                TryPopConstant(out _);
                int address = Pop();
                _code.Add((int)storeImm, address, (int)bits, (int)ins.MemOffset);
                return;
            }
        }
        int value = Pop();
        int addr = Pop();
        _code.Add((int)op, addr, value, (int)ins.MemOffset);
    }

    private void TranslateLocalSet(uint index, bool tee)
    {
        int local = LocalSlot(index);
        int width = LocalWidth(index);
        int value = PopEntry();
        // Entries below that still refer to the local must keep the old value.
        bool copied = MaterializeLocal(local, _height);
        int top = Slot(_height);
        if (!copied && value == top && _lastResultEnd == _code.Count && _lastResultOperand >= 0 && _code[_lastResultOperand] == top)
        {
            // The value was computed by the instruction just emitted: let it write the local directly.
            _code[_lastResultOperand] = local;
        }
        else
        {
            EmitMove(local, value, width);
        }
        _lastResultOperand = -1;
        if (tee)
        {
            Push(local, width);
        }
    }

    private static InterpOp MapSimple(Opcode opcode) => opcode switch
    {
        Opcode.I32Eqz => InterpOp.I32Eqz,
        Opcode.I32Eq => InterpOp.I32Eq,
        Opcode.I32Ne => InterpOp.I32Ne,
        Opcode.I32LtS => InterpOp.I32LtS,
        Opcode.I32LtU => InterpOp.I32LtU,
        Opcode.I32GtS => InterpOp.I32GtS,
        Opcode.I32GtU => InterpOp.I32GtU,
        Opcode.I32LeS => InterpOp.I32LeS,
        Opcode.I32LeU => InterpOp.I32LeU,
        Opcode.I32GeS => InterpOp.I32GeS,
        Opcode.I32GeU => InterpOp.I32GeU,
        Opcode.I64Eqz => InterpOp.I64Eqz,
        Opcode.I64Eq => InterpOp.I64Eq,
        Opcode.I64Ne => InterpOp.I64Ne,
        Opcode.I64LtS => InterpOp.I64LtS,
        Opcode.I64LtU => InterpOp.I64LtU,
        Opcode.I64GtS => InterpOp.I64GtS,
        Opcode.I64GtU => InterpOp.I64GtU,
        Opcode.I64LeS => InterpOp.I64LeS,
        Opcode.I64LeU => InterpOp.I64LeU,
        Opcode.I64GeS => InterpOp.I64GeS,
        Opcode.I64GeU => InterpOp.I64GeU,
        Opcode.F32Eq => InterpOp.F32Eq,
        Opcode.F32Ne => InterpOp.F32Ne,
        Opcode.F32Lt => InterpOp.F32Lt,
        Opcode.F32Gt => InterpOp.F32Gt,
        Opcode.F32Le => InterpOp.F32Le,
        Opcode.F32Ge => InterpOp.F32Ge,
        Opcode.F64Eq => InterpOp.F64Eq,
        Opcode.F64Ne => InterpOp.F64Ne,
        Opcode.F64Lt => InterpOp.F64Lt,
        Opcode.F64Gt => InterpOp.F64Gt,
        Opcode.F64Le => InterpOp.F64Le,
        Opcode.F64Ge => InterpOp.F64Ge,
        Opcode.I32Clz => InterpOp.I32Clz,
        Opcode.I32Ctz => InterpOp.I32Ctz,
        Opcode.I32Popcnt => InterpOp.I32Popcnt,
        Opcode.I32Add => InterpOp.I32Add,
        Opcode.I32Sub => InterpOp.I32Sub,
        Opcode.I32Mul => InterpOp.I32Mul,
        Opcode.I32DivS => InterpOp.I32DivS,
        Opcode.I32DivU => InterpOp.I32DivU,
        Opcode.I32RemS => InterpOp.I32RemS,
        Opcode.I32RemU => InterpOp.I32RemU,
        Opcode.I32And => InterpOp.I32And,
        Opcode.I32Or => InterpOp.I32Or,
        Opcode.I32Xor => InterpOp.I32Xor,
        Opcode.I32Shl => InterpOp.I32Shl,
        Opcode.I32ShrS => InterpOp.I32ShrS,
        Opcode.I32ShrU => InterpOp.I32ShrU,
        Opcode.I32Rotl => InterpOp.I32Rotl,
        Opcode.I32Rotr => InterpOp.I32Rotr,
        Opcode.I64Clz => InterpOp.I64Clz,
        Opcode.I64Ctz => InterpOp.I64Ctz,
        Opcode.I64Popcnt => InterpOp.I64Popcnt,
        Opcode.I64Add => InterpOp.I64Add,
        Opcode.I64Sub => InterpOp.I64Sub,
        Opcode.I64Mul => InterpOp.I64Mul,
        Opcode.I64DivS => InterpOp.I64DivS,
        Opcode.I64DivU => InterpOp.I64DivU,
        Opcode.I64RemS => InterpOp.I64RemS,
        Opcode.I64RemU => InterpOp.I64RemU,
        Opcode.I64And => InterpOp.I64And,
        Opcode.I64Or => InterpOp.I64Or,
        Opcode.I64Xor => InterpOp.I64Xor,
        Opcode.I64Shl => InterpOp.I64Shl,
        Opcode.I64ShrS => InterpOp.I64ShrS,
        Opcode.I64ShrU => InterpOp.I64ShrU,
        Opcode.I64Rotl => InterpOp.I64Rotl,
        Opcode.I64Rotr => InterpOp.I64Rotr,
        Opcode.F32Abs => InterpOp.F32Abs,
        Opcode.F32Neg => InterpOp.F32Neg,
        Opcode.F32Ceil => InterpOp.F32Ceil,
        Opcode.F32Floor => InterpOp.F32Floor,
        Opcode.F32Trunc => InterpOp.F32Trunc,
        Opcode.F32Nearest => InterpOp.F32Nearest,
        Opcode.F32Sqrt => InterpOp.F32Sqrt,
        Opcode.F32Add => InterpOp.F32Add,
        Opcode.F32Sub => InterpOp.F32Sub,
        Opcode.F32Mul => InterpOp.F32Mul,
        Opcode.F32Div => InterpOp.F32Div,
        Opcode.F32Min => InterpOp.F32Min,
        Opcode.F32Max => InterpOp.F32Max,
        Opcode.F32Copysign => InterpOp.F32Copysign,
        Opcode.F64Abs => InterpOp.F64Abs,
        Opcode.F64Neg => InterpOp.F64Neg,
        Opcode.F64Ceil => InterpOp.F64Ceil,
        Opcode.F64Floor => InterpOp.F64Floor,
        Opcode.F64Trunc => InterpOp.F64Trunc,
        Opcode.F64Nearest => InterpOp.F64Nearest,
        Opcode.F64Sqrt => InterpOp.F64Sqrt,
        Opcode.F64Add => InterpOp.F64Add,
        Opcode.F64Sub => InterpOp.F64Sub,
        Opcode.F64Mul => InterpOp.F64Mul,
        Opcode.F64Div => InterpOp.F64Div,
        Opcode.F64Min => InterpOp.F64Min,
        Opcode.F64Max => InterpOp.F64Max,
        Opcode.F64Copysign => InterpOp.F64Copysign,
        Opcode.I32TruncF32S => InterpOp.I32TruncF32S,
        Opcode.I32TruncF32U => InterpOp.I32TruncF32U,
        Opcode.I32TruncF64S => InterpOp.I32TruncF64S,
        Opcode.I32TruncF64U => InterpOp.I32TruncF64U,
        Opcode.I64ExtendI32S => InterpOp.I64ExtendI32S,
        Opcode.I64ExtendI32U => InterpOp.I64ExtendI32U,
        Opcode.I64TruncF32S => InterpOp.I64TruncF32S,
        Opcode.I64TruncF32U => InterpOp.I64TruncF32U,
        Opcode.I64TruncF64S => InterpOp.I64TruncF64S,
        Opcode.I64TruncF64U => InterpOp.I64TruncF64U,
        Opcode.F32ConvertI32S => InterpOp.F32ConvertI32S,
        Opcode.F32ConvertI32U => InterpOp.F32ConvertI32U,
        Opcode.F32ConvertI64S => InterpOp.F32ConvertI64S,
        Opcode.F32ConvertI64U => InterpOp.F32ConvertI64U,
        Opcode.F32DemoteF64 => InterpOp.F32DemoteF64,
        Opcode.F64ConvertI32S => InterpOp.F64ConvertI32S,
        Opcode.F64ConvertI32U => InterpOp.F64ConvertI32U,
        Opcode.F64ConvertI64S => InterpOp.F64ConvertI64S,
        Opcode.F64ConvertI64U => InterpOp.F64ConvertI64U,
        Opcode.F64PromoteF32 => InterpOp.F64PromoteF32,
        Opcode.I32Extend8S => InterpOp.I32Extend8S,
        Opcode.I32Extend16S => InterpOp.I32Extend16S,
        Opcode.I64Extend8S => InterpOp.I64Extend8S,
        Opcode.I64Extend16S => InterpOp.I64Extend16S,
        Opcode.I64Extend32S => InterpOp.I64Extend32S,
        Opcode.I32TruncSatF32S => InterpOp.I32TruncSatF32S,
        Opcode.I32TruncSatF32U => InterpOp.I32TruncSatF32U,
        Opcode.I32TruncSatF64S => InterpOp.I32TruncSatF64S,
        Opcode.I32TruncSatF64U => InterpOp.I32TruncSatF64U,
        Opcode.I64TruncSatF32S => InterpOp.I64TruncSatF32S,
        Opcode.I64TruncSatF32U => InterpOp.I64TruncSatF32U,
        Opcode.I64TruncSatF64S => InterpOp.I64TruncSatF64S,
        Opcode.I64TruncSatF64U => InterpOp.I64TruncSatF64U,
        _ => throw new InternalErrorException($"opcode {opcode} has no interpreter translation"),
    };
}

using Kiln.FrontEnd;
using Kiln.Optimizing.Ir;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Optimizing;

internal sealed partial class SsaBuilder
{
    private void Translate(in Instruction ins, ref InstructionReader reader)
    {
        switch (ins.Opcode)
        {
            case Opcode.Nop:
                return;
            case Opcode.Unreachable:
                Terminate(Op.Trap, [], [], (long)TrapCode.Unreachable);
                return;
            case Opcode.Block:
            case Opcode.Loop:
            case Opcode.If:
                OpenFrame(in ins);
                return;
            case Opcode.Else:
                TranslateElse();
                return;
            case Opcode.End:
                TranslateEnd();
                return;
            case Opcode.Br:
            {
                (int block, int[] args) = BranchTarget(ins.Index, out bool isReturn);
                if (isReturn)
                {
                    Return();
                }
                else
                {
                    Jump(block, args);
                }
                return;
            }
            case Opcode.BrIf:
            {
                int cond = Pop();
                (int Block, int[] Args) target = TargetOrReturnBlock(ins.Index);
                int next = NewBlock();
                Terminate(Op.Brif, [cond], [target, (next, [])]);
                Seal(next);
                SwitchTo(next);
                return;
            }
            case Opcode.BrTable:
            {
                var labels = new uint[ins.BrTableCount + 1];
                reader.ReadBrTableTargets(in ins, labels);
                int index = Pop();
                var targets = new (int Block, int[] Args)[labels.Length];
                for (int i = 0; i < labels.Length; i++)
                {
                    targets[i] = TargetOrReturnBlock(labels[i]);
                }
                Terminate(Op.BrTable, [index], targets);
                return;
            }
            case Opcode.Return:
                Return();
                return;
            case Opcode.Call:
                EmitCall(Op.Call, _decoder.Spaces.FunctionTypes[ins.Index], PopN(_decoder.Spaces.FunctionTypes[ins.Index].Params.Length), ins.Index, 0);
                return;
            case Opcode.CallIndirect:
            {
                // Spec 4.4.8: the element index is on top of the arguments; it stays the last operand.
                FuncType type = _decoder.Spaces.Module.Types[(int)ins.Index];
                int[] args = PopN(type.Params.Length + 1);
                EmitCall(Op.CallIndirect, type, args, ins.Index2, (int)ins.Index);
                return;
            }
            case Opcode.Drop:
                Pop();
                return;
            case Opcode.Select:
            case Opcode.SelectTyped:
            {
                int cond = Pop();
                int b = Pop();
                int a = Pop();
                // Spec 4.4.4: select yields the first operand when the condition is non-zero.
                Push(Emit(Op.Select, _f.Value(a).Type, [cond, a, b]));
                return;
            }
            case Opcode.LocalGet:
                Push(ReadLocal((int)ins.Index, _current));
                return;
            case Opcode.LocalSet:
                WriteLocal((int)ins.Index, Pop());
                return;
            case Opcode.LocalTee:
                WriteLocal((int)ins.Index, _stack[^1]);
                return;
            case Opcode.GlobalGet:
                Push(Emit(Op.GlobalGet, IrTypes.FromWasm(_decoder.Spaces.GlobalTypes[ins.Index]), [], ins.Index));
                return;
            case Opcode.GlobalSet:
                Emit(Op.GlobalSet, IrTypes.FromWasm(_decoder.Spaces.GlobalTypes[ins.Index]), [Pop()], ins.Index);
                return;
            case Opcode.MemorySize:
                Push(Emit(Op.MemorySize, IrType.I32, []));
                return;
            case Opcode.MemoryGrow:
                Push(Emit(Op.MemoryGrow, IrType.I32, [Pop()]));
                return;
            case Opcode.I32Const:
                Push(Emit(Op.Iconst, IrType.I32, [], ins.I32));
                return;
            case Opcode.I64Const:
                Push(Emit(Op.Iconst, IrType.I64, [], ins.I64));
                return;
            case Opcode.F32Const:
                Push(Emit(Op.Fconst, IrType.F32, [], ins.F32Bits));
                return;
            case Opcode.F64Const:
                Push(Emit(Op.Fconst, IrType.F64, [], (long)ins.F64Bits));
                return;
            case Opcode.V128Const:
                Push(Emit(Op.Vconst, IrType.V128, [], _f.InternConstant(ToUInt128(ins.V128))));
                return;
        }
        if (TryMemory(in ins) || TryNumeric(ins.Opcode) || TryReferenceOrBulk(in ins) || TrySimd(in ins))
        {
            return;
        }
        // Every Wasm 2.0 instruction is handled above; this is for what a later proposal adds to the decoder.
        throw new UnsupportedFeatureException($"optimizing tier: {ins.Info.Name} is not supported (function {_decoder.FunctionIndex}, offset 0x{ins.Offset:x})");
    }

    private static UInt128 ToUInt128(V128 v) => new(v.High, v.Low);

    /// <summary>A call or call_indirect (<paramref name="imm"/>: function or table index; <paramref name="imm2"/>: type index).</summary>
    private void EmitCall(Op op, FuncType type, int[] args, uint imm, int imm2)
    {
        if (!_signatures.TryGetValue(type, out IrSignature? sig))
        {
            sig = new IrSignature([.. type.Params.AsSpan().ToArray().Select(IrTypes.FromWasm)], [.. type.Results.AsSpan().ToArray().Select(IrTypes.FromWasm)]);
            _signatures.Add(type, sig);
        }
        int inst = _f.CreateInst(op, IrType.I32, args, imm);
        _f.Inst(inst).Aux = _f.InternSignature(sig);
        _f.Inst(inst).Imm2 = imm2;
        foreach (IrType r in sig.Results)
        {
            Push(_f.AddResult(inst, r));
        }
        _f.Append(_current, inst);
    }

    // The IR signature of each Wasm function type calls use, made once per module (signatures are never changed).
    private readonly Dictionary<FuncType, IrSignature> _signatures = new(ReferenceEqualityComparer.Instance);

    /// <summary>Reference instructions, table instructions and bulk memory (spec 4.4.2, 4.4.6, 4.4.7).</summary>
    private bool TryReferenceOrBulk(in Instruction ins)
    {
        IrType Element(uint table) => IrTypes.FromWasm(_decoder.Spaces.TableElementTypes[table]);
        switch (ins.Opcode)
        {
            case Opcode.RefNull:
                Push(Emit(Op.RefNull, IrTypes.FromWasm(ins.Type), []));
                return true;
            case Opcode.RefIsNull:
            {
                int v = Pop();
                Push(Emit(Op.RefIsNull, _f.Value(v).Type, [v]));
                return true;
            }
            case Opcode.RefFunc:
                Push(Emit(Op.RefFunc, IrType.Funcref, [], ins.Index));
                return true;
            case Opcode.TableGet:
                Push(Emit(Op.TableGet, Element(ins.Index), [Pop()], ins.Index));
                return true;
            case Opcode.TableSet:
                Emit(Op.TableSet, Element(ins.Index), PopN(2), ins.Index);
                return true;
            case Opcode.TableSize:
                Push(Emit(Op.TableSize, Element(ins.Index), [], ins.Index));
                return true;
            case Opcode.TableGrow:
                Push(Emit(Op.TableGrow, Element(ins.Index), PopN(2), ins.Index));
                return true;
            case Opcode.TableFill:
                Emit(Op.TableFill, Element(ins.Index), PopN(3), ins.Index);
                return true;
            case Opcode.TableCopy:
                EmitWithImm2(Op.TableCopy, PopN(3), ins.Index, (int)ins.Index2);
                return true;
            case Opcode.TableInit:
                // Binary order: the element segment, then the table.
                EmitWithImm2(Op.TableInit, PopN(3), ins.Index2, (int)ins.Index);
                return true;
            case Opcode.ElemDrop:
                Emit(Op.ElemDrop, IrType.I32, [], ins.Index);
                return true;
            case Opcode.MemoryFill:
                Emit(Op.MemoryFill, IrType.I32, PopN(3));
                return true;
            case Opcode.MemoryCopy:
                Emit(Op.MemoryCopy, IrType.I32, PopN(3));
                return true;
            case Opcode.MemoryInit:
                Emit(Op.MemoryInit, IrType.I32, PopN(3), ins.Index);
                return true;
            case Opcode.DataDrop:
                Emit(Op.DataDrop, IrType.I32, [], ins.Index);
                return true;
            default:
                return false;
        }
    }

    private void EmitWithImm2(Op op, int[] args, uint imm, int imm2)
    {
        int inst = _f.CreateInst(op, IrType.I32, args, imm);
        _f.Inst(inst).Imm2 = imm2;
        _f.Append(_current, inst);
    }

    /// <summary>
    /// SIMD: plain v128.load/store become load/store.v128; every other instruction is simd, simd_load or simd_store
    /// with its sub-opcode, typed by the opcode table (the same one rule as the interpreter's translator).
    /// </summary>
    private bool TrySimd(in Instruction ins)
    {
        OpcodeInfo info = ins.Info;
        if (!info.IsSimd)
        {
            return false;
        }
        if (ins.Opcode == Opcode.V128Load)
        {
            Push(Emit(Op.Load, IrType.V128, [Pop()], ins.MemOffset));
            return true;
        }
        if (ins.Opcode == Opcode.V128Store)
        {
            Emit(Op.Store, IrType.V128, PopN(2), ins.MemOffset);
            return true;
        }
        Op op = SimdInfo.IrOp(info);
        int[] args = PopN(info.Params.Length);
        IrType type = info.Results.Length == 1 ? IrTypes.FromWasm(info.Results[0]) : IrType.V128;
        long imm = op != Op.Simd ? ins.MemOffset
            : info.Immediate == ImmediateKind.Shuffle ? _f.InternConstant(ToUInt128(ins.V128))
            : SimdInfo.HasLane(info) ? ins.Index : 0;
        int inst = _f.CreateInst(op, type, args, imm);
        _f.Inst(inst).Aux = (int)ins.Opcode & 0xFF;
        _f.Inst(inst).Imm2 = op != Op.Simd && SimdInfo.HasLane(info) ? (int)ins.Index : 0;
        if (OpInfo.ResultType(op, type) is IrType rt)
        {
            Push(_f.AddResult(inst, rt));
        }
        _f.Append(_current, inst);
        return true;
    }

    private void OpenFrame(in Instruction ins)
    {
        _decoder.Spaces.BlockTypes(ins.BlockType, out ValType[] parameters, out ValType[] results);
        switch (ins.Opcode)
        {
            case Opcode.Block:
            {
                int end = NewBlock();
                AddParams(end, results);
                _controls.Push(FrameKind.Block, _stack.Count, parameters, results).Data.Target = end;
                break;
            }
            case Opcode.Loop:
            {
                if (ins.Offset == _osrLoopOffset)
                {
                    EnterOsrJoin();
                }
                // The header is a block of its own: back edges arrive there, so it stays unsealed until the loop's end.
                int header = NewBlock();
                _f.LoopHeaders.Add(header);
                int[] headerParams = AddParams(header, parameters);
                Jump(header, PopN(parameters.Length));
                _controls.Push(FrameKind.Loop, _stack.Count + parameters.Length, parameters, results).Data.Target = header;
                int entering = _current;
                if (!_loopsScanned)
                {
                    ScanLoopAssignments(ins.Offset);
                }
                int loop = LoopAt(ins.Offset);
                if (loop >= 0)
                {
                    _headerOf[header] = (loop, entering);
                }
                SwitchTo(header);
                if (_osrLoopOffset >= 0)
                {
                    StackBelowLoopAsVariables(entering, header);
                }
                foreach (int p in headerParams)
                {
                    Push(p);
                }
                break;
            }
            default:
            {
                int cond = Pop();
                int end = NewBlock();
                AddParams(end, results);
                int then = NewBlock();
                int otherwise = NewBlock();
                Terminate(Op.Brif, [cond], [(then, []), (otherwise, [])]);
                Seal(then);
                Seal(otherwise);
                ref ControlFrame<Frame> frame = ref _controls.Push(FrameKind.If, _stack.Count, parameters, results);
                frame.Data.Target = end;
                frame.Data.ElseBlock = otherwise;
                frame.Data.ParamValues = _stack.GetRange(_stack.Count - parameters.Length, parameters.Length).ToArray();
                SwitchTo(then);
                break;
            }
        }
    }

    private int[] AddParams(int block, ValType[] types)
    {
        _mayHaveTrivialParams |= types.Length > 0;
        var values = new int[types.Length];
        for (int i = 0; i < types.Length; i++)
        {
            values[i] = _f.AddBlockParam(block, IrTypes.FromWasm(types[i]));
        }
        return values;
    }

    private void TranslateElse()
    {
        ref ControlFrame<Frame> frame = ref _controls.Top;
        if (!_controls.Unreachable)
        {
            Jump(frame.Data.Target, BranchArgs(ref frame));
        }
        _controls.EnterElse();
        TruncateStack(frame.Height);
        _stack.AddRange(frame.Data.ParamValues);
        SwitchTo(frame.Data.ElseBlock);
    }

    private void TranslateEnd()
    {
        ref ControlFrame<Frame> frame = ref _controls.Top;
        if (frame.Kind == FrameKind.Function)
        {
            if (!_controls.Unreachable)
            {
                Return();
            }
            _controls.Pop(branchedTo: false);
            return;
        }
        int height = frame.Height;
        if (frame.Kind == FrameKind.Loop)
        {
            // Every back edge is known now. The code after the loop continues in the current block.
            Seal(frame.Data.Target);
            if (!_controls.Pop(branchedTo: false))
            {
                TruncateStack(height);
            }
            return;
        }
        int end = frame.Data.Target;
        if (!_controls.Unreachable)
        {
            Jump(end, BranchArgs(ref frame));
        }
        if (frame.Kind == FrameKind.If)
        {
            // No else: the false path carries the parameters to the end as its results (the validator made them equal).
            SwitchTo(frame.Data.ElseBlock);
            Jump(end, frame.Data.ParamValues);
        }
        bool reachable = _preds[end].Count > 0;
        _controls.Pop(reachable);
        TruncateStack(height);
        if (reachable)
        {
            Seal(end);
            SwitchTo(end);
            _stack.AddRange(_f.Block(end).Params);
        }
        else
        {
            _f.DiscardBlock(end);
        }
    }

    private bool TryMemory(in Instruction ins)
    {
        (Op op, IrType type) = ins.Opcode switch
        {
            Opcode.I32Load => (Op.Load, IrType.I32),
            Opcode.I64Load => (Op.Load, IrType.I64),
            Opcode.F32Load => (Op.Load, IrType.F32),
            Opcode.F64Load => (Op.Load, IrType.F64),
            Opcode.I32Load8S => (Op.Sload8, IrType.I32),
            Opcode.I32Load8U => (Op.Uload8, IrType.I32),
            Opcode.I32Load16S => (Op.Sload16, IrType.I32),
            Opcode.I32Load16U => (Op.Uload16, IrType.I32),
            Opcode.I64Load8S => (Op.Sload8, IrType.I64),
            Opcode.I64Load8U => (Op.Uload8, IrType.I64),
            Opcode.I64Load16S => (Op.Sload16, IrType.I64),
            Opcode.I64Load16U => (Op.Uload16, IrType.I64),
            Opcode.I64Load32S => (Op.Sload32, IrType.I64),
            Opcode.I64Load32U => (Op.Uload32, IrType.I64),
            Opcode.I32Store => (Op.Store, IrType.I32),
            Opcode.I64Store => (Op.Store, IrType.I64),
            Opcode.F32Store => (Op.Store, IrType.F32),
            Opcode.F64Store => (Op.Store, IrType.F64),
            Opcode.I32Store8 => (Op.Store8, IrType.I32),
            Opcode.I32Store16 => (Op.Store16, IrType.I32),
            Opcode.I64Store8 => (Op.Store8, IrType.I64),
            Opcode.I64Store16 => (Op.Store16, IrType.I64),
            Opcode.I64Store32 => (Op.Store32, IrType.I64),
            _ => ((Op)255, IrType.I32),
        };
        if (op == (Op)255)
        {
            return false;
        }
        if (OpInfo.IsStore(op))
        {
            int value = Pop();
            int address = Pop();
            Emit(op, type, [address, value], ins.MemOffset);
        }
        else
        {
            Push(Emit(op, type, [Pop()], ins.MemOffset));
        }
        return true;
    }

    private bool TryNumeric(Opcode opcode)
    {
        (Op op, IrType type, int arity) = opcode switch
        {
            Opcode.I32Eqz => (Op.Eqz, IrType.I32, 1),
            Opcode.I64Eqz => (Op.Eqz, IrType.I64, 1),
            >= Opcode.I32Eq and <= Opcode.I32GeU => ((Op)((int)Op.Ieq + (opcode - Opcode.I32Eq)), IrType.I32, 2),
            >= Opcode.I64Eq and <= Opcode.I64GeU => ((Op)((int)Op.Ieq + (opcode - Opcode.I64Eq)), IrType.I64, 2),
            >= Opcode.F32Eq and <= Opcode.F32Ge => ((Op)((int)Op.Feq + (opcode - Opcode.F32Eq)), IrType.F32, 2),
            >= Opcode.F64Eq and <= Opcode.F64Ge => ((Op)((int)Op.Feq + (opcode - Opcode.F64Eq)), IrType.F64, 2),
            >= Opcode.I32Clz and <= Opcode.I32Popcnt => ((Op)((int)Op.Clz + (opcode - Opcode.I32Clz)), IrType.I32, 1),
            >= Opcode.I32Add and <= Opcode.I32Rotr => ((Op)((int)Op.Iadd + (opcode - Opcode.I32Add)), IrType.I32, 2),
            >= Opcode.I64Clz and <= Opcode.I64Popcnt => ((Op)((int)Op.Clz + (opcode - Opcode.I64Clz)), IrType.I64, 1),
            >= Opcode.I64Add and <= Opcode.I64Rotr => ((Op)((int)Op.Iadd + (opcode - Opcode.I64Add)), IrType.I64, 2),
            >= Opcode.F32Abs and <= Opcode.F32Sqrt => ((Op)((int)Op.Fabs + (opcode - Opcode.F32Abs)), IrType.F32, 1),
            >= Opcode.F32Add and <= Opcode.F32Copysign => ((Op)((int)Op.Fadd + (opcode - Opcode.F32Add)), IrType.F32, 2),
            >= Opcode.F64Abs and <= Opcode.F64Sqrt => ((Op)((int)Op.Fabs + (opcode - Opcode.F64Abs)), IrType.F64, 1),
            >= Opcode.F64Add and <= Opcode.F64Copysign => ((Op)((int)Op.Fadd + (opcode - Opcode.F64Add)), IrType.F64, 2),
            Opcode.I32WrapI64 => (Op.Wrap, IrType.I32, 1),
            Opcode.I32TruncF32S or Opcode.I32TruncF64S => (Op.TruncS, IrType.I32, 1),
            Opcode.I32TruncF32U or Opcode.I32TruncF64U => (Op.TruncU, IrType.I32, 1),
            Opcode.I64ExtendI32S => (Op.Sextend, IrType.I64, 1),
            Opcode.I64ExtendI32U => (Op.Uextend, IrType.I64, 1),
            Opcode.I64TruncF32S or Opcode.I64TruncF64S => (Op.TruncS, IrType.I64, 1),
            Opcode.I64TruncF32U or Opcode.I64TruncF64U => (Op.TruncU, IrType.I64, 1),
            Opcode.F32ConvertI32S or Opcode.F32ConvertI64S => (Op.ConvertS, IrType.F32, 1),
            Opcode.F32ConvertI32U or Opcode.F32ConvertI64U => (Op.ConvertU, IrType.F32, 1),
            Opcode.F32DemoteF64 => (Op.Demote, IrType.F32, 1),
            Opcode.F64ConvertI32S or Opcode.F64ConvertI64S => (Op.ConvertS, IrType.F64, 1),
            Opcode.F64ConvertI32U or Opcode.F64ConvertI64U => (Op.ConvertU, IrType.F64, 1),
            Opcode.F64PromoteF32 => (Op.Promote, IrType.F64, 1),
            Opcode.I32ReinterpretF32 => (Op.Bitcast, IrType.I32, 1),
            Opcode.I64ReinterpretF64 => (Op.Bitcast, IrType.I64, 1),
            Opcode.F32ReinterpretI32 => (Op.Bitcast, IrType.F32, 1),
            Opcode.F64ReinterpretI64 => (Op.Bitcast, IrType.F64, 1),
            Opcode.I32Extend8S => (Op.Sextend8, IrType.I32, 1),
            Opcode.I32Extend16S => (Op.Sextend16, IrType.I32, 1),
            Opcode.I64Extend8S => (Op.Sextend8, IrType.I64, 1),
            Opcode.I64Extend16S => (Op.Sextend16, IrType.I64, 1),
            Opcode.I64Extend32S => (Op.Sextend32, IrType.I64, 1),
            Opcode.I32TruncSatF32S or Opcode.I32TruncSatF64S => (Op.TruncSatS, IrType.I32, 1),
            Opcode.I32TruncSatF32U or Opcode.I32TruncSatF64U => (Op.TruncSatU, IrType.I32, 1),
            Opcode.I64TruncSatF32S or Opcode.I64TruncSatF64S => (Op.TruncSatS, IrType.I64, 1),
            Opcode.I64TruncSatF32U or Opcode.I64TruncSatF64U => (Op.TruncSatU, IrType.I64, 1),
            _ => ((Op)255, IrType.I32, 0),
        };
        if (arity == 0)
        {
            return false;
        }
        if (arity == 1)
        {
            Push(Emit(op, type, [Pop()]));
        }
        else
        {
            int b = Pop();
            int a = Pop();
            Push(Emit(op, type, [a, b]));
        }
        return true;
    }
}

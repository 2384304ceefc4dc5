using System.Collections.Immutable;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Validation;

/// <summary>The typing rule of each instruction (spec 3.3, appendix "Validation Algorithm").</summary>
public sealed partial class FunctionValidator
{
    private static readonly Signature[] s_signatures = BuildSignatures();

    /// <summary>
    /// Validates one instruction decoded from <paramref name="reader"/> (which br_table reads its
    /// targets from). Call it only while <see cref="IsFinished"/> is false, then <see cref="End"/>.
    /// </summary>
    /// <exception cref="InvalidModuleException">The instruction does not type-check here.</exception>
    public void Step(in Instruction ins, in InstructionReader reader)
    {
        _offset = ins.Offset;
        // The most frequent instructions of real code first (local and global access, i32
        // constants: about 60% of compiled C), each falling back to the general rule on error.
        switch (ins.Opcode)
        {
            case Opcode.LocalGet when ins.Index < (uint)_localCount:
                CountLocalGet(ins.Index);
                PushOperand(_locals[ins.Index]);
                return;
            case Opcode.LocalSet when ins.Index < (uint)_localCount:
                CountLocalSet(ins.Index);
                PopOperand(_locals[ins.Index]);
                return;
            case Opcode.I32Const:
                PushOperand(ValType.I32);
                return;
            case Opcode.GlobalGet when ins.Index < (uint)_globalTypes.Length:
                PushOperand(_globalTypes[ins.Index]);
                return;
        }
        ref readonly Signature sig = ref s_signatures[Slot(ins.Opcode)];
        if (!sig.IsFixed)
        {
            StepSpecial(ins, reader);
            return;
        }
        // The bulk of the instruction set: fixed operand and result types from the opcode table.
        if (sig.ChecksImmediates)
        {
            CheckImmediates(ins, sig.Info);
        }
        if (sig.PopCount > 0)
        {
            PopOperand(sig.Param0);
            if (sig.PopCount > 1)
            {
                PopOperand(sig.Param1);
                if (sig.PopCount > 2)
                {
                    PopOperand(sig.Param2);
                }
            }
        }
        if (sig.Result != Unknown)
        {
            PushOperand(sig.Result);
        }
    }

    /// <summary>Dense index of an opcode: plain 0..255, 0xFC ops 256..511, 0xFD ops 512..767.</summary>
    private static int Slot(Opcode opcode)
    {
        int code = (ushort)opcode;
        int prefix = code >> 8;
        return prefix == 0 ? code : ((prefix & 1) == 0 ? 256 : 512) + (code & 0xFF);
    }

    private static Signature[] BuildSignatures()
    {
        var signatures = new Signature[768];
        foreach (OpcodeInfo info in OpcodeTable.All)
        {
            signatures[Slot(info.Opcode)] = new Signature(info);
        }
        return signatures;
    }

    /// <summary>An opcode's fixed typing, flattened for the hot loop (no instruction pops more than 3 or pushes more than 1).</summary>
    private readonly struct Signature
    {
        public Signature(OpcodeInfo info)
        {
            Info = info;
            IsFixed = info.HasFixedTypes && info.Params.Length <= 3 && info.Results.Length <= 1;
            if (!IsFixed)
            {
                return;
            }
            ImmutableArray<ValType> p = info.Params;
            PopCount = (byte)p.Length;
            // Popped in reverse: Param0 is the last operand, the top of the stack.
            Param0 = p.Length > 0 ? p[^1] : Unknown;
            Param1 = p.Length > 1 ? p[^2] : Unknown;
            Param2 = p.Length > 2 ? p[^3] : Unknown;
            Result = info.Results.Length == 1 ? info.Results[0] : Unknown;
            ChecksImmediates = info.Immediate is not (ImmediateKind.None or ImmediateKind.I32 or ImmediateKind.I64
                or ImmediateKind.F32 or ImmediateKind.F64 or ImmediateKind.V128);
        }

        public readonly OpcodeInfo Info;
        public readonly bool IsFixed;
        public readonly bool ChecksImmediates;
        public readonly byte PopCount;
        public readonly ValType Param0;
        public readonly ValType Param1;
        public readonly ValType Param2;
        public readonly ValType Result;
    }

    /// <summary>Index and lane checks of the instructions whose operand types are fixed by the opcode table.</summary>
    private void CheckImmediates(in Instruction ins, OpcodeInfo info)
    {
        switch (info.Immediate)
        {
            case ImmediateKind.MemArg:
                RequireMemory(0);
                CheckAlignment(ins, info);
                break;
            case ImmediateKind.MemArgLane:
                RequireMemory(0);
                CheckAlignment(ins, info);
                CheckLane(ins.Index, info.LaneCount);
                break;
            case ImmediateKind.Lane:
                CheckLane(ins.Index, info.LaneCount);
                break;
            case ImmediateKind.Shuffle:
                for (int i = 0; i < 16; i++)
                {
                    // Spec 3.3.3: shuffle lanes index the 32 bytes of both operands.
                    CheckLane(ins.V128.GetByte(i), 32);
                }
                break;
            case ImmediateKind.Memory:
            case ImmediateKind.MemoryCopy:
                RequireMemory(0);
                break;
            case ImmediateKind.MemoryInit:
                RequireMemory(0);
                RequireData(ins.Index);
                break;
            case ImmediateKind.Data:
                RequireData(ins.Index);
                break;
            case ImmediateKind.Table:
                RequireTable(ins.Index);
                break;
            case ImmediateKind.Element:
                RequireElement(ins.Index);
                break;
            case ImmediateKind.TableInit:
            {
                ValType table = RequireTable(ins.Index2);
                ValType element = RequireElement(ins.Index);
                if (table != element)
                {
                    throw TypeMismatch($"type mismatch: element segment of {Name(element)} into a table of {Name(table)}");
                }
                break;
            }
            case ImmediateKind.TableCopy:
            {
                ValType destination = RequireTable(ins.Index);
                ValType source = RequireTable(ins.Index2);
                if (destination != source)
                {
                    throw TypeMismatch($"type mismatch: copy from a table of {Name(source)} into a table of {Name(destination)}");
                }
                break;
            }
        }
    }

    private void StepSpecial(in Instruction ins, in InstructionReader reader)
    {
        switch (ins.Opcode)
        {
            case Opcode.Unreachable:
                SetUnreachable();
                break;
            case Opcode.Nop:
                break;
            case Opcode.Block:
            case Opcode.Loop:
            {
                (ValType[] start, ValType[] end) = ResolveBlockType(ins.BlockType);
                PopOperands(start);
                PushControl(ins.Opcode, start, end);
                break;
            }
            case Opcode.If:
            {
                (ValType[] start, ValType[] end) = ResolveBlockType(ins.BlockType);
                PopOperand(ValType.I32);
                PopOperands(start);
                PushControl(Opcode.If, start, end);
                break;
            }
            case Opcode.Else:
            {
                if (_controls[_controlCount - 1].Opcode != Opcode.If)
                {
                    // The reference decoder ends the enclosing block at `else` and then wants `end`.
                    throw new MalformedModuleException("END opcode expected", ins.Offset, _functionIndex);
                }
                ControlFrame frame = PopControl();
                PushControl(Opcode.Else, frame.StartTypes, frame.EndTypes);
                break;
            }
            case Opcode.End:
            {
                ControlFrame frame = PopControl();
                // Spec 3.3.8: an if without else has an empty else branch, so it must map its inputs to its outputs.
                if (frame.Opcode == Opcode.If && !frame.StartTypes.AsSpan().SequenceEqual(frame.EndTypes))
                {
                    throw TypeMismatch("type mismatch: if without else must leave its parameters as its results");
                }
                PushOperands(frame.EndTypes);
                break;
            }
            case Opcode.Br:
                PopOperands(LabelTypes(RequireLabel(ins.Index)));
                SetUnreachable();
                break;
            case Opcode.BrIf:
            {
                ValType[] types = LabelTypes(RequireLabel(ins.Index));
                PopOperand(ValType.I32);
                PopOperands(types);
                PushOperands(types);
                break;
            }
            case Opcode.BrTable:
                StepBrTable(ins, reader);
                break;
            case Opcode.Return:
                PopOperands(Types(_type.Results));
                SetUnreachable();
                break;
            case Opcode.Call:
            {
                FuncType callee = RequireFunction(ins.Index);
                PopOperands(Types(callee.Params));
                PushOperands(Types(callee.Results));
                break;
            }
            case Opcode.CallIndirect:
            {
                ValType table = RequireTable(ins.Index2);
                if (table != ValType.FuncRef)
                {
                    throw TypeMismatch($"type mismatch: call_indirect through a table of {Name(table)}");
                }
                FuncType callee = RequireType(ins.Index);
                _callIndirectOffsets.Add(ins.Offset);
                PopOperand(ValType.I32);
                PopOperands(Types(callee.Params));
                PushOperands(Types(callee.Results));
                break;
            }
            case Opcode.Drop:
                PopOperand();
                break;
            case Opcode.Select:
                StepSelect();
                break;
            case Opcode.SelectTyped:
            {
                // Spec 3.3.4: a typed select names exactly one type (any, references included).
                if (ins.Index != 1)
                {
                    throw Invalid("invalid result arity");
                }
                PopOperand(ValType.I32);
                PopOperand(ins.Type);
                PopOperand(ins.Type);
                PushOperand(ins.Type);
                break;
            }
            case Opcode.LocalGet:
                PushOperand(RequireLocal(ins.Index));
                break;
            case Opcode.LocalSet:
                PopOperand(RequireLocal(ins.Index));
                break;
            case Opcode.LocalTee:
            {
                ValType type = RequireLocal(ins.Index);
                CountLocalSet(ins.Index);
                PopOperand(type);
                PushOperand(type);
                break;
            }
            case Opcode.GlobalGet:
                PushOperand(RequireGlobal(ins.Index).ValueType);
                break;
            case Opcode.GlobalSet:
            {
                GlobalType global = RequireGlobal(ins.Index);
                if (!global.Mutable)
                {
                    throw Invalid("global is immutable");
                }
                PopOperand(global.ValueType);
                break;
            }
            case Opcode.TableGet:
            {
                ValType element = RequireTable(ins.Index);
                PopOperand(ValType.I32);
                PushOperand(element);
                break;
            }
            case Opcode.TableSet:
            {
                ValType element = RequireTable(ins.Index);
                PopOperand(element);
                PopOperand(ValType.I32);
                break;
            }
            case Opcode.TableGrow:
            {
                ValType element = RequireTable(ins.Index);
                PopOperand(ValType.I32);
                PopOperand(element);
                PushOperand(ValType.I32);
                break;
            }
            case Opcode.TableFill:
            {
                ValType element = RequireTable(ins.Index);
                PopOperand(ValType.I32);
                PopOperand(element);
                PopOperand(ValType.I32);
                break;
            }
            case Opcode.RefNull:
                PushOperand(ins.Type);
                break;
            case Opcode.RefIsNull:
            {
                ValType type = PopOperand();
                if (type != Unknown && !type.IsReference())
                {
                    throw TypeMismatch($"type mismatch: ref.is_null of {Name(type)}");
                }
                PushOperand(ValType.I32);
                break;
            }
            case Opcode.RefFunc:
                RequireFunction(ins.Index);
                if (!_context.IsDeclaredFunction(ins.Index))
                {
                    throw Invalid("undeclared function reference");
                }
                PushOperand(ValType.FuncRef);
                break;
            default:
                throw new InvalidOperationException($"{ins.Info.Name} has neither fixed operand types nor a typing rule");
        }
    }

    /// <summary>Spec appendix: every target must take the same number of values, and the operands must suit each.</summary>
    private void StepBrTable(in Instruction ins, in InstructionReader reader)
    {
        PopOperand(ValType.I32);
        var targets = new WasmReader(reader.Code) { Position = ins.BrTableStart };
        for (uint i = 0; i < ins.BrTableCount; i++)
        {
            targets.ReadU32();
        }
        ValType[] defaultTypes = LabelTypes(RequireLabel(targets.ReadU32()));
        targets.Position = ins.BrTableStart;
        for (uint i = 0; i < ins.BrTableCount; i++)
        {
            ValType[] types = LabelTypes(RequireLabel(targets.ReadU32()));
            if (types.Length != defaultTypes.Length)
            {
                throw TypeMismatch("type mismatch: br_table targets take different numbers of values");
            }
            CheckOperands(types);
        }
        PopOperands(defaultTypes);
        SetUnreachable();
    }

    /// <summary>Spec 3.3.4: untyped select works on numbers and vectors only; references need the typed form.</summary>
    private void StepSelect()
    {
        PopOperand(ValType.I32);
        ValType t1 = PopOperand();
        ValType t2 = PopOperand();
        if (!((IsNumeric(t1) && IsNumeric(t2)) || (IsVector(t1) && IsVector(t2))))
        {
            throw TypeMismatch($"type mismatch: select of {Name(t1)} needs a type annotation");
        }
        if (t1 != t2 && t1 != Unknown && t2 != Unknown)
        {
            throw TypeMismatch($"type mismatch: select between {Name(t2)} and {Name(t1)}");
        }
        PushOperand(t1 == Unknown ? t2 : t1);
    }

    private static bool IsNumeric(ValType type) => type == Unknown || type.IsNumeric();

    private static bool IsVector(ValType type) => type is Unknown or ValType.V128;

    private (ValType[] Start, ValType[] End) ResolveBlockType(BlockType type)
    {
        if (type.IsEmpty)
        {
            return ([], []);
        }
        if (type.IsValue)
        {
            return ([], Single(type.ValueType));
        }
        FuncType func = RequireType(type.TypeIndex);
        return (Types(func.Params), Types(func.Results));
    }

    private ref readonly ControlFrame RequireLabel(uint depth)
    {
        if (depth >= (uint)_controlCount)
        {
            throw Invalid($"unknown label {depth}");
        }
        return ref _controls[_controlCount - 1 - (int)depth];
    }

    private FuncType RequireType(uint index)
    {
        if (index >= (uint)_context.Types.Count)
        {
            throw Invalid($"unknown type {index}");
        }
        return _context.Types[(int)index];
    }

    private FuncType RequireFunction(uint index)
    {
        if (index >= (uint)_context.FunctionCount)
        {
            throw Invalid($"unknown function {index}");
        }
        return _context.GetFunctionType(index);
    }

    private ValType RequireLocal(uint index)
    {
        if (index >= (uint)_localCount)
        {
            throw Invalid($"unknown local {index}");
        }
        return _locals[index];
    }

    private GlobalType RequireGlobal(uint index)
    {
        if (index >= (uint)_context.GlobalCount)
        {
            throw Invalid($"unknown global {index}");
        }
        return _context.GetGlobal(index);
    }

    private ValType RequireTable(uint index)
    {
        if (index >= (uint)_context.TableCount)
        {
            throw Invalid($"unknown table {index}");
        }
        return _context.GetTableType(index);
    }

    private ValType RequireElement(uint index)
    {
        if (index >= (uint)_context.ElementCount)
        {
            throw Invalid($"unknown elem segment {index}");
        }
        return _context.GetElementType(index);
    }

    private void RequireMemory(uint index)
    {
        if (index >= (uint)_context.MemoryCount)
        {
            throw Invalid($"unknown memory {index}");
        }
    }

    /// <summary>Spec 5.5.16 and 3.3.7: memory.init and data.drop need the data count section, and an index below its count.</summary>
    private void RequireData(uint index)
    {
        if (_context.DataCount is not { } count)
        {
            throw new MalformedModuleException("data count section required", _offset, _functionIndex);
        }
        if (index >= count)
        {
            throw Invalid($"unknown data segment {index}");
        }
    }

    /// <summary>Spec 3.3.7: the alignment hint may not exceed the access's natural alignment.</summary>
    private void CheckAlignment(in Instruction ins, OpcodeInfo info)
    {
        if (ins.Align > info.NaturalAlignmentLog2)
        {
            throw Invalid("alignment must not be larger than natural");
        }
    }

    private void CheckLane(uint lane, int laneCount)
    {
        if (lane >= (uint)laneCount)
        {
            throw Invalid("invalid lane index");
        }
    }
}

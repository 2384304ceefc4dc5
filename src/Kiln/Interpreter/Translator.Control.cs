using System.Collections.Immutable;
using Kiln.FrontEnd;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Control = Kiln.FrontEnd.ControlFrame<Kiln.Interpreter.Translator.Frame>;

namespace Kiln.Interpreter;

internal sealed partial class Translator
{
    private void TranslateBlockStart(in Instruction ins)
    {
        _spaces.BlockTypes(ins.BlockType, out ValType[] parameters, out ValType[] results);
        int cond = ins.Opcode == Opcode.If ? Pop() : -1;
        // Control flow merges at every label, so all entries must be in their own slots first:
        // a local they refer to could change on one path only.
        MaterializeAll();
        FrameKind kind = ins.Opcode switch
        {
            Opcode.Block => FrameKind.Block,
            Opcode.Loop => FrameKind.Loop,
            _ => FrameKind.If,
        };
        ref Control control = ref _controls.Push(kind, _height, parameters, results);
        control.Data.FixupHead = -1;
        control.Data.ElseFixup = -1;
        switch (kind)
        {
            case FrameKind.Loop:
                control.Data.LoopStart = _code.Count;
                // The interruption hook: every loop iteration passes here.
                Emit(InterpOp.LoopCheck);
                break;
            case FrameKind.If:
                EmitConditionalJump(cond, whenTrue: false);
                control.Data.ElseFixup = _code.Count;
                _code.Add(-1);
                break;
        }
        _lastResultOperand = -1;
    }

    private void TranslateElse()
    {
        ref Control c = ref _controls.Top;
        if (!_controls.Unreachable)
        {
            MoveResults(c.Height, c.Results.Length);
            _forwardBranches.Add(_code.Count);
            _code.Add((int)InterpOp.Br);
            AddFixup(ref c);
        }
        _controls.EnterElse();
        // The false path starts here, with the parameters still in their slots.
        _code[c.Data.ElseFixup] = _code.Count;
        c.Data.ElseFixup = -1;
        ResetToCanonical(c.Height, c.Params);
        _lastResultOperand = -1;
    }

    private void TranslateEnd()
    {
        ref Control c = ref _controls.Top;
        if (c.Kind == FrameKind.Function)
        {
            if (!_controls.Unreachable)
            {
                EmitReturn();
            }
            // Branches to the function's label were translated as returns, so nothing is patched here.
            _controls.Pop(branchedTo: false);
            return;
        }
        if (!_controls.Unreachable)
        {
            MoveResults(c.Height, c.Results.Length);
        }
        bool branchedTo = c.Data.FixupHead != -1;
        if (branchedTo)
        {
            PatchFixups(c.Data.FixupHead, _code.Count);
        }
        if (c.Kind == FrameKind.If)
        {
            // No else: the false path arrives here with the parameters as results.
            _code[c.Data.ElseFixup] = _code.Count;
        }
        int height = c.Height;
        ValType[] results = c.Results;
        _controls.Pop(branchedTo);
        ResetToCanonical(height, results);
        _lastResultOperand = -1;
    }

    /// <summary>Copies the top <paramref name="count"/> values to the canonical slots starting at height <paramref name="baseHeight"/>.</summary>
    private void MoveResults(int baseHeight, int count)
    {
        if (_height - count < baseHeight)
        {
            throw new InternalErrorException("block results underflow the operand stack");
        }
        // The label's slots follow each other from the slot of baseHeight, each as wide as the
        // value that goes there. Ascending order is safe: a source is a local (below every operand
        // slot) or an operand slot no lower than its destination, and no lower than the end of
        // every destination before it.
        int dst = Slot(baseHeight);
        for (int h = _height - count; h < _height; h++)
        {
            int width = Width(h);
            EmitMove(dst, _stack[h], width);
            dst += width;
        }
    }

    /// <summary>Makes the stack from <paramref name="from"/> up hold exactly <paramref name="types"/>, each in its canonical slot.</summary>
    private void ResetToCanonical(int from, ValType[] types)
    {
        int to = from + types.Length;
        if (to > _stack.Length)
        {
            Array.Resize(ref _stack, Math.Max(to, _stack.Length * 2));
            Array.Resize(ref _offsets, _stack.Length + 1);
        }
        for (int i = from; i < to; i++)
        {
            _stack[i] = Slot(i);
            _offsets[i + 1] = _offsets[i] + SlotLayout.SlotCount(types[i - from]);
        }
        _height = to;
        if (_offsets[to] > _maxSlots)
        {
            _maxSlots = _offsets[to];
        }
    }

    private void AddFixup(ref Control c)
    {
        int pos = _code.Count;
        _code.Add(c.Data.FixupHead);
        c.Data.FixupHead = pos;
    }

    private void PatchFixups(int head, int target)
    {
        while (head != -1)
        {
            int next = _code[head];
            _code[head] = target;
            head = next;
        }
    }

    /// <summary>Emits the jump operand for a branch to frame <paramref name="frame"/>.</summary>
    private void EmitTarget(int frame)
    {
        ref Control c = ref _controls[frame];
        if (c.Kind == FrameKind.Loop)
        {
            _code.Add(c.Data.LoopStart);
        }
        else
        {
            AddFixup(ref c);
        }
    }

    /// <summary>True when the branch values already sit in the label's slots, so no copies are needed.</summary>
    private bool BranchValuesInPlace(int frame)
    {
        ref Control c = ref _controls[frame];
        int arity = c.BranchTypes.Length;
        if (_height - arity < c.Height)
        {
            throw new InternalErrorException("branch values underflow the operand stack");
        }
        // The label's slots start at the slot of the label's height, laid out by the values' widths.
        int dst = Slot(c.Height);
        for (int h = _height - arity; h < _height; h++)
        {
            if (_stack[h] != dst)
            {
                return false;
            }
            dst += Width(h);
        }
        return true;
    }

    /// <summary>Unconditional branch: copy the label's values, then jump (or return, for the function label).</summary>
    private void TranslateBr(int frame)
    {
        ref Control c = ref _controls[frame];
        if (c.Kind == FrameKind.Function)
        {
            EmitReturn();
            return;
        }
        MoveResults(c.Height, c.BranchTypes.Length);
        if (c.Kind == FrameKind.Loop)
        {
            // Skip the loop's LoopCheck: BrLoop does the same check itself, saving a dispatch.
            _code.Add((int)InterpOp.BrLoop, c.Data.LoopStart + 1);
            return;
        }
        _forwardBranches.Add(_code.Count);
        _code.Add((int)InterpOp.Br);
        EmitTarget(frame);
    }

    private void TranslateBrIf(int frame)
    {
        int cond = Pop();
        if (_controls[frame].Kind != FrameKind.Function && BranchValuesInPlace(frame))
        {
            EmitConditionalJump(cond, whenTrue: true);
            EmitTarget(frame);
            return;
        }
        // Copies happen on the taken path only: skip over them when the condition is false.
        EmitConditionalJump(cond, whenTrue: false);
        int skip = _code.Count;
        _code.Add(-1);
        TranslateBr(frame);
        _code[skip] = _code.Count;
    }

    private void TranslateBrTable(in Instruction ins, ref InstructionReader reader)
    {
        uint count = ins.BrTableCount;
        if (count > 1_000_000)
        {
            throw new ResourceLimitException($"br_table with {count} targets");
        }
        if (_brLabels.Length < count + 1)
        {
            _brLabels = new uint[Math.Max(count + 1, (uint)_brLabels.Length * 2)];
            _brNeedsStub = new bool[_brLabels.Length];
        }
        // Buffers reused from one br_table to the next: the per-instruction path does not allocate.
        Span<uint> labels = _brLabels.AsSpan(0, (int)count + 1);
        Span<bool> needsStub = _brNeedsStub.AsSpan(0, labels.Length);
        needsStub.Clear();
        reader.ReadBrTableTargets(in ins, labels);
        int index = Pop();
        _code.Add((int)InterpOp.BrTable, index, (int)count);
        int table = _code.Count;
        for (int i = 0; i < labels.Length; i++)
        {
            int frame = _controls.FrameIndex(labels[i]);
            if (_controls[frame].Kind != FrameKind.Function && BranchValuesInPlace(frame))
            {
                EmitTarget(frame);
            }
            else
            {
                needsStub[i] = true;
                _code.Add(-1);
            }
        }
        // Targets that need value copies (or a return) jump to a stub placed after the table.
        for (int i = 0; i < labels.Length; i++)
        {
            if (needsStub[i])
            {
                _code[table + i] = _code.Count;
                TranslateBr(_controls.FrameIndex(labels[i]));
            }
        }
    }

    /// <summary>
    /// Emits a conditional jump on the i32 in <paramref name="cond"/> (the target operand follows).
    /// When the condition was computed by the comparison just emitted, the comparison is removed and
    /// a fused compare-and-branch takes its place: its result slot is read by nothing else.
    /// </summary>
    private void EmitConditionalJump(int cond, bool whenTrue)
    {
        if (cond == Slot(_height) && _lastResultOperand > 0 && _lastResultEnd == _code.Count && _code[_lastResultOperand] == cond)
        {
            int start = _lastResultOperand - 1;
            var compare = (InterpOp)_code[start];
            if (FusedBranch(compare, whenTrue) is { } fused)
            {
                int a = _code[start + 2];
                int b = compare == InterpOp.I32Eqz ? 0 : _code[start + 3];
                _code.Truncate(start);
                _lastResultOperand = -1;
                if (fused is InterpOp.BrIfEqz or InterpOp.BrIfNez)
                {
                    _code.Add((int)fused, a);
                }
                else
                {
                    _code.Add((int)fused, a, b);
                }
                return;
            }
        }
        _lastResultOperand = -1;
        _code.Add((int)(whenTrue ? InterpOp.BrIfNez : InterpOp.BrIfEqz), cond);
    }

    /// <summary>The compare-and-branch form that jumps when <paramref name="compare"/> is <paramref name="whenTrue"/>.</summary>
    private static InterpOp? FusedBranch(InterpOp compare, bool whenTrue) => (compare, whenTrue) switch
    {
        (InterpOp.I32Eqz, true) => InterpOp.BrIfEqz,
        (InterpOp.I32Eqz, false) => InterpOp.BrIfNez,
        (InterpOp.I32Eq, true) or (InterpOp.I32Ne, false) => InterpOp.BrIfI32Eq,
        (InterpOp.I32Ne, true) or (InterpOp.I32Eq, false) => InterpOp.BrIfI32Ne,
        (InterpOp.I32LtS, true) or (InterpOp.I32GeS, false) => InterpOp.BrIfI32LtS,
        (InterpOp.I32LtU, true) or (InterpOp.I32GeU, false) => InterpOp.BrIfI32LtU,
        (InterpOp.I32GtS, true) or (InterpOp.I32LeS, false) => InterpOp.BrIfI32GtS,
        (InterpOp.I32GtU, true) or (InterpOp.I32LeU, false) => InterpOp.BrIfI32GtU,
        (InterpOp.I32LeS, true) or (InterpOp.I32GtS, false) => InterpOp.BrIfI32LeS,
        (InterpOp.I32LeU, true) or (InterpOp.I32GtU, false) => InterpOp.BrIfI32LeU,
        (InterpOp.I32GeS, true) or (InterpOp.I32LtS, false) => InterpOp.BrIfI32GeS,
        (InterpOp.I32GeU, true) or (InterpOp.I32LtU, false) => InterpOp.BrIfI32GeU,
        (InterpOp.I32EqImm, true) or (InterpOp.I32NeImm, false) => InterpOp.BrIfI32EqImm,
        (InterpOp.I32NeImm, true) or (InterpOp.I32EqImm, false) => InterpOp.BrIfI32NeImm,
        (InterpOp.I32LtSImm, true) or (InterpOp.I32GeSImm, false) => InterpOp.BrIfI32LtSImm,
        (InterpOp.I32LtUImm, true) or (InterpOp.I32GeUImm, false) => InterpOp.BrIfI32LtUImm,
        (InterpOp.I32GtSImm, true) or (InterpOp.I32LeSImm, false) => InterpOp.BrIfI32GtSImm,
        (InterpOp.I32GtUImm, true) or (InterpOp.I32LeUImm, false) => InterpOp.BrIfI32GtUImm,
        (InterpOp.I32LeSImm, true) or (InterpOp.I32GtSImm, false) => InterpOp.BrIfI32LeSImm,
        (InterpOp.I32LeUImm, true) or (InterpOp.I32GtUImm, false) => InterpOp.BrIfI32LeUImm,
        (InterpOp.I32GeSImm, true) or (InterpOp.I32LtSImm, false) => InterpOp.BrIfI32GeSImm,
        (InterpOp.I32GeUImm, true) or (InterpOp.I32LtUImm, false) => InterpOp.BrIfI32GeUImm,
        _ => null,
    };

    /// <summary>Moves the function's results to slots 0..n and returns; does not change the translator's stack state.</summary>
    private void EmitReturn()
    {
        int n = _controls[0].Results.Length;
        if (_height < n)
        {
            throw new InternalErrorException("return values underflow the operand stack");
        }
        if (n == 1)
        {
            int entry = _stack[_height - 1];
            if (entry >= 0 && TopWidth() == 1)
            {
                _code.Add((int)InterpOp.Return1, entry);
                return;
            }
            EmitMove(0, entry, TopWidth());
            Emit(InterpOp.Return);
            return;
        }
        // Results go to the first slots of the frame (laid out by their widths), which overlap the
        // locals: a result that still refers to such a local is first copied to its own operand
        // slot, so no source is overwritten before it is read. The translator's stack state is
        // left alone (this may be a conditional path).
        int resultSlots = _offsets[_height] - _offsets[_height - n];
        Span<int> sources = n <= 16 ? stackalloc int[n] : new int[n];
        for (int i = 0; i < n; i++)
        {
            int h = _height - n + i;
            sources[i] = _stack[h];
            if (sources[i] >= 0 && sources[i] != Slot(h) && sources[i] < resultSlots)
            {
                EmitCopy(Slot(h), sources[i], Width(h));
                sources[i] = Slot(h);
            }
        }
        int dst = 0;
        for (int i = 0; i < n; i++)
        {
            int width = Width(_height - n + i);
            EmitMove(dst, sources[i], width);
            dst += width;
        }
        Emit(InterpOp.Return);
    }

    private void TranslateCall(uint functionIndex)
    {
        FuncType type = _spaces.FunctionTypes[functionIndex];
        int argBase = PrepareArguments(type.Params.Length);
        _code.Add((int)InterpOp.Call, (int)functionIndex, argBase);
        PushResults(type.Results);
    }

    private void TranslateCallIndirect(uint typeIndex, uint tableIndex)
    {
        FuncType type = _module.Types[(int)typeIndex];
        int index = Pop();
        int argBase = PrepareArguments(type.Params.Length);
        _code.Add((int)InterpOp.CallIndirect, _signatureIds[typeIndex], (int)tableIndex, argBase, index);
        PushResults(type.Results);
    }

    /// <summary>Puts the arguments in consecutive slots (the callee's frame starts there) and pops them.</summary>
    private int PrepareArguments(int count)
    {
        if (_height - count < _controls.Top.Height)
        {
            throw new InternalErrorException("call arguments underflow the operand stack");
        }
        for (int i = _height - count; i < _height; i++)
        {
            Materialize(i);
        }
        _height -= count;
        _lastResultOperand = -1;
        return Slot(_height);
    }

    /// <summary>Pushes the callee's results, laid out from the argument base as the callee wrote them.</summary>
    private void PushResults(ImmutableArray<ValType> results)
    {
        foreach (ValType t in results.AsSpan())
        {
            PushNew(SlotLayout.SlotCount(t));
        }
    }
}

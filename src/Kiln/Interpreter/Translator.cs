using Kiln.FrontEnd;
using Kiln.Vm;
using Kiln.Wasm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.Interpreter;

/// <summary>
/// Translates one validated function body into the interpreter's code stream in a single pass over
/// <see cref="InstructionReader"/>. Every operand-stack height is known statically, so values get
/// fixed frame slots and instructions name their operand slots directly (no stack pointer at run
/// time). <c>local.get</c> emits nothing: the stack entry just refers to the local's slot until the
/// local changes or control flow merges, and a result consumed by <c>local.set</c> is written
/// straight into the local. Branch targets are resolved here; nothing is decoded at run time.
/// Values take slots as <see cref="SlotLayout"/> says (a v128 two), so the translator tracks the
/// slot offset of every operand height; code without v128 gets one slot per value, as before.
/// </summary>
internal sealed partial class Translator
{
    private readonly WasmModule _module;
    private readonly int[] _signatureIds;
    private readonly CodeBuffer _code = new();

    // The front end: decoding, the control stack with this tier's frame data, dead-code skipping, the immediate checks.
    private readonly IndexSpaces _spaces;
    private readonly BodyDecoder<Frame> _decoder;
    private readonly ControlStack<Frame> _controls;
    /// <summary>
    /// The operand stack: each entry is the slot holding the value (its canonical slot, or a
    /// local's slot for a deferred local.get), or <c>-(k + 1)</c> for a deferred constant
    /// <c>_constants[k]</c>, which becomes an immediate operand or is written only when needed.
    /// </summary>
    private int[] _stack = new int[64];

    /// <summary>
    /// <c>_offsets[h]</c>: the slot of operand height <c>h</c> relative to the first
    /// operand slot; valid up to the current height, so <c>_offsets[h + 1] - _offsets[h]</c> is the
    /// slot count of entry h (<see cref="SlotLayout"/>).
    /// </summary>
    private int[] _offsets = new int[65];
    private readonly List<ulong> _constants = [];

    /// <summary>br_table: the targets, and which need a stub (grown as needed, reused).</summary>
    private uint[] _brLabels = new uint[16];
    private bool[] _brNeedsStub = new bool[16];

    /// <summary>Positions of forward <c>Br</c> instructions, revisited once all targets are known.</summary>
    private readonly List<int> _forwardBranches = [];
    private int _height;

    /// <summary>The most operand slots in use at once (the frame holds them after the locals).</summary>
    private int _maxSlots;

    /// <summary>Number of locals (parameters first), as local indices count them.</summary>
    private int _localCount;

    /// <summary>Slots the locals take: the first operand slot.</summary>
    private int _localSlots;

    /// <summary>Per local index: its first slot, and its slot count at <c>[index + 1] - [index]</c>.</summary>
    private int[] _localSlot = new int[65];

    /// <summary>Position of the destination operand of the last emitted value-producing instruction.</summary>
    private int _lastResultOperand = -1;

    /// <summary>Code length right after that instruction; the result is "fresh" only if nothing followed.</summary>
    private int _lastResultEnd = -1;

    public Translator(IndexSpaces spaces, int[] signatureIds)
    {
        _module = spaces.Module;
        _signatureIds = signatureIds;
        _spaces = spaces;
        _decoder = new BodyDecoder<Frame>(_spaces);
        _controls = _decoder.Controls;
    }

    /// <summary>What the translator keeps per control frame (<see cref="ControlFrame{TTierData}.Data"/>).</summary>
    internal struct Frame
    {
        /// <summary>Code position of a loop's first instruction.</summary>
        public int LoopStart;
        /// <summary>Head of the chain of forward-branch operands to patch with the end position (-1: none).</summary>
        public int FixupHead;
        /// <summary>For if: the operand of the BrIfEqz that skips to the else arm or the end.</summary>
        public int ElseFixup;
    }

    public InterpretedFunction Translate(uint definedIndex)
    {
        uint funcIndex = (uint)_spaces.ImportedFunctionCount + definedIndex;
        long locals = _spaces.LocalCount((int)definedIndex);
        if (locals > 50_000)
        {
            throw new ResourceLimitException($"function {funcIndex} declares {locals} locals; the interpreter allows 50000");
        }
        InstructionReader reader = _decoder.Begin((int)definedIndex);
        FuncType type = _decoder.Signature;
        SetUpLocals(type, _decoder.Body, _decoder.LocalCount);
        _code.Clear();
        _constants.Clear();
        _forwardBranches.Clear();
        _height = 0;
        _offsets[0] = 0;
        _maxSlots = 0;
        _lastResultOperand = -1;
        _controls[0].Data.FixupHead = -1;
        _controls[0].Data.ElseFixup = -1;

        // The front end hands out only what is translated: dead code is skipped there, immediates are checked there.
        BodyDecoder<Frame> decoder = _decoder;
        while (decoder.Next(ref reader, out Instruction ins))
        {
            TranslateInstruction(in ins, ref reader);
        }
        ThreadBranchesToReturns();
        int frameSize = checked(_localSlots + _maxSlots);
        return new InterpretedFunction(new FuncIndex(funcIndex), _module.GetFunctionName(new FuncIndex(funcIndex)), type, _localSlot[type.Params.Length], _localSlots, frameSize, _code.ToPinnedArray());
    }

    /// <summary>Lays out parameters then declared locals in consecutive slots (<see cref="SlotLayout"/>).</summary>
    private void SetUpLocals(FuncType type, FunctionBody body, int count)
    {
        _localCount = count;
        if (_localSlot.Length < count + 1)
        {
            _localSlot = new int[Math.Max(count + 1, _localSlot.Length * 2)];
        }
        int index = 0;
        int slot = 0;
        foreach (ValType t in type.Params.AsSpan())
        {
            _localSlot[index++] = slot;
            slot += SlotLayout.SlotCount(t);
        }
        foreach (LocalGroup g in body.Locals)
        {
            int width = SlotLayout.SlotCount(g.Type);
            for (uint i = 0; i < g.Count; i++)
            {
                _localSlot[index++] = slot;
                slot += width;
            }
        }
        _localSlot[index] = slot;
        _localSlots = slot;
    }

    /// <summary>
    /// A branch to a return becomes the return itself (both forms are at most as long as <c>Br</c>,
    /// and the words after a return are never executed), saving a dispatch at the ends of if/else.
    /// </summary>
    private void ThreadBranchesToReturns()
    {
        foreach (int pos in _forwardBranches)
        {
            int target = _code[pos + 1];
            if (target < 0 || target >= _code.Count)
            {
                continue;
            }
            switch ((InterpOp)_code[target])
            {
                case InterpOp.Return:
                    _code[pos] = (int)InterpOp.Return;
                    break;
                case InterpOp.Return1:
                    _code[pos] = (int)InterpOp.Return1;
                    _code[pos + 1] = _code[target + 1];
                    break;
            }
        }
    }

    // ----- operand stack -----

    /// <summary>The canonical slot of operand height <paramref name="height"/> (at most the current height).</summary>
    private int Slot(int height) => _localSlots + _offsets[height];

    /// <summary>Slots the entry at <paramref name="height"/> takes (below the current height).</summary>
    private int Width(int height) => _offsets[height + 1] - _offsets[height];

    /// <summary>Slots the top entry takes.</summary>
    private int TopWidth() => Width(_height - 1);

    /// <summary>Slots a value of local <paramref name="index"/> takes.</summary>
    private int LocalWidth(uint index) => _localSlot[index + 1] - _localSlot[index];

    /// <summary>Pushes an entry of <paramref name="width"/> slots (a v128 takes two).</summary>
    private void Push(int slot, int width = 1)
    {
        if (_height == _stack.Length)
        {
            Array.Resize(ref _stack, _stack.Length * 2);
            Array.Resize(ref _offsets, _stack.Length + 1);
        }
        _stack[_height] = slot;
        int top = _offsets[_height] + width;
        _offsets[++_height] = top;
        if (top > _maxSlots)
        {
            _maxSlots = top;
            if (_maxSlots > 100_000)
            {
                throw new ResourceLimitException("operand stack deeper than 100000 slots");
            }
        }
    }

    /// <summary>Pushes a new value of <paramref name="width"/> slots at its canonical slot and returns that slot.</summary>
    private int PushNew(int width = 1)
    {
        int slot = Slot(_height);
        Push(slot, width);
        return slot;
    }

    /// <summary>Pops the top entry as a slot (a deferred constant is written to its slot first).</summary>
    private int Pop()
    {
        int entry = PopEntry();
        if (entry < 0)
        {
            // Deferred constants are one-slot values.
            int slot = Slot(_height);
            EmitMove(slot, entry, 1);
            return slot;
        }
        return entry;
    }

    /// <summary>Pops the top entry as it is (possibly a deferred constant).</summary>
    private int PopEntry()
    {
        if (_height <= _controls.Top.Height)
        {
            throw new InternalErrorException("operand stack underflow (module not validated?)");
        }
        return _stack[--_height];
    }

    private void PushConstant(ulong bits)
    {
        _constants.Add(bits);
        Push(-_constants.Count);
    }

    /// <summary>True (and popped) when the top entry is a deferred constant.</summary>
    private bool TryPopConstant(out ulong bits)
    {
        if (_height > _controls.Top.Height && _stack[_height - 1] < 0)
        {
            bits = _constants[-_stack[--_height] - 1];
            return true;
        }
        bits = 0;
        return false;
    }

    /// <summary>Moves entry <paramref name="i"/> into its canonical slot if it still refers to a local.</summary>
    private void Materialize(int i)
    {
        int canonical = Slot(i);
        if (_stack[i] != canonical)
        {
            EmitMove(canonical, _stack[i], Width(i));
            _stack[i] = canonical;
        }
    }

    private void MaterializeAll()
    {
        for (int i = 0; i < _height; i++)
        {
            Materialize(i);
        }
    }

    /// <summary>Before local <paramref name="local"/> changes, entries still referring to it get their own copy.</summary>
    private bool MaterializeLocal(int local, int below)
    {
        bool any = false;
        for (int i = 0; i < below; i++)
        {
            if (_stack[i] == local)
            {
                Materialize(i);
                any = true;
            }
        }
        return any;
    }

    // ----- emission -----

    private void Emit(InterpOp op) => _code.Add((int)op);

    /// <summary>Copies a value of <paramref name="width"/> slots; the source is read whole before the destination is written.</summary>
    private void EmitCopy(int dst, int src, int width)
    {
        if (dst != src)
        {
            _code.Add((int)(width == 1 ? InterpOp.Copy : InterpOp.V128Copy), dst, src);
        }
    }

    /// <summary>Writes stack entry <paramref name="entry"/> (slot or deferred constant) of <paramref name="width"/> slots to slot <paramref name="dst"/>.</summary>
    private void EmitMove(int dst, int entry, int width)
    {
        if (entry >= 0)
        {
            EmitCopy(dst, entry, width);
            return;
        }
        ulong bits = _constants[-entry - 1];
        if (bits <= uint.MaxValue)
        {
            _code.Add((int)InterpOp.Const32, dst, (int)(uint)bits);
        }
        else
        {
            _code.Add((int)InterpOp.Const64, dst, (int)(uint)bits, (int)(uint)(bits >> 32));
        }
    }

    /// <summary>Emits an instruction whose first operand is a new result: <c>op d operands...</c>.</summary>
    private void EmitResult(InterpOp op, int d, int a)
    {
        int start = _code.Count;
        _code.Add((int)op, d, a);
        MarkResult(start);
    }

    private void EmitResult(InterpOp op, int d, int a, int b)
    {
        int start = _code.Count;
        _code.Add((int)op, d, a, b);
        MarkResult(start);
    }

    /// <summary>Remembers the destination operand so a following local.set can retarget it.</summary>
    private void MarkResult(int start)
    {
        _lastResultOperand = start + 1;
        _lastResultEnd = _code.Count;
    }

    /// <summary>Unary operation: pops one value, pushes the result.</summary>
    private void Unary(InterpOp op)
    {
        int a = Pop();
        int d = PushNew();
        EmitResult(op, d, a);
    }

    private void Binary(InterpOp op)
    {
        // A constant second operand becomes an immediate where a fused form exists.
        if (_height > _controls.Top.Height && _stack[_height - 1] < 0 && ImmediateForm(op) is { } immOp)
        {
            ulong bits = _constants[-_stack[_height - 1] - 1];
            if (op != InterpOp.I64Add || (long)bits == (int)bits)
            {
                TryPopConstant(out _);
                int a0 = Pop();
                int d0 = PushNew();
                EmitResult(immOp, d0, a0, (int)bits);
                return;
            }
        }
        int b = Pop();
        int a = Pop();
        int d = PushNew();
        EmitResult(op, d, a, b);
    }

    private static InterpOp? ImmediateForm(InterpOp op) => op switch
    {
        InterpOp.I32Add => InterpOp.I32AddImm,
        InterpOp.I32Sub => InterpOp.I32SubImm,
        InterpOp.I32Mul => InterpOp.I32MulImm,
        InterpOp.I32And => InterpOp.I32AndImm,
        InterpOp.I32Or => InterpOp.I32OrImm,
        InterpOp.I32Xor => InterpOp.I32XorImm,
        InterpOp.I32Shl => InterpOp.I32ShlImm,
        InterpOp.I32ShrS => InterpOp.I32ShrSImm,
        InterpOp.I32ShrU => InterpOp.I32ShrUImm,
        InterpOp.I64Add => InterpOp.I64AddImm,
        InterpOp.I32Eq => InterpOp.I32EqImm,
        InterpOp.I32Ne => InterpOp.I32NeImm,
        InterpOp.I32LtS => InterpOp.I32LtSImm,
        InterpOp.I32LtU => InterpOp.I32LtUImm,
        InterpOp.I32GtS => InterpOp.I32GtSImm,
        InterpOp.I32GtU => InterpOp.I32GtUImm,
        InterpOp.I32LeS => InterpOp.I32LeSImm,
        InterpOp.I32LeU => InterpOp.I32LeUImm,
        InterpOp.I32GeS => InterpOp.I32GeSImm,
        InterpOp.I32GeU => InterpOp.I32GeUImm,
        _ => null,
    };
}

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
/// </summary>
internal sealed partial class Translator
{
    private readonly WasmModule _module;
    private readonly int[] _signatureIds;
    private readonly CodeBuffer _code = new();
    private readonly List<Control> _controls = [];
    /// <summary>
    /// The operand stack: each entry is the slot holding the value (its canonical slot, or a
    /// local's slot for a deferred local.get), or <c>-(k + 1)</c> for a deferred constant
    /// <c>_constants[k]</c>, which becomes an immediate operand or is written only when needed.
    /// </summary>
    private int[] _stack = new int[64];
    private readonly List<ulong> _constants = [];

    /// <summary>Positions of forward <c>Br</c> instructions, revisited once all targets are known.</summary>
    private readonly List<int> _forwardBranches = [];
    private int _height;
    private int _maxHeight;
    private int _localCount;

    /// <summary>Inside unreachable code: instructions are skipped until the frame's else/end.</summary>
    private bool _unreachable;

    /// <summary>Nesting of blocks opened inside unreachable code (skipped with it).</summary>
    private int _deadDepth;

    /// <summary>Position of the destination operand of the last emitted value-producing instruction.</summary>
    private int _lastResultOperand = -1;

    /// <summary>Code length right after that instruction; the result is "fresh" only if nothing followed.</summary>
    private int _lastResultEnd = -1;

    // Index spaces as validation flattened them (WasmModule counts imports on every query).
    private readonly ValidationContext _context;

    public Translator(ValidationContext context, int[] signatureIds)
    {
        _context = context;
        _module = context.Module;
        _signatureIds = signatureIds;
    }

    /// <summary>What opened a control frame; decides where its label's branches go and what they carry.</summary>
    private enum ControlKind : byte
    {
        Function,
        Block,
        Loop,
        If,
        Else,
    }

    /// <summary>One open block, loop, if/else or the function body, as the translator tracks it.</summary>
    private struct Control
    {
        public ControlKind Kind;
        /// <summary>Operand height below the block's parameters.</summary>
        public int Height;
        public int ParamCount;
        public int ResultCount;
        /// <summary>Code position of a loop's first instruction.</summary>
        public int LoopStart;
        /// <summary>Head of the chain of forward-branch operands to patch with the end position (-1: none).</summary>
        public int FixupHead;
        /// <summary>For if: the operand of the BrIfEqz that skips to the else arm or the end.</summary>
        public int ElseFixup;

        public readonly int LabelArity => Kind == ControlKind.Loop ? ParamCount : ResultCount;
    }

    public InterpretedFunction Translate(uint definedIndex)
    {
        uint funcIndex = (uint)_context.ImportedFunctionCount + definedIndex;
        FuncType type = _context.GetFunctionType(funcIndex);
        FunctionBody body = _module.Bodies[(int)definedIndex];
        if (type.Params.Contains(ValType.V128) || type.Results.Contains(ValType.V128) || body.Locals.Any(g => g.Type == ValType.V128))
        {
            throw new UnsupportedFeatureException($"function {funcIndex} uses v128 values: the interpreter does not support SIMD yet");
        }
        long locals = type.Params.Length + body.LocalCount;
        if (locals > 50_000)
        {
            throw new ResourceLimitException($"function {funcIndex} declares {locals} locals; the interpreter allows 50000");
        }
        _localCount = (int)locals;
        _code.Clear();
        _controls.Clear();
        _constants.Clear();
        _forwardBranches.Clear();
        _height = 0;
        _maxHeight = 0;
        _unreachable = false;
        _deadDepth = 0;
        _lastResultOperand = -1;
        _controls.Add(new Control { Kind = ControlKind.Function, Height = 0, ResultCount = type.Results.Length, FixupHead = -1, ElseFixup = -1 });

        var reader = new InstructionReader(body.Code.Span, body.CodeOffset, funcIndex);
        while (_controls.Count > 0)
        {
            if (reader.AtEnd)
            {
                throw new InternalErrorException($"function {funcIndex}: code ends before the function's end");
            }
            Instruction ins = reader.Read();
            if (_unreachable)
            {
                SkipUnreachable(ins);
                continue;
            }
            TranslateInstruction(in ins, ref reader);
        }
        ThreadBranchesToReturns();
        int frameSize = checked(_localCount + _maxHeight);
        return new InterpretedFunction(new FuncIndex(funcIndex), _module.GetFunctionName(new FuncIndex(funcIndex)), type, _localCount, frameSize, _code.ToPinnedArray());
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

    /// <summary>The canonical slot of operand height <paramref name="height"/>.</summary>
    private int Slot(int height) => _localCount + height;

    private void Push(int slot)
    {
        if (_height == _stack.Length)
        {
            Array.Resize(ref _stack, _stack.Length * 2);
        }
        _stack[_height++] = slot;
        if (_height > _maxHeight)
        {
            _maxHeight = _height;
            if (_maxHeight > 100_000)
            {
                throw new ResourceLimitException("operand stack deeper than 100000 values");
            }
        }
    }

    /// <summary>Pushes a new value at its canonical slot and returns that slot.</summary>
    private int PushNew()
    {
        int slot = Slot(_height);
        Push(slot);
        return slot;
    }

    /// <summary>Pops the top entry as a slot (a deferred constant is written to its slot first).</summary>
    private int Pop()
    {
        int entry = PopEntry();
        if (entry < 0)
        {
            int slot = Slot(_height);
            EmitMove(slot, entry);
            return slot;
        }
        return entry;
    }

    /// <summary>Pops the top entry as it is (possibly a deferred constant).</summary>
    private int PopEntry()
    {
        if (_height <= _controls[^1].Height)
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
        if (_height > _controls[^1].Height && _stack[_height - 1] < 0)
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
            EmitMove(canonical, _stack[i]);
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

    private void EmitCopy(int dst, int src)
    {
        if (dst != src)
        {
            _code.Add((int)InterpOp.Copy, dst, src);
        }
    }

    /// <summary>Writes stack entry <paramref name="entry"/> (slot or deferred constant) to slot <paramref name="dst"/>.</summary>
    private void EmitMove(int dst, int entry)
    {
        if (entry >= 0)
        {
            EmitCopy(dst, entry);
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
        if (_height > _controls[^1].Height && _stack[_height - 1] < 0 && ImmediateForm(op) is { } immOp)
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

    private static (int Params, int Results) Arity(WasmModule module, BlockType bt)
    {
        if (bt.IsEmpty)
        {
            return (0, 0);
        }
        if (bt.IsValue)
        {
            return (0, 1);
        }
        if (bt.TypeIndex >= module.Types.Count)
        {
            throw new InternalErrorException($"block type index {bt.TypeIndex} out of range");
        }
        FuncType t = module.Types[(int)bt.TypeIndex];
        return (t.Params.Length, t.Results.Length);
    }
}

using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Validation;

/// <summary>
/// Type-checks function bodies with the spec's validation algorithm (appendix "Validation
/// Algorithm"): an operand stack of value types, where <see cref="Unknown"/> stands for any type
/// below an unconditional branch, and a control stack of frames. It is driven one decoded
/// instruction at a time (<see cref="Step"/>), so a tier can translate while it validates and
/// read the typed stack it needs; its stacks are reused across functions, so validating allocates
/// nothing. One instance serves one thread.
/// </summary>
/// <example>
/// <code>
/// var validator = new FunctionValidator(context);
/// var reader = validator.Begin(functionIndex);
/// while (!validator.IsFinished) { Instruction ins = reader.Read(); validator.Step(ins, reader); /* translate */ }
/// validator.End(reader);
/// </code>
/// </example>
public sealed partial class FunctionValidator
{
    /// <summary>The type of an operand pushed in unreachable code: it matches every type.</summary>
    public const ValType Unknown = 0;

    private static readonly ValType[][] s_single = CreateSingles();

    private readonly ValidationContext _context;
    private readonly ValType[] _globalTypes;
    private ValType[] _operands = new ValType[64];
    private int _operandCount;
    private ControlFrame[] _controls = new ControlFrame[16];
    private int _controlCount;

    // The innermost frame's height and reachability, mirrored out of the control stack because
    // every pop reads them.
    private int _height;
    private bool _unreachable;
    private ValType[] _locals = new ValType[32];
    private int _localCount;
    private uint _functionIndex;
    private FuncType _type = FuncType.Empty;
    private int _offset;
    private FunctionBody? _body;

    // Local use profile (FunctionBody.HotLocals): each access adds 8^(loop depth, at most 6).
    private long[] _localWeight = new long[32];
    private int _loopDepth;
    private long _useWeight = 1;
    // Per local: 0 not accessed yet, 1 first accessed by a write at the top level of reachable code, 2 otherwise
    // (FunctionBody.WrittenFirst).
    private byte[] _localFirst = new byte[32];
    private bool _anyWrittenFirst;
    // Per local (FunctionBody.ReadOnce): 0 not accessed yet, 1 written once (in frame _localSetFrame), 2 written once
    // then read once in that same frame, 3 otherwise. Frames are numbered as they open; _controlSerials holds the
    // number of each open frame.
    private byte[] _localOnce = new byte[32];
    private int[] _localSetFrame = new int[32];
    private bool _anyReadOnce;
    private int[] _controlSerials = new int[16];
    private int _frameSerial;
    // Per loop, in body order: its offset and the locals written inside it (bit = index mod 64), nested loops
    // included (FunctionBody.LoopOffsets, LoopWrites); the open loops, innermost last.
    private int[] _loopOffsets = new int[8];
    private ulong[] _loopWrites = new ulong[8];
    private int _loopCount;
    private int[] _openLoops = new int[8];
    // Whether a v128 value ever reaches the operand stack (FunctionBody.UsesV128).
    private bool _usesV128;
    private readonly List<int> _callIndirectOffsets = [];

    public FunctionValidator(ValidationContext context)
    {
        _context = context;
        _globalTypes = new ValType[context.GlobalCount];
        for (uint i = 0; i < _globalTypes.Length; i++)
        {
            _globalTypes[i] = context.GetGlobal(i).ValueType;
        }
    }

    public ValidationContext Context => _context;

    /// <summary>The function being validated.</summary>
    public uint FunctionIndex => _functionIndex;

    public FuncType FunctionType => _type;

    /// <summary>Parameters then declared locals.</summary>
    public ReadOnlySpan<ValType> Locals => _locals.AsSpan(0, _localCount);

    /// <summary>Operands on the stack (all frames).</summary>
    public int OperandCount => _operandCount;

    /// <summary>Open control frames, the function's own included; 0 once its final <c>end</c> is read.</summary>
    public int ControlDepth => _controlCount;

    public bool IsFinished => _controlCount == 0;

    /// <summary>True when the rest of the current block cannot be reached (after br, return, unreachable, ...).</summary>
    public bool IsUnreachable => _controlCount > 0 && _unreachable;

    /// <summary>The type of the operand <paramref name="depth"/> places below the top (0 is the top).</summary>
    public ValType PeekOperand(int depth) => _operands[_operandCount - 1 - depth];

    /// <summary>The frame <paramref name="depth"/> levels out (0 is the innermost), as a branch label counts.</summary>
    public ref readonly ControlFrame GetControl(int depth) => ref _controls[_controlCount - 1 - depth];

    /// <summary>Starts a defined function: its locals, and the function's frame. Returns the reader of its body.</summary>
    public InstructionReader Begin(uint functionIndex)
    {
        int defined = checked((int)functionIndex - _context.ImportedFunctionCount);
        FunctionBody body = _context.Module.Bodies[defined];
        _functionIndex = functionIndex;
        _type = _context.GetFunctionType(functionIndex);
        _offset = body.CodeOffset;
        long declared = body.LocalCount;
        long total = _type.Params.Length + declared;
        // SECURITY: a model built elsewhere (the text parser) gets the reader's cap too.
        if (declared > ModuleReader.MaxLocals)
        {
            throw new MalformedModuleException("too many locals", body.CodeOffset, functionIndex);
        }
        if (_locals.Length < total)
        {
            _locals = new ValType[Math.Max(total, _locals.Length * 2)];
            _localWeight = new long[_locals.Length];
            _localFirst = new byte[_locals.Length];
            _localOnce = new byte[_locals.Length];
            _localSetFrame = new int[_locals.Length];
        }
        _type.Params.CopyTo(_locals, 0);
        int n = _type.Params.Length;
        foreach (LocalGroup group in body.Locals)
        {
            _locals.AsSpan(n, (int)group.Count).Fill(group.Type);
            n += (int)group.Count;
        }
        _localCount = n;
        _localWeight.AsSpan(0, n).Clear();
        _localFirst.AsSpan(0, n).Clear();
        _localOnce.AsSpan(0, n).Clear();
        _anyReadOnce = false;
        _frameSerial = 0;
        _anyWrittenFirst = false;
        _loopCount = 0;
        _loopDepth = 0;
        _useWeight = 1;
        _usesV128 = false;
        _callIndirectOffsets.Clear();
        foreach (ValType t in _locals.AsSpan(0, n))
        {
            _usesV128 |= t == ValType.V128;
        }
        _body = body;
        _operandCount = 0;
        _controlCount = 0;
        PushControl(Opcode.Block, [], Types(_type.Results));
        return new InstructionReader(body.Code.Span, body.CodeOffset, functionIndex);
    }

    /// <summary>Checks that the body ended exactly with the function's final <c>end</c>.</summary>
    public void End(in InstructionReader reader)
    {
        if (_controlCount != 0)
        {
            throw new MalformedModuleException("unexpected end of section or function", reader.Offset, _functionIndex);
        }
        if (!reader.AtEnd)
        {
            // The reference interpreter reads on past the final end and finds the body size wrong.
            throw new MalformedModuleException("section size mismatch", reader.Offset, _functionIndex);
        }
        _body!.HotLocals = HotLocals();
        _body.UsesV128 = _usesV128;
        _body.CallIndirectOffsets = _callIndirectOffsets.Count == 0 ? null : [.. _callIndirectOffsets];
        _body.WrittenFirst = WrittenFirst();
        _body.ReadOnce = ReadOnce();
        RecordLoopWrites();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountLocalGet(uint index)
    {
        _localWeight[index] += _useWeight;
        if (_localFirst[index] == 0)
        {
            _localFirst[index] = 2;
        }
        ref byte once = ref _localOnce[index];
        if (once == 1 && _localSetFrame[index] == _controlSerials[_controlCount - 1])
        {
            once = 2;
            _anyReadOnce = true;
        }
        else
        {
            once = 3;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountLocalSet(uint index)
    {
        _localWeight[index] += _useWeight;
        ref byte once = ref _localOnce[index];
        if (once == 0)
        {
            once = 1;
            _localSetFrame[index] = _controlSerials[_controlCount - 1];
        }
        else
        {
            once = 3;
        }
        if (_loopDepth > 0)
        {
            _loopWrites[_openLoops[_loopDepth - 1]] |= 1UL << (int)(index & 63);
        }
        if (_localFirst[index] == 0)
        {
            // Only the function's own frame is open and the write is reachable: every path to any later instruction
            // passes through it (no enclosing block can be left early, no enclosing loop can come back before it).
            // (A parameter holds the caller's value: never counted.)
            bool first = _controlCount == 1 && !_unreachable && index >= (uint)_type.Params.Length;
            _localFirst[index] = first ? (byte)1 : (byte)2;
            _anyWrittenFirst |= first;
        }
    }

    private void RecordLoopWrites()
    {
        if (_loopCount == 0)
        {
            _body!.LoopOffsets = null;
            _body.LoopWrites = null;
            return;
        }
        int[] offsets = _body!.LoopOffsets is { } o && o.Length == _loopCount ? o : new int[_loopCount];
        ulong[] writes = _body.LoopWrites is { } w && w.Length == _loopCount ? w : new ulong[_loopCount];
        _loopOffsets.AsSpan(0, _loopCount).CopyTo(offsets);
        _loopWrites.AsSpan(0, _loopCount).CopyTo(writes);
        _body.LoopOffsets = offsets;
        _body.LoopWrites = writes;
    }

    /// <summary>Which locals are written once and read once after it in the same frame (<see cref="FunctionBody.ReadOnce"/>), or null for none.</summary>
    private bool[]? ReadOnce()
    {
        if (!_anyReadOnce)
        {
            return null;
        }
        bool[] result = _body!.ReadOnce is { } previous && previous.Length == _localCount ? previous : new bool[_localCount];
        for (int i = 0; i < _localCount; i++)
        {
            result[i] = _localOnce[i] == 2;
        }
        return result;
    }

    /// <summary>Which locals are written before any read can happen (<see cref="FunctionBody.WrittenFirst"/>), or null for none.</summary>
    private bool[]? WrittenFirst()
    {
        if (!_anyWrittenFirst)
        {
            return null;
        }
        bool[] result = _body!.WrittenFirst is { } previous && previous.Length == _localCount ? previous : new bool[_localCount];
        for (int i = 0; i < _localCount; i++)
        {
            result[i] = _localFirst[i] == 1;
        }
        return result;
    }

    /// <summary>The locals with weight of at least 2, busiest first, at most <see cref="FunctionBody.HotLocalLimit"/> of each class.</summary>
    private int[] HotLocals()
    {
        const int Limit = FunctionBody.HotLocalLimit;
        Span<int> best = stackalloc int[2 * Limit];
        int integers = 0;
        int floats = 0;
        for (int i = 0; i < _localCount; i++)
        {
            long w = _localWeight[i];
            if (w < 2)
            {
                continue;
            }
            ValType t = _locals[i];
            bool isFloat = t is ValType.F32 or ValType.F64;
            if (!isFloat && t is not (ValType.I32 or ValType.I64))
            {
                continue;
            }
            // Insertion into this class's sorted run: best[0..Limit) integers, best[Limit..) floats.
            Span<int> run = best.Slice(isFloat ? Limit : 0, Limit);
            ref int count = ref isFloat ? ref floats : ref integers;
            int at = count;
            while (at > 0 && _localWeight[run[at - 1]] < w)
            {
                at--;
            }
            if (at == Limit)
            {
                continue;
            }
            int last = Math.Min(count, Limit - 1);
            for (int j = last; j > at; j--)
            {
                run[j] = run[j - 1];
            }
            run[at] = i;
            count = Math.Min(count + 1, Limit);
        }
        if (integers + floats == 0)
        {
            return [];
        }
        // Merge the two runs by weight, so the list is busiest first overall. Validating a body again reuses
        // its array (the profile comes out the same), so warm validation allocates nothing.
        int[] result = _body!.HotLocals is { } previous && previous.Length == integers + floats ? previous : new int[integers + floats];
        int a = 0, b = 0;
        for (int k = 0; k < result.Length; k++)
        {
            bool takeInteger = b == floats || (a < integers && _localWeight[best[a]] >= _localWeight[best[Limit + b]]);
            result[k] = takeInteger ? best[a++] : best[Limit + b++];
        }
        return result;
    }

    /// <summary>Validates a whole defined function.</summary>
    /// <exception cref="InvalidModuleException">The body does not type-check.</exception>
    /// <exception cref="MalformedModuleException">The body's instructions are not well encoded.</exception>
    public void Validate(uint functionIndex)
    {
        InstructionReader reader = Begin(functionIndex);
        while (_controlCount != 0 && !reader.AtEnd)
        {
            Instruction ins = reader.Read();
            Step(ins, reader);
        }
        End(reader);
    }

    private void PushControl(Opcode opcode, ValType[] start, ValType[] end)
    {
        if (_controlCount == _controls.Length)
        {
            Array.Resize(ref _controls, _controls.Length * 2);
            Array.Resize(ref _controlSerials, _controls.Length);
        }
        _controlSerials[_controlCount] = _frameSerial++;
        _controls[_controlCount++] = new ControlFrame(opcode, start, end, _operandCount);
        if (opcode == Opcode.Loop)
        {
            if (_loopCount == _loopOffsets.Length)
            {
                Array.Resize(ref _loopOffsets, _loopCount * 2);
                Array.Resize(ref _loopWrites, _loopCount * 2);
            }
            if (_loopDepth == _openLoops.Length)
            {
                Array.Resize(ref _openLoops, _loopDepth * 2);
            }
            _loopOffsets[_loopCount] = _offset;
            _loopWrites[_loopCount] = 0;
            _openLoops[_loopDepth] = _loopCount++;
            _loopDepth++;
            _useWeight = 1L << (3 * Math.Min(_loopDepth, 6));
        }
        _height = _operandCount;
        _unreachable = false;
        PushOperands(start);
    }

    private ControlFrame PopControl()
    {
        ref ControlFrame frame = ref _controls[_controlCount - 1];
        PopOperands(frame.EndTypes);
        if (_operandCount != frame.Height)
        {
            throw TypeMismatch($"type mismatch: {_operandCount - frame.Height} value(s) left at the end of the block");
        }
        ControlFrame popped = frame;
        _controlCount--;
        if (popped.Opcode == Opcode.Loop)
        {
            // What an inner loop writes, its enclosing loop writes too.
            if (_loopDepth > 1)
            {
                _loopWrites[_openLoops[_loopDepth - 2]] |= _loopWrites[_openLoops[_loopDepth - 1]];
            }
            _loopDepth--;
            _useWeight = 1L << (3 * Math.Min(_loopDepth, 6));
        }
        if (_controlCount > 0)
        {
            ref ControlFrame outer = ref _controls[_controlCount - 1];
            _height = outer.Height;
            _unreachable = outer.Unreachable;
        }
        return popped;
    }

    private void SetUnreachable()
    {
        _controls[_controlCount - 1].Unreachable = true;
        _operandCount = _height;
        _unreachable = true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PushOperand(ValType type)
    {
        if (_operandCount == _operands.Length)
        {
            Array.Resize(ref _operands, _operands.Length * 2);
        }
        _operands[_operandCount++] = type;
        _usesV128 |= type == ValType.V128;
    }

    private void PushOperands(ValType[] types)
    {
        foreach (ValType t in types)
        {
            PushOperand(t);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValType PopOperand()
    {
        if (_operandCount == _height)
        {
            if (_unreachable)
            {
                return Unknown;
            }
            throw TypeMismatch("type mismatch: operand stack is empty");
        }
        return _operands[--_operandCount];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValType PopOperand(ValType expected)
    {
        if (_operandCount > _height)
        {
            ValType top = _operands[_operandCount - 1];
            if (top == expected)
            {
                _operandCount--;
                return top;
            }
        }
        return PopOperandSlow(expected);
    }

    private ValType PopOperandSlow(ValType expected)
    {
        ValType actual = PopOperand();
        if (actual != expected && actual != Unknown && expected != Unknown)
        {
            throw TypeMismatch($"type mismatch: expected {Name(expected)}, found {Name(actual)}");
        }
        return actual;
    }

    private void PopOperands(ValType[] types)
    {
        for (int i = types.Length - 1; i >= 0; i--)
        {
            PopOperand(types[i]);
        }
    }

    /// <summary>Checks the top of the stack against <paramref name="types"/> without popping (br_table's pop-then-push).</summary>
    private void CheckOperands(ValType[] types)
    {
        int available = _operandCount - _height;
        for (int i = 0; i < types.Length; i++)
        {
            ValType expected = types[types.Length - 1 - i];
            ValType actual;
            if (i < available)
            {
                actual = _operands[_operandCount - 1 - i];
            }
            else if (_unreachable)
            {
                actual = Unknown;
            }
            else
            {
                throw TypeMismatch("type mismatch: operand stack is empty");
            }
            if (actual != expected && actual != Unknown)
            {
                throw TypeMismatch($"type mismatch: expected {Name(expected)}, found {Name(actual)}");
            }
        }
    }

    private static ValType[] LabelTypes(in ControlFrame frame) => frame.Opcode == Opcode.Loop ? frame.StartTypes : frame.EndTypes;

    private InvalidModuleException TypeMismatch(string message) => new(message, _offset, _functionIndex);

    private InvalidModuleException Invalid(string reason) => new(reason, _offset, _functionIndex);

    private static string Name(ValType type) => type == Unknown ? "unknown" : type.ToText();

    /// <summary>The array behind a function type's list, for the operand-stack helpers; the validator only reads it.</summary>
    private static ValType[] Types(ImmutableArray<ValType> types) => ImmutableCollectionsMarshal.AsArray(types)!;

    /// <summary>One-element type arrays, shared by every single-result block type.</summary>
    internal static ValType[] Single(ValType type) => s_single[(byte)type];

    private static ValType[][] CreateSingles()
    {
        var singles = new ValType[256][];
        foreach (ValType t in Enum.GetValues<ValType>())
        {
            singles[(byte)t] = [t];
        }
        return singles;
    }
}

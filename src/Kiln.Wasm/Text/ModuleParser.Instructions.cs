using System.Runtime.CompilerServices;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Text;

/// <summary>
/// Function bodies and constant expressions (spec 6.5), encoded straight to binary instruction bytes
/// (spec 5.4) with the shared opcode table, so every consumer decodes one format. Folded instructions
/// are emitted operands first; labels resolve to relative depths against a stack of block labels.
/// </summary>
internal sealed partial class ModuleParser
{
    private readonly List<string?> _labels = [];
    /// <summary>The current function's locals; null inside constant expressions.</summary>
    private IndexSpace? _locals;

    private FunctionBody ParseFunctionBody(List<string?> paramNames)
    {
        var locals = new IndexSpace("local");
        foreach (string? name in paramNames)
        {
            locals.Define(name, _c.Tokens, _c.Position);
        }
        var groups = new List<LocalGroup>();
        while (_c.TryOpen("local"u8))
        {
            if (_c.Kind == TokenKind.Id)
            {
                int at = _c.Position;
                locals.Define(_c.TryId(), _c.Tokens, at);
                AddLocal(groups, ParseValType());
            }
            else
            {
                while (_c.Kind != TokenKind.RParen)
                {
                    locals.Define(null, _c.Tokens, _c.Position);
                    AddLocal(groups, ParseValType());
                }
            }
            _c.ExpectRParen();
        }
        _locals = locals;
        _labels.Clear();
        var code = new List<byte>();
        ParseInstructions(code);
        if (_c.Kind != TokenKind.RParen)
        {
            throw _c.Unexpected();
        }
        code.Add((byte)Opcode.End);
        _locals = null;
        return new FunctionBody([.. groups], code.ToArray(), 0);
    }

    private static void AddLocal(List<LocalGroup> groups, ValType type)
    {
        if (groups.Count > 0 && groups[^1].Type == type && groups[^1].Count < uint.MaxValue)
        {
            groups[^1] = new LocalGroup(groups[^1].Count + 1, type);
        }
        else
        {
            groups.Add(new LocalGroup(1, type));
        }
    }

    /// <summary>Parses <c>instr*</c> up to the closing parenthesis: a global initializer or segment offset.</summary>
    private ConstExpr ParseConstExpr()
    {
        _locals = null;
        _labels.Clear();
        var code = new List<byte>();
        ParseInstructions(code);
        if (_c.Kind != TokenKind.RParen)
        {
            throw _c.Unexpected();
        }
        code.Add((byte)Opcode.End);
        return new ConstExpr(code.ToArray(), 0);
    }

    /// <summary>Parses instructions until a closing parenthesis or an <c>end</c>/<c>else</c> keyword, which the caller handles.</summary>
    private void ParseInstructions(List<byte> code)
    {
        while (true)
        {
            switch (_c.Kind)
            {
                case TokenKind.LParen:
                    ParseFolded(code);
                    break;
                case TokenKind.Keyword:
                    if (_c.IsKeyword("end"u8) || _c.IsKeyword("else"u8))
                    {
                        return;
                    }
                    ParsePlain(code);
                    break;
                case TokenKind.RParen:
                    return;
                default:
                    throw _c.Unexpected();
            }
        }
    }

    private void ParsePlain(List<byte> code)
    {
        if (_c.IsKeyword("block"u8) || _c.IsKeyword("loop"u8) || _c.IsKeyword("if"u8))
        {
            EnterNesting();
            Opcode op = _c.IsKeyword("block"u8) ? Opcode.Block : _c.IsKeyword("loop"u8) ? Opcode.Loop : Opcode.If;
            _c.Advance();
            string? label = _c.TryId();
            code.Add((byte)op);
            ParseBlockType(code);
            _labels.Add(label);
            ParseInstructions(code);
            if (op == Opcode.If && _c.TryKeyword("else"u8))
            {
                CheckEndLabel(label);
                code.Add((byte)Opcode.Else);
                ParseInstructions(code);
            }
            if (!_c.TryKeyword("end"u8))
            {
                throw _c.Unexpected();
            }
            CheckEndLabel(label);
            code.Add((byte)Opcode.End);
            _labels.RemoveAt(_labels.Count - 1);
            _nesting--;
            return;
        }
        ParseOperator(code);
    }

    /// <summary>Spec 6.5.2: a label after <c>else</c>/<c>end</c> must repeat the block's label.</summary>
    private void CheckEndLabel(string? label)
    {
        if (_c.Kind != TokenKind.Id)
        {
            return;
        }
        if (label is null || _c.Tokens.Text(_c.Position) != label)
        {
            throw _c.Error("mismatching label");
        }
        _c.Advance();
    }

    /// <summary>
    /// Deepest nesting of blocks and folded instructions the text parser accepts. A fixed limit, so
    /// that whether a module parses never depends on the stack of the thread that parses it;
    /// the stack check below stays as a backstop for threads with very small stacks.
    /// </summary>
    public const int MaxNestingDepth = 10_000;

    private int _nesting;

    /// <summary>
    /// Nesting recurses; input nested deeper than <see cref="MaxNestingDepth"/> (or than the thread's
    /// stack allows) is rejected instead of overflowing the stack, which would kill the process.
    /// </summary>
    private void EnterNesting()
    {
        if (++_nesting > MaxNestingDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw _c.Error("nesting too deep");
        }
    }

    private void ParseFolded(List<byte> code)
    {
        EnterNesting();
        ParseFoldedInstruction(code);
        _nesting--;
    }

    private void ParseFoldedInstruction(List<byte> code)
    {
        if (_c.PeekKind(1) != TokenKind.Keyword)
        {
            _c.Advance();
            throw _c.Unexpected();
        }
        if (_c.IsOpen("block"u8) || _c.IsOpen("loop"u8))
        {
            Opcode op = _c.IsOpen("block"u8) ? Opcode.Block : Opcode.Loop;
            _c.Position += 2;
            string? label = _c.TryId();
            code.Add((byte)op);
            ParseBlockType(code);
            _labels.Add(label);
            ParseInstructions(code);
            _c.ExpectRParen();
            code.Add((byte)Opcode.End);
            _labels.RemoveAt(_labels.Count - 1);
            return;
        }
        if (_c.IsOpen("if"u8))
        {
            _c.Position += 2;
            string? label = _c.TryId();
            var blockType = new List<byte>();
            ParseBlockType(blockType);
            // The condition operands are outside the if's label scope.
            while (_c.Kind == TokenKind.LParen && !_c.IsOpen("then"u8))
            {
                ParseFolded(code);
            }
            code.Add((byte)Opcode.If);
            code.AddRange(blockType);
            _labels.Add(label);
            if (!_c.TryOpen("then"u8))
            {
                throw _c.Unexpected();
            }
            ParseInstructions(code);
            _c.ExpectRParen();
            if (_c.TryOpen("else"u8))
            {
                code.Add((byte)Opcode.Else);
                ParseInstructions(code);
                _c.ExpectRParen();
            }
            _c.ExpectRParen();
            code.Add((byte)Opcode.End);
            _labels.RemoveAt(_labels.Count - 1);
            return;
        }
        _c.Advance();
        int mark = code.Count;
        ParseOperator(code);
        byte[] operatorBytes = new byte[code.Count - mark];
        code.CopyTo(mark, operatorBytes, 0, operatorBytes.Length);
        code.RemoveRange(mark, operatorBytes.Length);
        while (_c.Kind == TokenKind.LParen)
        {
            ParseFolded(code);
        }
        if (_c.Kind == TokenKind.Keyword)
        {
            throw MisplacedKeyword();
        }
        _c.ExpectRParen();
        code.AddRange(operatorBytes);
    }

    /// <summary>
    /// Spec 6.5.2 blocktype: empty (0x40), a single result type, or a type use interned like a
    /// function's (encoded as a non-negative s33). Block params cannot be named.
    /// </summary>
    private void ParseBlockType(List<byte> code)
    {
        if (_c.IsOpen("type"u8))
        {
            uint index = ParseTypeUse(out _, allowNames: false);
            FuncType? type = index < _module.Types.Count ? _module.Types[(int)index] : null;
            if (type is { Params.Length: 0, Results.Length: <= 1 })
            {
                // The short forms mean the same; other encoders (wabt) pick them too.
                code.Add(type.Results.Length == 0 ? (byte)0x40 : (byte)type.Results[0]);
                return;
            }
            Leb128.WriteSigned(code, index);
            return;
        }
        var parameters = new List<ValType>();
        var results = new List<ValType>();
        ParseParams(parameters, null, allowNames: false);
        ParseResults(results);
        CheckSignatureEnd();
        if (parameters.Count == 0 && results.Count == 0)
        {
            code.Add(0x40);
        }
        else if (parameters.Count == 0 && results.Count == 1)
        {
            code.Add((byte)results[0]);
        }
        else
        {
            Leb128.WriteSigned(code, InternType(new FuncType([.. parameters], [.. results])));
        }
    }

    private void ParseOperator(List<byte> code)
    {
        if (_c.Kind != TokenKind.Keyword)
        {
            throw _c.Unexpected();
        }
        OpcodeInfo? info = OpcodeTable.TryGetByName(_c.Tokens.Text(_c.Position));
        if (info is null || info.Immediate == ImmediateKind.BlockType || info.Opcode is Opcode.Else or Opcode.End)
        {
            throw MisplacedKeyword();
        }
        _c.Advance();
        if (info.Opcode == Opcode.Select && _c.IsOpen("result"u8))
        {
            var types = new List<ValType>();
            ParseResults(types);
            EmitOpcode(code, Opcode.SelectTyped);
            Leb128.WriteUnsigned(code, (uint)types.Count);
            foreach (ValType t in types)
            {
                code.Add((byte)t);
            }
            return;
        }
        EmitOpcode(code, info.Opcode);
        switch (info.Immediate)
        {
            case ImmediateKind.None:
                break;
            case ImmediateKind.Label:
                Leb128.WriteUnsigned(code, ParseLabel());
                break;
            case ImmediateKind.BrTable:
                {
                    var labels = new List<uint>();
                    while (_c.Kind is TokenKind.Nat or TokenKind.Id)
                    {
                        labels.Add(ParseLabel());
                    }
                    if (labels.Count == 0)
                    {
                        throw _c.Unexpected();
                    }
                    Leb128.WriteUnsigned(code, (uint)(labels.Count - 1));
                    foreach (uint l in labels)
                    {
                        Leb128.WriteUnsigned(code, l);
                    }
                    break;
                }
            case ImmediateKind.Function:
                Leb128.WriteUnsigned(code, _funcs.Resolve(_c));
                break;
            case ImmediateKind.CallIndirect:
                {
                    uint table = _tables.IsReference(_c) ? _tables.Resolve(_c) : 0;
                    uint type = ParseTypeUse(out _, allowNames: false);
                    Leb128.WriteUnsigned(code, type);
                    Leb128.WriteUnsigned(code, table);
                    break;
                }
            case ImmediateKind.Local:
                Leb128.WriteUnsigned(code, (_locals ?? s_noLocals).Resolve(_c));
                break;
            case ImmediateKind.Global:
                Leb128.WriteUnsigned(code, _globals.Resolve(_c));
                break;
            case ImmediateKind.Table:
                Leb128.WriteUnsigned(code, _tables.IsReference(_c) ? _tables.Resolve(_c) : 0);
                break;
            case ImmediateKind.MemArg:
                ParseMemArg(code, info.NaturalAlignmentLog2);
                break;
            case ImmediateKind.Memory:
                // Spec 5.4.6: the memory index is a reserved zero byte in 2.0.
                code.Add(0x00);
                break;
            case ImmediateKind.I32:
                Leb128.WriteSigned(code, (int)(uint)_c.ExpectInt(32));
                break;
            case ImmediateKind.I64:
                Leb128.WriteSigned(code, (long)_c.ExpectInt(64));
                break;
            case ImmediateKind.F32:
                AddLittleEndian(code, _c.ExpectF32(), 4);
                break;
            case ImmediateKind.F64:
                AddLittleEndian(code, _c.ExpectF64(), 8);
                break;
            case ImmediateKind.RefType:
                if (_c.TryKeyword("func"u8))
                {
                    code.Add((byte)ValType.FuncRef);
                }
                else if (_c.TryKeyword("extern"u8))
                {
                    code.Add((byte)ValType.ExternRef);
                }
                else
                {
                    throw _c.Kind == TokenKind.Keyword ? _c.Error("malformed reference type") : _c.Unexpected();
                }
                break;
            case ImmediateKind.MemoryInit:
                _usesDataIndex = true;
                Leb128.WriteUnsigned(code, _datas.Resolve(_c));
                code.Add(0x00);
                break;
            case ImmediateKind.Data:
                _usesDataIndex = true;
                Leb128.WriteUnsigned(code, _datas.Resolve(_c));
                break;
            case ImmediateKind.MemoryCopy:
                code.Add(0x00);
                code.Add(0x00);
                break;
            case ImmediateKind.TableInit:
                {
                    // table.init x? y: with one index it is the element segment and the table is 0.
                    uint table = 0;
                    if (_c.PeekKind(1) is TokenKind.Nat or TokenKind.Id && _c.Kind is TokenKind.Nat or TokenKind.Id)
                    {
                        table = _tables.Resolve(_c);
                    }
                    Leb128.WriteUnsigned(code, _elems.Resolve(_c));
                    Leb128.WriteUnsigned(code, table);
                    break;
                }
            case ImmediateKind.Element:
                Leb128.WriteUnsigned(code, _elems.Resolve(_c));
                break;
            case ImmediateKind.TableCopy:
                {
                    uint destination = 0;
                    uint source = 0;
                    if (_tables.IsReference(_c))
                    {
                        destination = _tables.Resolve(_c);
                        source = _tables.Resolve(_c);
                    }
                    Leb128.WriteUnsigned(code, destination);
                    Leb128.WriteUnsigned(code, source);
                    break;
                }
            case ImmediateKind.V128:
                {
                    V128Shape shape = V128Literal.ParseShape(_c);
                    Span<WastLane> lanes = stackalloc WastLane[shape.LaneCount()];
                    V128Literal.ParseLanes(_c, shape, allowNanPatterns: false, lanes);
                    (ulong low, ulong high) = V128Literal.Pack(shape, lanes);
                    AddLittleEndian(code, low, 8);
                    AddLittleEndian(code, high, 8);
                    break;
                }
            case ImmediateKind.Shuffle:
                for (int i = 0; i < 16; i++)
                {
                    if (_c.Kind != TokenKind.Nat)
                    {
                        throw _c.Error(_c.Kind is TokenKind.RParen or TokenKind.LParen ? "invalid lane length" : "malformed lane index");
                    }
                    code.Add(ParseLaneIndex());
                }
                if (_c.Kind is TokenKind.Nat or TokenKind.Int or TokenKind.Float)
                {
                    throw _c.Error("invalid lane length");
                }
                break;
            case ImmediateKind.Lane:
                code.Add(ParseLaneIndex());
                break;
            case ImmediateKind.MemArgLane:
                ParseMemArg(code, info.NaturalAlignmentLog2);
                code.Add(ParseLaneIndex());
                break;
            default:
                throw _c.Unexpected();
        }
    }

    private static readonly IndexSpace s_noLocals = new("local");

    private static readonly HashSet<string> s_grammarKeywords =
    [
        "module", "type", "func", "param", "result", "local", "import", "export", "table", "memory", "global",
        "elem", "data", "start", "offset", "item", "declare", "mut", "then", "else", "end", "i32", "i64", "f32",
        "f64", "v128", "funcref", "externref", "extern", "binary", "quote",
    ];

    /// <summary>
    /// The error for a keyword where it cannot stand: keywords of the grammar (param, local, then, an
    /// opcode, ...) are misplaced tokens; anything else is an unknown operator, as the spec interpreter says.
    /// </summary>
    private MalformedModuleException MisplacedKeyword()
    {
        string name = _c.Tokens.Text(_c.Position);
        return _c.Error(OpcodeTable.TryGetByName(name) is not null || s_grammarKeywords.Contains(name)
            ? "unexpected token"
            : "unknown operator " + name);
    }

    private static void EmitOpcode(List<byte> code, Opcode opcode)
    {
        ushort value = (ushort)opcode;
        if (value >> 8 == 0)
        {
            code.Add((byte)value);
            return;
        }
        // Spec 5.4: prefixed instructions are the prefix byte then a u32 sub-opcode.
        code.Add((byte)(value >> 8));
        Leb128.WriteUnsigned(code, (uint)(value & 0xFF));
    }

    private static void AddLittleEndian(List<byte> code, ulong value, int bytes)
    {
        for (int i = 0; i < bytes; i++)
        {
            code.Add((byte)(value >> (8 * i)));
        }
    }

    private uint ParseLabel()
    {
        if (_c.Kind == TokenKind.Id)
        {
            string id = _c.Tokens.Text(_c.Position);
            for (int i = _labels.Count - 1; i >= 0; i--)
            {
                if (_labels[i] == id)
                {
                    _c.Advance();
                    return (uint)(_labels.Count - 1 - i);
                }
            }
            throw _c.Error("unknown label");
        }
        return _c.ExpectU32();
    }

    private byte ParseLaneIndex()
    {
        if (_c.Kind != TokenKind.Nat)
        {
            throw _c.Unexpected();
        }
        return (byte)_c.ExpectUnsigned(8, "malformed lane index");
    }

    /// <summary>Spec 6.5.6 memarg: <c>offset=u32</c>? <c>align=u32</c>?, the alignment a power of two; encoded as log2 then offset.</summary>
    private void ParseMemArg(List<byte> code, byte naturalAlignmentLog2)
    {
        uint offset = 0;
        uint alignLog2 = naturalAlignmentLog2;
        if (TryKeywordValue("offset="u8, out ReadOnlySpan<byte> offsetText))
        {
            if (!IntegerLiteral.TryParseUnsigned(offsetText, 32, out ulong value))
            {
                throw _c.Error("i32 constant out of range");
            }
            offset = (uint)value;
            _c.Advance();
        }
        if (TryKeywordValue("align="u8, out ReadOnlySpan<byte> alignText))
        {
            if (!IntegerLiteral.TryParseUnsigned(alignText, 32, out ulong value))
            {
                throw _c.Error("i32 constant out of range");
            }
            if (value == 0 || (value & (value - 1)) != 0)
            {
                throw _c.Error("alignment must be a power of two");
            }
            alignLog2 = (uint)System.Numerics.BitOperations.Log2(value);
            _c.Advance();
        }
        Leb128.WriteUnsigned(code, alignLog2);
        Leb128.WriteUnsigned(code, offset);
    }

    /// <summary>Whether the cursor is at a keyword <c>prefix</c> followed by a well-formed unsigned literal.</summary>
    private bool TryKeywordValue(ReadOnlySpan<byte> prefix, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (_c.Kind != TokenKind.Keyword)
        {
            return false;
        }
        ReadOnlySpan<byte> text = _c.Tokens.Bytes(_c.Position);
        if (!text.StartsWith(prefix) || text.Length == prefix.Length || NumberSyntax.Classify(text[prefix.Length..]) != TokenKind.Nat)
        {
            return false;
        }
        value = text[prefix.Length..];
        return true;
    }
}

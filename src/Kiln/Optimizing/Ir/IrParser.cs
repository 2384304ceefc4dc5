using System.Globalization;
using Kiln.Wasm.Model;

namespace Kiln.Optimizing.Ir;

/// <summary>
/// Reads the IR text form written by <see cref="IrPrinter"/>. The syntax, modelled on Cranelift's CLIF:
/// <code>
/// function %name(i32, i64) -> i32, f64 {       ; parameter types, then result types (no "->" when none)
/// block0(v0: i32, v1: i64):                     ; a block and its parameters; the first block is the entry
///     v2 = iconst.i32 -7                        ; integer constant, signed decimal
///     v3 = fconst.f64 0x3ff0000000000000        ; float constant as its bit pattern
///     v4 = iadd.i32 v0, v2                      ; opcode.type operands (the type is the result type; for
///                                               ; comparisons, eqz, stores and global_set the operand type)
///     v5 = sload8.i32 v0+16                     ; loads: address (Wasm i32 address) and constant offset
///     store16.i64 v0+2, v1                      ; stores: address+offset, value
///     v6 = global_get.i32 g0                    ; global_set.i32 g0, v6
///     v7, v8 = call fn3(v0, v1) : (i32, i64) -> (i32, f64)
///     brif v4, block1(v4), block2               ; jump block1(v2) | br_table v4, block3, [block1, block2(v4)]
/// block1(v9: i32):                              ; (br_table: the default target first, then the table)
///     return v9                                 ; trap integer_divide_by_zero
/// }
/// </code>
/// Reference, table, bulk-memory and SIMD instructions (types v128, funcref, externref; vN: i32 unless said):
/// <code>
///     v1 = ref_null.funcref                     ; v2 = ref_func.funcref fn3    v3 = ref_is_null.funcref v1
///     v4, v5 = call_indirect t0, type2, v9(v6, v7) : (i32, f64) -> (i32, i64)   ; element index v9 written first
///     v8 = call_indirect_guard t0, fn3, v9      ; 1 when entry v9 of t0 is function 3 (speculation; traps as call_indirect)
///     v10 = table_get.funcref t0, v9            ; table_set.funcref t0, v9, v1   v11 = table_size.funcref t0
///     v12 = table_grow.funcref t0, v1, v9       ; operands: init value, delta; the type is the element type
///     table_fill.funcref t0, v9, v1, v9         ; start, value, count
///     table_copy t0, t1, v9, v9, v9             ; table_init t0, e1, v9, v9, v9    elem_drop e1  (dst, src, count)
///     memory_fill v9, v9, v9                    ; memory_copy v9, v9, v9   memory_init d0, v9, v9, v9   data_drop d0
///     v13 = vconst.v128 0x000000000000000000000000000000ff   ; 128 bits, most significant digit first
///     v14 = simd.v128 i32x4.add v13, v13        ; simd.TYPE wasm-name [immediate,] operands (TYPE: the result's)
///     v15 = simd.i32 i8x16.extract_lane_s 3, v14 ; lane immediate; i8x16.shuffle [0, 17, ..., 31], v13, v14
///     v16 = simd_load.v128 v128.load32_zero v9+4  ; v17 = simd_load.v128 v128.load8_lane 3, v9+4, v16
///     simd_store.v128 v128.store16_lane 7, v9+2, v16
/// </code>
/// Value and block numbers are kept as written, so printing a parsed function reproduces its text. Comments run
/// from ';' to the end of the line. Errors are <see cref="IrParseException"/> with line and column; whether the
/// function is well formed (types, dominance, terminators) is the verifier's job, not the parser's.
/// </summary>
internal sealed class IrParser
{
    private readonly List<Token> _tokens;
    private int _pos;
    private IrFunction _f = null!;

    private IrParser(string text)
    {
        _tokens = Tokenize(text);
    }

    public static IrFunction Parse(string text) => new IrParser(text).ParseFunction(single: true);

    /// <summary>Several functions one after the other (the inliner's filetests: a caller and its callees).</summary>
    public static List<IrFunction> ParseAll(string text)
    {
        var parser = new IrParser(text);
        var functions = new List<IrFunction>();
        do
        {
            functions.Add(parser.ParseFunction(single: false));
        }
        while (parser._pos < parser._tokens.Count);
        return functions;
    }

    private readonly record struct Token(string Text, int Line, int Column);

    private IrFunction ParseFunction(bool single)
    {
        Expect("function");
        Token nameToken = Next();
        string name = nameToken.Text;
        if (!name.StartsWith('%'))
        {
            Fail($"expected a function name like %f, found '{name}'", nameToken);
        }
        Expect("(");
        List<IrType> parameters = ParseTypeList(")");
        var results = new List<IrType>();
        if (Accept("->"))
        {
            do
            {
                results.Add(ParseType(Next()));
            }
            while (Accept(","));
        }
        Expect("{");
        _f = new IrFunction(name[1..], [.. parameters], [.. results]);
        int block = -1;
        while (!Accept("}"))
        {
            Token t = Peek();
            if (t.Text.StartsWith("block", StringComparison.Ordinal) && _pos + 1 < _tokens.Count && _tokens[_pos + 1].Text is "(" or ":")
            {
                block = ParseBlockHeader();
                continue;
            }
            if (block < 0)
            {
                Fail("instruction before the first block");
            }
            ParseInst(block);
        }
        if (single && _pos != _tokens.Count)
        {
            Fail("text after the function's closing brace");
        }
        if (_f.Layout.Count == 0)
        {
            Fail("function has no blocks");
        }
        return _f;
    }

    private int ParseBlockHeader()
    {
        Token t = Next();
        int id = Number(t, "block");
        if (_f.BlockExists(id))
        {
            Fail($"block{id} defined twice", t);
        }
        _f.CreateBlock(id);
        _f.Layout.Add(id);
        if (Accept("("))
        {
            if (!Accept(")"))
            {
                do
                {
                    Token v = Next();
                    int value = ValueId(v);
                    Expect(":");
                    IrType type = ParseType(Next());
                    CheckFresh(value, v);
                    _f.AddBlockParam(id, type, value);
                }
                while (Accept(","));
                Expect(")");
            }
        }
        Expect(":");
        return id;
    }

    private void ParseInst(int block)
    {
        // Results first: "v1, v2 = op ..." or no "=" at all.
        var results = new List<Token>();
        int save = _pos;
        if (Peek().Text.StartsWith('v'))
        {
            do
            {
                results.Add(Next());
            }
            while (Accept(","));
            if (!Accept("="))
            {
                _pos = save;
                results.Clear();
            }
        }
        Token opToken = Next();
        string opText = opToken.Text;
        IrType type = IrType.I32;
        int dot = opText.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            if (!IrTypes.TryParse(opText[(dot + 1)..], out type))
            {
                Fail($"unknown type in '{opText}'", opToken);
            }
            opText = opText[..dot];
        }
        if (!OpInfo.TryParse(opText, out Op op))
        {
            Fail($"unknown opcode '{opText}'", opToken);
        }
        if ((dot >= 0) != IrPrinter.HasTypeSuffix(op))
        {
            Fail(dot >= 0 ? $"'{opText}' takes no type" : $"'{opText}' needs a type, like {opText}.i32", opToken);
        }
        var args = new List<int>();
        long imm = 0;
        IrSignature? sig = null;
        var targets = new List<(int Block, List<int> Args)>();
        int imm2 = 0;
        int aux = 0;
        switch (op)
        {
            case Op.CallIndirect:
            {
                imm = Number(Next(), "t");
                Expect(",");
                imm2 = Number(Next(), "type");
                Expect(",");
                int index = ValueId(Next());
                Expect("(");
                if (!Accept(")"))
                {
                    do
                    {
                        args.Add(ValueId(Next()));
                    }
                    while (Accept(","));
                    Expect(")");
                }
                args.Add(index);
                sig = ParseSignature();
                break;
            }
            case Op.RefFunc:
                imm = Number(Next(), "fn");
                break;
            case Op.CallIndirectGuard:
                imm = Number(Next(), "t");
                Expect(",");
                imm2 = Number(Next(), "fn");
                Expect(",");
                args.Add(ValueId(Next()));
                break;
            case Op.TableGet or Op.TableSet or Op.TableSize or Op.TableGrow or Op.TableFill:
                imm = Number(Next(), "t");
                ParseTrailingValues(args);
                break;
            case Op.TableCopy:
                imm = Number(Next(), "t");
                Expect(",");
                imm2 = Number(Next(), "t");
                ParseTrailingValues(args);
                break;
            case Op.TableInit:
                imm = Number(Next(), "t");
                Expect(",");
                imm2 = Number(Next(), "e");
                ParseTrailingValues(args);
                break;
            case Op.ElemDrop:
                imm = Number(Next(), "e");
                break;
            case Op.MemoryInit:
                imm = Number(Next(), "d");
                ParseTrailingValues(args);
                break;
            case Op.DataDrop:
                imm = Number(Next(), "d");
                break;
            case Op.Vconst:
                imm = _f.InternConstant(ParseV128(Next()));
                break;
            case Op.Simd or Op.SimdLoad or Op.SimdStore:
            {
                Token n = Next();
                OpcodeInfo? info = OpcodeTable.TryGetByName(n.Text);
                if (info is null || !info.IsSimd || info.Opcode is Opcode.V128Load or Opcode.V128Store || SimdInfo.IrOp(info) != op)
                {
                    throw Error($"'{n.Text}' is not a SIMD instruction of {OpInfo.Name(op)}", n);
                }
                aux = (int)info.Opcode & 0xFF;
                bool lane = SimdInfo.HasLane(info);
                if (op == Op.Simd)
                {
                    if (info.Immediate == ImmediateKind.Shuffle)
                    {
                        imm = _f.InternConstant(ParseShuffle());
                        Expect(",");
                    }
                    else if (lane)
                    {
                        imm = Lane(Next());
                        Expect(",");
                    }
                    do
                    {
                        args.Add(ValueId(Next()));
                    }
                    while (Accept(","));
                    break;
                }
                if (lane)
                {
                    imm2 = Lane(Next());
                    Expect(",");
                }
                args.Add(ValueId(Next()));
                if (Accept("+"))
                {
                    imm = Offset(Next());
                }
                ParseTrailingValues(args);
                break;
            }
            case Op.Iconst:
            {
                Token n = Next();
                if (!long.TryParse(n.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out imm) || (type == IrType.I32 && imm != (int)imm))
                {
                    Fail($"bad {type.ToText()} constant '{n.Text}'", n);
                }
                break;
            }
            case Op.Fconst:
            {
                Token n = Next();
                if (!n.Text.StartsWith("0x", StringComparison.Ordinal) || !ulong.TryParse(n.Text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong bits) || (type == IrType.F32 && bits > uint.MaxValue))
                {
                    throw Error($"bad {type.ToText()} bit pattern '{n.Text}' (expected 0x followed by hex digits)", n);
                }
                imm = (long)bits;
                break;
            }
            case Op.GlobalGet:
                imm = Number(Next(), "g");
                break;
            case Op.GlobalSet:
                imm = Number(Next(), "g");
                Expect(",");
                args.Add(ValueId(Next()));
                break;
            case Op.Trap:
            {
                Token n = Next();
                TrapCode? code = null;
                foreach (TrapCode c in Enum.GetValues<TrapCode>())
                {
                    if (IrPrinter.TrapName(c) == n.Text)
                    {
                        code = c;
                    }
                }
                imm = (long)(code ?? throw Error($"unknown trap code '{n.Text}'", n));
                break;
            }
            case Op.Call:
                imm = Number(Next(), "fn");
                Expect("(");
                if (!Accept(")"))
                {
                    do
                    {
                        args.Add(ValueId(Next()));
                    }
                    while (Accept(","));
                    Expect(")");
                }
                sig = ParseSignature();
                break;
            case Op.Jump:
                targets.Add(ParseBlockCall());
                break;
            case Op.Brif:
                args.Add(ValueId(Next()));
                Expect(",");
                targets.Add(ParseBlockCall());
                Expect(",");
                targets.Add(ParseBlockCall());
                break;
            case Op.BrTable:
            {
                args.Add(ValueId(Next()));
                Expect(",");
                var deflt = ParseBlockCall();
                Expect(",");
                Expect("[");
                if (!Accept("]"))
                {
                    do
                    {
                        targets.Add(ParseBlockCall());
                    }
                    while (Accept(","));
                    Expect("]");
                }
                targets.Add(deflt);
                break;
            }
            default:
                if (OpInfo.IsLoad(op) || OpInfo.IsStore(op))
                {
                    args.Add(ValueId(Next()));
                    if (Accept("+"))
                    {
                        imm = Offset(Next());
                    }
                    if (OpInfo.IsStore(op))
                    {
                        Expect(",");
                        args.Add(ValueId(Next()));
                    }
                }
                else if (AtOperand())
                {
                    do
                    {
                        args.Add(ValueId(Next()));
                    }
                    while (Accept(","));
                }
                break;
        }
        int inst = _f.CreateInst(op, type, args.ToArray(), imm);
        _f.Inst(inst).Imm2 = imm2;
        _f.Inst(inst).Aux = sig is not null ? _f.InternSignature(sig) : aux;
        IrType[] resultTypes = sig is not null ? sig.Results : OpInfo.ResultType(op, type) is IrType rt ? [rt] : [];
        if (results.Count != resultTypes.Length)
        {
            Fail($"'{OpInfo.Name(op)}' defines {resultTypes.Length} value(s), {results.Count} written", opToken);
        }
        for (int i = 0; i < results.Count; i++)
        {
            int id = ValueId(results[i]);
            CheckFresh(id, results[i]);
            _f.AddResult(inst, resultTypes[i], id);
        }
        foreach ((int target, List<int> targetArgs) in targets)
        {
            _f.AddTarget(inst, target, targetArgs.ToArray());
        }
        _f.Append(block, inst);
    }

    private IrSignature ParseSignature()
    {
        Expect(":");
        Expect("(");
        IrType[] ps = [.. ParseTypeList(")")];
        Expect("->");
        Expect("(");
        IrType[] rs = [.. ParseTypeList(")")];
        return new IrSignature(ps, rs);
    }

    /// <summary>", v1, v2" after an instruction's immediates.</summary>
    private void ParseTrailingValues(List<int> args)
    {
        while (Accept(","))
        {
            args.Add(ValueId(Next()));
        }
    }

    private long Offset(Token n)
    {
        if (!long.TryParse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long offset) || offset > uint.MaxValue)
        {
            Fail($"bad offset '{n.Text}'", n);
        }
        return offset;
    }

    private int Lane(Token n)
    {
        if (!int.TryParse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int lane) || lane > 255)
        {
            Fail($"bad lane index '{n.Text}'", n);
        }
        return lane;
    }

    private UInt128 ParseV128(Token n)
    {
        if (!n.Text.StartsWith("0x", StringComparison.Ordinal) || n.Text.Length > 34 || !UInt128.TryParse(n.Text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out UInt128 bits))
        {
            throw Error($"bad v128 bit pattern '{n.Text}' (expected 0x followed by up to 32 hex digits)", n);
        }
        return bits;
    }

    /// <summary>[l0, l1, ..., l15]: 16 lane indices, each below 32.</summary>
    private UInt128 ParseShuffle()
    {
        Expect("[");
        UInt128 lanes = 0;
        for (int i = 0; i < 16; i++)
        {
            if (i > 0)
            {
                Expect(",");
            }
            Token n = Next();
            int lane = Lane(n);
            if (lane >= 32)
            {
                Fail($"shuffle lane index {lane} is not below 32", n);
            }
            lanes |= (UInt128)lane << (8 * i);
        }
        Expect("]");
        return lanes;
    }

    /// <summary>The operand list ends at the line's end: the next token starts a new instruction or block.</summary>
    private bool AtOperand()
    {
        if (_pos >= _tokens.Count)
        {
            return false;
        }
        Token t = Peek();
        if (!t.Text.StartsWith('v') || t.Line != _tokens[_pos - 1].Line)
        {
            return false;
        }
        return true;
    }

    private (int, List<int>) ParseBlockCall()
    {
        int block = Number(Next(), "block");
        var args = new List<int>();
        if (Accept("("))
        {
            do
            {
                args.Add(ValueId(Next()));
            }
            while (Accept(","));
            Expect(")");
        }
        return (block, args);
    }

    private List<IrType> ParseTypeList(string close)
    {
        var types = new List<IrType>();
        if (Accept(close))
        {
            return types;
        }
        do
        {
            types.Add(ParseType(Next()));
        }
        while (Accept(","));
        Expect(close);
        return types;
    }

    private IrType ParseType(Token t)
    {
        if (!IrTypes.TryParse(t.Text, out IrType type))
        {
            Fail($"expected a type (i32, i64, f32, f64, v128, funcref, externref), found '{t.Text}'", t);
        }
        return type;
    }

    private void CheckFresh(int value, Token t)
    {
        if (_f.ValueExists(value))
        {
            Fail($"v{value} defined twice", t);
        }
    }

    private int ValueId(Token t) => Number(t, "v");

    private int Number(Token t, string prefix)
    {
        if (!t.Text.StartsWith(prefix, StringComparison.Ordinal) || !int.TryParse(t.Text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n > 1_000_000)
        {
            throw Error($"expected {prefix}N, found '{t.Text}'", t);
        }
        return n;
    }

    private Token Peek() => _pos < _tokens.Count ? _tokens[_pos] : throw Error("unexpected end of text", _tokens.Count > 0 ? _tokens[^1] : default);

    private Token Next()
    {
        Token t = Peek();
        _pos++;
        return t;
    }

    private bool Accept(string text)
    {
        if (_pos < _tokens.Count && _tokens[_pos].Text == text)
        {
            _pos++;
            return true;
        }
        return false;
    }

    private void Expect(string text)
    {
        Token t = Peek();
        if (t.Text != text)
        {
            Fail($"expected '{text}', found '{t.Text}'", t);
        }
        _pos++;
    }

    private IrParseException Error(string message, Token t) => new($"{t.Line}:{t.Column}: {message}");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Fail(string message, Token? at = null) => throw Error(message, at ?? (_pos < _tokens.Count ? _tokens[_pos] : _tokens.Count > 0 ? _tokens[^1] : default));

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int line = 1;
        int lineStart = 0;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n')
            {
                line++;
                lineStart = ++i;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c == ';')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
                continue;
            }
            int start = i;
            if (c == '-' && i + 1 < text.Length && text[i + 1] == '>')
            {
                i += 2;
            }
            else if (IsWordChar(c) || (c == '-' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                i++;
                while (i < text.Length && IsWordChar(text[i]))
                {
                    i++;
                }
            }
            else if ("(),:={}[]+".Contains(c))
            {
                i++;
            }
            else
            {
                throw new IrParseException($"{line}:{i - lineStart + 1}: unexpected character '{c}'");
            }
            tokens.Add(new Token(text[start..i], line, start - lineStart + 1));
        }
        return tokens;
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '%';
}

/// <summary>The IR text is malformed; the message starts with line:column.</summary>
internal sealed class IrParseException(string message) : Exception(message);

using System.Text;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Text;

/// <summary>
/// Parses a WebAssembly spec test script (.wast) into a <see cref="WastScript"/>. Recursive descent
/// over the token list: commands and script constants are parsed here, while modules are only
/// delimited (by the lexer's matched parentheses) and left for <see cref="WastModule"/> consumers to
/// convert, keeping script parsing linear however large the modules are.
/// </summary>
public static class WastParser
{
    /// <summary>Parses script source; throws <see cref="MalformedModuleException"/> if the script itself is malformed.</summary>
    public static WastScript ParseScript(string text, string fileName) => ParseScript(Encoding.UTF8.GetBytes(text), fileName);

    public static WastScript ParseScript(byte[] source, string fileName)
    {
        TokenList tokens = Lexer.Tokenize(source, fileName);
        var cursor = new TokenCursor(tokens);
        var commands = new List<WastCommand>();
        if (IsImplicitModule(cursor))
        {
            // Spec interpreter convention (inline-module.wast): a script that starts with a module
            // field is one module made of all its fields.
            int end = tokens.Count - 1;
            commands.Add(new WastModuleCommand(cursor.Current.Line,
                WastModule.Text(null, cursor.Current.Line, tokens, 0, end, source)));
            return new WastScript(fileName, commands);
        }
        while (cursor.Kind != TokenKind.Eof)
        {
            commands.Add(ParseCommand(cursor));
        }
        return new WastScript(fileName, commands);
    }

    private static bool IsImplicitModule(TokenCursor cursor)
    {
        return IsModuleField(cursor.OpenKeyword());
    }

    private static WastCommand ParseCommand(TokenCursor cursor)
    {
        int line = cursor.Current.Line;
        ReadOnlySpan<byte> keyword = cursor.OpenKeyword();
        if (keyword.SequenceEqual("module"u8))
        {
            return new WastModuleCommand(line, ParseModule(cursor));
        }
        if (keyword.SequenceEqual("invoke"u8) || keyword.SequenceEqual("get"u8))
        {
            return new WastActionCommand(line, ParseAction(cursor));
        }
        if (keyword.IsEmpty)
        {
            throw cursor.Unexpected();
        }
        int open = cursor.Position;
        cursor.Position += 2;
        WastCommand command;
        if (keyword.SequenceEqual("register"u8))
        {
            string name = cursor.ExpectName();
            command = new WastRegisterCommand(line, name, cursor.TryId());
        }
        else if (keyword.SequenceEqual("assert_return"u8))
        {
            WastAction action = ParseAction(cursor);
            var results = new List<WastExpected>();
            while (cursor.Kind == TokenKind.LParen)
            {
                results.Add(ParseExpected(cursor));
            }
            command = new WastAssertReturn(line, action, results);
        }
        else if (keyword.SequenceEqual("assert_trap"u8))
        {
            if (cursor.IsOpen("module"u8))
            {
                WastModule module = ParseModule(cursor);
                command = new WastAssertTrap(line, null, module, ParseMessage(cursor));
            }
            else
            {
                WastAction action = ParseAction(cursor);
                command = new WastAssertTrap(line, action, null, ParseMessage(cursor));
            }
        }
        else if (keyword.SequenceEqual("assert_exhaustion"u8))
        {
            WastAction action = ParseAction(cursor);
            command = new WastAssertExhaustion(line, action, ParseMessage(cursor));
        }
        else if (keyword.SequenceEqual("assert_invalid"u8))
        {
            WastModule module = ParseModule(cursor);
            command = new WastAssertInvalid(line, module, ParseMessage(cursor));
        }
        else if (keyword.SequenceEqual("assert_malformed"u8))
        {
            WastModule module = ParseModule(cursor);
            command = new WastAssertMalformed(line, module, ParseMessage(cursor));
        }
        else if (keyword.SequenceEqual("assert_unlinkable"u8))
        {
            WastModule module = ParseModule(cursor);
            command = new WastAssertUnlinkable(line, module, ParseMessage(cursor));
        }
        else if (keyword.SequenceEqual("assert_uninstantiable"u8))
        {
            WastModule module = ParseModule(cursor);
            command = new WastAssertUninstantiable(line, module, ParseMessage(cursor));
        }
        else
        {
            throw cursor.Tokens.Error(open + 1, "unknown command");
        }
        cursor.ExpectRParen();
        return command;
    }

    private static string ParseMessage(TokenCursor cursor) => Encoding.UTF8.GetString(cursor.ExpectString());

    private static WastModule ParseModule(TokenCursor cursor)
    {
        int line = cursor.Current.Line;
        int open = cursor.Position;
        int close = cursor.Current.Partner;
        if (!cursor.TryOpen("module"u8) || close < 0)
        {
            throw cursor.Unexpected();
        }
        string? id = cursor.TryId();
        bool binary = cursor.IsKeyword("binary"u8);
        if (binary || cursor.IsKeyword("quote"u8))
        {
            cursor.Advance();
            byte[] bytes = TextParser.ConcatenateStrings(cursor);
            cursor.ExpectRParen();
            string fileName = cursor.Tokens.FileName ?? "";
            return binary ? WastModule.Binary(id, line, bytes, fileName) : WastModule.Quote(id, line, bytes, fileName);
        }
        int firstField = cursor.Position;
        cursor.Position = close + 1;
        TokenList tokens = cursor.Tokens;
        int start = tokens[open].Start;
        byte[] source = tokens.Source.AsSpan(start, tokens[close].End - start).ToArray();
        return WastModule.Text(id, line, tokens, firstField, close, source);
    }

    private static WastAction ParseAction(TokenCursor cursor)
    {
        int line = cursor.Current.Line;
        WastActionKind kind;
        if (cursor.TryOpen("invoke"u8))
        {
            kind = WastActionKind.Invoke;
        }
        else if (cursor.TryOpen("get"u8))
        {
            kind = WastActionKind.Get;
        }
        else
        {
            throw cursor.Unexpected();
        }
        string? moduleId = cursor.TryId();
        string name = cursor.ExpectName();
        var arguments = new List<WastValue>();
        if (kind == WastActionKind.Invoke)
        {
            while (cursor.Kind == TokenKind.LParen)
            {
                arguments.Add(ParseConstant(cursor));
            }
        }
        cursor.ExpectRParen();
        return new WastAction(line, kind, moduleId, name, arguments);
    }

    /// <summary>Parses a script constant: <c>(i32.const 1)</c>, <c>(v128.const i32x4 ...)</c>, <c>(ref.null func)</c>, <c>(ref.extern 1)</c>.</summary>
    private static WastValue ParseConstant(TokenCursor cursor)
    {
        WastExpected expected = ParseExpected(cursor, allowPatterns: false);
        return expected.Value;
    }

    private static WastExpected ParseExpected(TokenCursor cursor) => ParseExpected(cursor, allowPatterns: true);

    private static WastExpected ParseExpected(TokenCursor cursor, bool allowPatterns)
    {
        cursor.ExpectLParen();
        if (cursor.Kind != TokenKind.Keyword)
        {
            throw cursor.Unexpected();
        }
        int keywordIndex = cursor.Advance();
        ReadOnlySpan<byte> keyword = cursor.Tokens.Bytes(keywordIndex);
        WastExpected result;
        if (keyword.SequenceEqual("i32.const"u8))
        {
            result = WastExpected.Exact(WastValue.I32((uint)cursor.ExpectInt(32)));
        }
        else if (keyword.SequenceEqual("i64.const"u8))
        {
            result = WastExpected.Exact(WastValue.I64(cursor.ExpectInt(64)));
        }
        else if (keyword.SequenceEqual("f32.const"u8))
        {
            result = allowPatterns && cursor.Kind == TokenKind.Keyword
                ? WastExpected.NanOf(ValType.F32, V128Literal.ParseNanPattern(cursor))
                : WastExpected.Exact(WastValue.F32(cursor.ExpectF32()));
        }
        else if (keyword.SequenceEqual("f64.const"u8))
        {
            result = allowPatterns && cursor.Kind == TokenKind.Keyword
                ? WastExpected.NanOf(ValType.F64, V128Literal.ParseNanPattern(cursor))
                : WastExpected.Exact(WastValue.F64(cursor.ExpectF64()));
        }
        else if (keyword.SequenceEqual("v128.const"u8))
        {
            V128Shape shape = V128Literal.ParseShape(cursor);
            var lanes = new WastLane[shape.LaneCount()];
            V128Literal.ParseLanes(cursor, shape, allowPatterns, lanes);
            bool exact = lanes.All(l => l.Nan == WastNanPattern.None);
            (ulong low, ulong high) = V128Literal.Pack(shape, lanes);
            result = WastExpected.V128Lanes(shape, lanes, exact ? WastValue.V128(low, high) : null);
        }
        else if (keyword.SequenceEqual("ref.null"u8))
        {
            if (cursor.TryKeyword("func"u8))
            {
                result = WastExpected.Exact(WastValue.NullRef(ValType.FuncRef));
            }
            else if (cursor.TryKeyword("extern"u8))
            {
                result = WastExpected.Exact(WastValue.NullRef(ValType.ExternRef));
            }
            else
            {
                throw cursor.Unexpected();
            }
        }
        else if (keyword.SequenceEqual("ref.extern"u8))
        {
            result = allowPatterns && cursor.Kind == TokenKind.RParen
                ? WastExpected.AnyExternRef()
                : WastExpected.Exact(WastValue.ExternRef(cursor.ExpectUnsigned(32, "constant out of range")));
        }
        else if (allowPatterns && keyword.SequenceEqual("ref.func"u8))
        {
            result = WastExpected.AnyFuncRef();
        }
        else
        {
            throw cursor.Tokens.Error(keywordIndex, "unknown operator");
        }
        cursor.ExpectRParen();
        return result;
    }

    /// <summary>The module field keywords (spec 6.6.13), which start an implicit module.</summary>
    private static bool IsModuleField(ReadOnlySpan<byte> keyword) =>
        keyword.SequenceEqual("type"u8) || keyword.SequenceEqual("import"u8) || keyword.SequenceEqual("func"u8) ||
        keyword.SequenceEqual("table"u8) || keyword.SequenceEqual("memory"u8) || keyword.SequenceEqual("global"u8) ||
        keyword.SequenceEqual("export"u8) || keyword.SequenceEqual("start"u8) || keyword.SequenceEqual("elem"u8) ||
        keyword.SequenceEqual("data"u8);
}

using System.Text;
using Kiln.Wasm.Text;

namespace Kiln.Wasm.Tests.Text;

public sealed class LexerTests
{
    private static TokenList Lex(string text) => Lexer.Tokenize(Encoding.UTF8.GetBytes(text), "t.wat");

    private static List<(TokenKind Kind, string Text)> Tokens(string text)
    {
        TokenList list = Lex(text);
        var result = new List<(TokenKind, string)>();
        for (int i = 0; i < list.Count - 1; i++)
        {
            result.Add((list[i].Kind, list.Text(i)));
        }
        Assert.Equal(TokenKind.Eof, list[list.Count - 1].Kind);
        return result;
    }

    [Fact]
    public void Parentheses_delimit_tokens_and_are_matched()
    {
        TokenList list = Lex("(func(nop)nop)");
        Assert.Equal(
            [(TokenKind.LParen, "("), (TokenKind.Keyword, "func"), (TokenKind.LParen, "("), (TokenKind.Keyword, "nop"),
             (TokenKind.RParen, ")"), (TokenKind.Keyword, "nop"), (TokenKind.RParen, ")")],
            Tokens("(func(nop)nop)"));
        Assert.Equal(6, list[0].Partner);
        Assert.Equal(0, list[6].Partner);
        Assert.Equal(4, list[2].Partner);
    }

    [Fact]
    public void Comments_nest_and_line_comments_end_at_any_newline()
    {
        Assert.Equal(
            [(TokenKind.Keyword, "a"), (TokenKind.Keyword, "b"), (TokenKind.Keyword, "c"), (TokenKind.Keyword, "d")],
            Tokens("a(;x(;y;)z;)b;;comment\rc;;\r\nd;;end"));
        Assert.Equal([(TokenKind.Keyword, "nop")], Tokens("nop;;bla"));
        Assert.Equal([(TokenKind.LParen, "("), (TokenKind.Keyword, "module"), (TokenKind.RParen, ")")], Tokens("(;;)(;comment;)(;;;comment;;;)(module(;\";)(;\"\"\";))"));
    }

    [Fact]
    public void Positions_are_line_and_column()
    {
        TokenList list = Lex("(module\n  (func)\r\n\t$x)");
        Assert.Equal((2, 3), (list[2].Line, list[2].Column));
        Assert.Equal((3, 2), (list[5].Line, list[5].Column));
    }

    [Fact]
    public void Strings_decode_escapes_and_utf8()
    {
        TokenList list = Lex("\"a\\t\\n\\r\\\"\\'\\\\\\00\\ff\\u{41}\\u{1F600}\\u{10_FFFF}é\"");
        Assert.Equal(TokenKind.String, list[0].Kind);
        byte[] expected = [(byte)'a', 9, 10, 13, (byte)'"', (byte)'\'', (byte)'\\', 0, 0xFF, 0x41, 0xF0, 0x9F, 0x98, 0x80, 0xF4, 0x8F, 0xBF, 0xBF, 0xC3, 0xA9];
        Assert.Equal(expected, list.DecodeString(0));
    }

    [Theory]
    [InlineData("\"abc", "unclosed string literal", 1, 1)]
    [InlineData("(a\n \"x\ny\")", "unclosed string literal", 2, 4)]
    [InlineData("\"\\q\"", "illegal escape", 1, 2)]
    [InlineData("\"\\u{D800}\"", "illegal escape", 1, 2)]
    [InlineData("\"\\u{110000}\"", "illegal escape", 1, 2)]
    [InlineData("\"\\u{}\"", "illegal escape", 1, 2)]
    [InlineData("\"\\f\"", "illegal escape", 1, 2)]
    [InlineData("\"\x01\"", "illegal control character in string", 1, 2)]
    [InlineData("x\n  (; (; ;)", "unclosed comment", 2, 3)]
    [InlineData("a \x07", "unexpected character", 1, 3)]
    public void Lexical_errors_have_positions(string text, string reason, int line, int column)
    {
        var e = Assert.Throws<MalformedModuleException>(() => Lex(text));
        Assert.Equal(reason, e.Reason);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains($"t.wat:{line}:{column}", e.Message);
    }

    [Fact]
    public void Invalid_utf8_in_strings_is_malformed()
    {
        byte[] source = [(byte)'"', 0xC0, 0x80, (byte)'"'];
        var e = Assert.Throws<MalformedModuleException>(() => Lexer.Tokenize(source, null));
        Assert.Equal("malformed UTF-8 encoding", e.Reason);
        byte[] surrogate = [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'];
        Assert.Throws<MalformedModuleException>(() => Lexer.Tokenize(surrogate, null));
        byte[] lineComment = [(byte)';', (byte)';', 0xFF, (byte)'\n'];
        Assert.Equal("malformed UTF-8 encoding", Assert.Throws<MalformedModuleException>(() => Lexer.Tokenize(lineComment, null)).Reason);
        byte[] blockComment = [(byte)'(', (byte)';', 0xC3, (byte)';', (byte)')'];
        Assert.Equal("malformed UTF-8 encoding", Assert.Throws<MalformedModuleException>(() => Lexer.Tokenize(blockComment, null)).Reason);
        byte[] bom = [0xEF, 0xBB, 0xBF, (byte)'(', (byte)')'];
        Assert.Equal("unexpected character", Assert.Throws<MalformedModuleException>(() => Lexer.Tokenize(bom, null)).Reason);
        Assert.Equal(3, Lexer.Tokenize("(;é;) ;; ü\n()"u8.ToArray(), null).Count);
    }
}

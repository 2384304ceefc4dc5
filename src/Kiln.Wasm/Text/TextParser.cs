using System.Text;
using Kiln.Wasm.Model;

namespace Kiln.Wasm.Text;

/// <summary>
/// Entry point for WebAssembly text modules (.wat): <c>(module $id? field*)</c>, a bare sequence of
/// fields (the implicit module), or the script form <c>(module $id? quote "..."*)</c>, whose strings are
/// concatenated and parsed as text (<c>(module binary ...)</c> is rejected: decode binaries with the
/// reader). Produces the same <see cref="WasmModule"/> as the binary reader; any error is a
/// <see cref="MalformedModuleException"/> with line and column. The result is not validated.
/// </summary>
public static class TextParser
{
    public static WasmModule ParseModule(string text, string? fileName = null) => ParseModule(Encoding.UTF8.GetBytes(text), fileName);

    public static WasmModule ParseModule(byte[] source, string? fileName = null)
    {
        TokenList tokens = Lexer.Tokenize(source, fileName);
        var cursor = new TokenCursor(tokens);
        if (!cursor.IsOpen("module"u8))
        {
            return ModuleParser.Parse(tokens, 0, tokens.Count - 1, null);
        }
        int close = cursor.Current.Partner;
        if (close < 0)
        {
            throw tokens.Error(tokens.Count - 1, "unexpected end of input");
        }
        if (tokens[close + 1].Kind != TokenKind.Eof)
        {
            throw tokens.Error(close + 1, "unexpected token");
        }
        cursor.Position += 2;
        string? id = cursor.TryId();
        if (cursor.TryKeyword("quote"u8))
        {
            byte[] quoted = ConcatenateStrings(cursor);
            cursor.ExpectRParen();
            return ParseModule(quoted, fileName);
        }
        // (module binary ...) is script syntax (see WastModule), not text format: its bytes go to the binary reader.
        return ModuleParser.Parse(tokens, cursor.Position, close, id);
    }

    internal static byte[] ConcatenateStrings(TokenCursor cursor)
    {
        var bytes = new List<byte>();
        while (cursor.Kind == TokenKind.String)
        {
            bytes.AddRange(cursor.ExpectString());
        }
        return bytes.ToArray();
    }
}

namespace Kiln.Wasm.Text;

/// <summary>
/// Splits UTF-8 text-format source into tokens (spec 6.3). Works on bytes, not .NET strings, because
/// quoted modules may carry any bytes and string literals denote byte sequences. One linear pass:
/// a token is the longest run of token characters (id characters, string literals and the reserved
/// punctuation), classified afterwards, so <c>"a""b"</c> or <c>0$l</c> become a single reserved token
/// as the spec requires. Parentheses are matched on the way, which lets parsers skip S-expressions.
/// </summary>
internal sealed class Lexer
{
    private readonly byte[] _src;
    private readonly string? _fileName;
    private Token[] _tokens = new Token[256];
    private int _count;
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private Lexer(byte[] source, string? fileName)
    {
        _src = source;
        _fileName = fileName;
    }

    public static TokenList Tokenize(byte[] source, string? fileName)
    {
        var lexer = new Lexer(source, fileName);
        lexer.Run();
        return new TokenList(source, fileName, lexer._tokens, lexer._count);
    }

    private void Run()
    {
        var open = new Stack<int>();
        while (true)
        {
            SkipWhitespace();
            if (_pos >= _src.Length)
            {
                Add(TokenKind.Eof, _pos, 0);
                break;
            }
            byte c = _src[_pos];
            if (c == '(')
            {
                open.Push(_count);
                Add(TokenKind.LParen, _pos, 1);
                _pos++;
            }
            else if (c == ')')
            {
                int index = _count;
                Add(TokenKind.RParen, _pos, 1);
                if (open.Count > 0)
                {
                    int partner = open.Pop();
                    _tokens[partner].Partner = index;
                    _tokens[index].Partner = partner;
                }
                _pos++;
            }
            else if (IsRunChar(c))
            {
                LexRun();
            }
            else
            {
                throw Error(c >= 0x80 && Utf8.SequenceLength(_src, _pos) == 0 ? "malformed UTF-8 encoding" : "unexpected character", _pos);
            }
        }
    }

    private void Add(TokenKind kind, int start, int length)
    {
        if (_count == _tokens.Length)
        {
            Array.Resize(ref _tokens, _tokens.Length * 2);
        }
        _tokens[_count++] = new Token
        {
            Kind = kind,
            Start = start,
            Length = length,
            Line = _line,
            Column = start - _lineStart + 1,
            Partner = -1,
        };
    }

    private void SkipWhitespace()
    {
        while (_pos < _src.Length)
        {
            byte c = _src[_pos];
            if (c == ' ' || c == '\t')
            {
                _pos++;
            }
            else if (c == '\n' || c == '\r')
            {
                NewLine();
            }
            else if (c == ';' && Peek(1) == ';')
            {
                // Spec 6.3.2: a line comment runs to the next newline (U+0A or U+0D) or the end.
                _pos += 2;
                while (_pos < _src.Length && _src[_pos] != '\n' && _src[_pos] != '\r')
                {
                    SkipCommentChar();
                }
            }
            else if (c == '(' && Peek(1) == ';')
            {
                SkipBlockComment();
            }
            else
            {
                return;
            }
        }
    }

    private void NewLine()
    {
        // Spec 6.3.2: newline is U+0A, U+0D, or U+0D U+0A.
        if (_src[_pos] == '\r' && Peek(1) == '\n')
        {
            _pos++;
        }
        _pos++;
        _line++;
        _lineStart = _pos;
    }

    private void SkipBlockComment()
    {
        int startLine = _line;
        int startColumn = _pos - _lineStart + 1;
        int depth = 0;
        while (_pos < _src.Length)
        {
            byte c = _src[_pos];
            if (c == '(' && Peek(1) == ';')
            {
                depth++;
                _pos += 2;
            }
            else if (c == ';' && Peek(1) == ')')
            {
                depth--;
                _pos += 2;
                if (depth == 0)
                {
                    return;
                }
            }
            else if (c == '\n' || c == '\r')
            {
                NewLine();
            }
            else
            {
                SkipCommentChar();
            }
        }
        throw new MalformedModuleException("unclosed comment", _fileName, startLine, startColumn);
    }

    /// <summary>Spec 6.3.2: comments hold characters, so their bytes must be well-formed UTF-8 too.</summary>
    private void SkipCommentChar()
    {
        if (_src[_pos] < 0x80)
        {
            _pos++;
            return;
        }
        int n = Utf8.SequenceLength(_src, _pos);
        if (n == 0)
        {
            throw Error("malformed UTF-8 encoding", _pos);
        }
        _pos += n;
    }

    private int Peek(int ahead) => _pos + ahead < _src.Length ? _src[_pos + ahead] : -1;

    private void LexRun()
    {
        int start = _pos;
        int strings = 0;
        bool other = false;
        bool punctuation = false;
        while (_pos < _src.Length)
        {
            byte c = _src[_pos];
            if (c == '"')
            {
                SkipString();
                strings++;
            }
            else if (IsIdChar(c))
            {
                _pos++;
                other = true;
            }
            else if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}' || (c == ';' && Peek(1) != ';'))
            {
                _pos++;
                other = true;
                punctuation = true;
            }
            else
            {
                break;
            }
        }
        int length = _pos - start;
        TokenKind kind;
        if (strings > 0)
        {
            kind = strings == 1 && !other ? TokenKind.String : TokenKind.Reserved;
        }
        else if (punctuation)
        {
            kind = TokenKind.Reserved;
        }
        else
        {
            kind = Classify(_src.AsSpan(start, length));
        }
        Add(kind, start, length);
    }

    private static TokenKind Classify(ReadOnlySpan<byte> text)
    {
        byte c = text[0];
        if (c == '$')
        {
            return text.Length > 1 ? TokenKind.Id : TokenKind.Reserved;
        }
        if (c >= 'a' && c <= 'z')
        {
            return NumberSyntax.IsFloatKeyword(text) ? TokenKind.Float : TokenKind.Keyword;
        }
        return NumberSyntax.Classify(text);
    }

    private void SkipString()
    {
        int start = _pos;
        _pos++;
        while (true)
        {
            if (_pos >= _src.Length)
            {
                throw Error("unclosed string literal", start);
            }
            byte c = _src[_pos];
            if (c == '"')
            {
                _pos++;
                return;
            }
            if (c == '\\')
            {
                SkipEscape();
            }
            else if (c < 0x20 || c == 0x7F)
            {
                throw Error(c == '\n' || c == '\r' ? "unclosed string literal" : "illegal control character in string", _pos);
            }
            else if (c < 0x80)
            {
                _pos++;
            }
            else
            {
                int n = Utf8.SequenceLength(_src, _pos);
                if (n == 0)
                {
                    throw Error("malformed UTF-8 encoding", _pos);
                }
                _pos += n;
            }
        }
    }

    private void SkipEscape()
    {
        int start = _pos;
        _pos++;
        if (_pos >= _src.Length)
        {
            throw Error("unclosed string literal", start);
        }
        byte c = _src[_pos];
        switch (c)
        {
            case (byte)'t' or (byte)'n' or (byte)'r' or (byte)'"' or (byte)'\'' or (byte)'\\':
                _pos++;
                return;
            case (byte)'u':
                {
                    // Spec 6.3.3: \u{hexnum} denotes a Unicode scalar value.
                    _pos++;
                    if (Peek(0) != '{')
                    {
                        throw Error("illegal escape", start);
                    }
                    _pos++;
                    int digitsStart = _pos;
                    while (_pos < _src.Length && (Hex.Value(_src[_pos]) >= 0 || _src[_pos] == '_'))
                    {
                        _pos++;
                    }
                    if (Peek(0) != '}' || !Hex.TryParseScalar(_src.AsSpan(digitsStart, _pos - digitsStart), out _))
                    {
                        throw Error("illegal escape", start);
                    }
                    _pos++;
                    return;
                }
            default:
                if (Hex.Value(c) >= 0 && _pos + 1 < _src.Length && Hex.Value(_src[_pos + 1]) >= 0)
                {
                    _pos += 2;
                    return;
                }
                throw Error("illegal escape", start);
        }
    }

    private MalformedModuleException Error(string reason, int position) =>
        new(reason, _fileName, _line, position - _lineStart + 1);

    /// <summary>Spec 6.3.4: idchar.</summary>
    internal static bool IsIdChar(byte c) =>
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        c is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or
            (byte)'+' or (byte)'-' or (byte)'.' or (byte)'/' or (byte)':' or (byte)'<' or (byte)'=' or
            (byte)'>' or (byte)'?' or (byte)'@' or (byte)'\\' or (byte)'^' or (byte)'_' or (byte)'`' or
            (byte)'|' or (byte)'~';

    private static bool IsRunChar(byte c) =>
        IsIdChar(c) || c is (byte)'"' or (byte)',' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)';';
}

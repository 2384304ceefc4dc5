namespace Kiln.Wasm.Text;

/// <summary>
/// A position in a <see cref="TokenList"/> with the expect/peek helpers that the script and module
/// parsers share. Every failure is a <see cref="MalformedModuleException"/> at the offending token.
/// </summary>
internal sealed class TokenCursor
{
    public TokenCursor(TokenList tokens, int position = 0)
    {
        Tokens = tokens;
        Position = position;
    }

    public TokenList Tokens { get; }

    public int Position { get; set; }

    public ref readonly Token Current => ref Tokens[Position];

    public TokenKind Kind => Tokens[Position].Kind;

    public TokenKind PeekKind(int ahead) => Position + ahead < Tokens.Count ? Tokens[Position + ahead].Kind : TokenKind.Eof;

    public bool IsKeyword(ReadOnlySpan<byte> keyword) => Tokens.Is(Position, TokenKind.Keyword, keyword);

    /// <summary>Whether the cursor is at <c>(keyword</c>.</summary>
    public bool IsOpen(ReadOnlySpan<byte> keyword) =>
        Kind == TokenKind.LParen && Position + 1 < Tokens.Count && Tokens.Is(Position + 1, TokenKind.Keyword, keyword);

    /// <summary>The keyword after an opening parenthesis at the cursor, or an empty span.</summary>
    public ReadOnlySpan<byte> OpenKeyword() =>
        Kind == TokenKind.LParen && PeekKind(1) == TokenKind.Keyword ? Tokens.Bytes(Position + 1) : default;

    public int Advance() => Position++;

    public MalformedModuleException Error(string reason) => Tokens.Error(Position, reason);

    /// <summary>The generic complaint for a token that fits nowhere here.</summary>
    public MalformedModuleException Unexpected() => Error(Kind switch
    {
        TokenKind.Eof => "unexpected end of input",
        // Spec interpreter wording: a reserved token is never an operator.
        TokenKind.Reserved => "unknown operator",
        _ => "unexpected token",
    });

    /// <summary>For a literal position: an unknown keyword (e.g. <c>nan:1</c>) reads as an unknown operator, as in the spec interpreter.</summary>
    public MalformedModuleException NotALiteral() =>
        Kind == TokenKind.Keyword && !IsKeyword("nan:canonical"u8) && !IsKeyword("nan:arithmetic"u8)
            ? Error("unknown operator " + Tokens.Text(Position))
            : Unexpected();

    public void ExpectLParen()
    {
        if (Kind != TokenKind.LParen)
        {
            throw Unexpected();
        }
        Position++;
    }

    public void ExpectRParen()
    {
        if (Kind != TokenKind.RParen)
        {
            throw Unexpected();
        }
        Position++;
    }

    public void ExpectKeyword(ReadOnlySpan<byte> keyword)
    {
        if (!IsKeyword(keyword))
        {
            throw Unexpected();
        }
        Position++;
    }

    /// <summary>Consumes <c>(keyword</c> if present.</summary>
    public bool TryOpen(ReadOnlySpan<byte> keyword)
    {
        if (!IsOpen(keyword))
        {
            return false;
        }
        Position += 2;
        return true;
    }

    public bool TryKeyword(ReadOnlySpan<byte> keyword)
    {
        if (!IsKeyword(keyword))
        {
            return false;
        }
        Position++;
        return true;
    }

    public string? TryId()
    {
        if (Kind != TokenKind.Id)
        {
            return null;
        }
        return Tokens.Text(Position++);
    }

    public byte[] ExpectString()
    {
        if (Kind != TokenKind.String)
        {
            throw Unexpected();
        }
        return Tokens.DecodeString(Position++);
    }

    public string ExpectName()
    {
        if (Kind != TokenKind.String)
        {
            throw Unexpected();
        }
        return Tokens.DecodeName(Position++);
    }

    /// <summary>Skips a whole S-expression starting at an opening parenthesis.</summary>
    public void SkipSExpression()
    {
        int close = Current.Partner;
        if (Kind != TokenKind.LParen || close < 0)
        {
            throw Unexpected();
        }
        Position = close + 1;
    }

    /// <summary>Parses a uN literal (indices, limits, offsets, lane indices).</summary>
    public ulong ExpectUnsigned(int bits, string outOfRange)
    {
        if (Kind != TokenKind.Nat)
        {
            throw Unexpected();
        }
        if (!IntegerLiteral.TryParseUnsigned(Tokens.Bytes(Position), bits, out ulong value))
        {
            throw Error(outOfRange);
        }
        Position++;
        return value;
    }

    public uint ExpectU32() => (uint)ExpectUnsigned(32, "i32 constant out of range");

    /// <summary>Parses an iN literal, signed or unsigned form, into its N-bit pattern.</summary>
    public ulong ExpectInt(int bits)
    {
        if (Kind != TokenKind.Nat && Kind != TokenKind.Int)
        {
            throw NotALiteral();
        }
        if (!IntegerLiteral.TryParseInt(Tokens.Bytes(Position), bits, out ulong value))
        {
            throw Error("constant out of range");
        }
        Position++;
        return value;
    }

    public uint ExpectF32()
    {
        if (Kind != TokenKind.Nat && Kind != TokenKind.Int && Kind != TokenKind.Float)
        {
            throw NotALiteral();
        }
        if (!FloatLiteral.TryParseF32(Tokens.Bytes(Position), out uint bits))
        {
            throw Error("constant out of range");
        }
        Position++;
        return bits;
    }

    public ulong ExpectF64()
    {
        if (Kind != TokenKind.Nat && Kind != TokenKind.Int && Kind != TokenKind.Float)
        {
            throw NotALiteral();
        }
        if (!FloatLiteral.TryParseF64(Tokens.Bytes(Position), out ulong bits))
        {
            throw Error("constant out of range");
        }
        Position++;
        return bits;
    }
}

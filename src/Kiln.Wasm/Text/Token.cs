namespace Kiln.Wasm.Text;

/// <summary>
/// One token: its class and where its bytes are in the source. Text is not copied; parsers slice
/// the source when they need a value. <see cref="Partner"/> links a parenthesis to its match so a
/// whole S-expression can be skipped in constant time.
/// </summary>
internal struct Token
{
    public TokenKind Kind;
    public int Start;
    public int Length;
    public int Line;
    public int Column;
    /// <summary>For <see cref="TokenKind.LParen"/> and <see cref="TokenKind.RParen"/>: index of the matching parenthesis, or -1.</summary>
    public int Partner;

    public readonly int End => Start + Length;
}

namespace Kiln.Wasm.Text;

/// <summary>Token classes of the text format (spec 6.3.1), with numbers split by what they can denote.</summary>
internal enum TokenKind : byte
{
    LParen,
    RParen,
    /// <summary>Starts with a lowercase letter: instruction and field names, <c>offset=</c> forms.</summary>
    Keyword,
    /// <summary><c>$name</c>.</summary>
    Id,
    String,
    /// <summary>An unsigned integer literal (decimal or hex, no sign); also a valid float.</summary>
    Nat,
    /// <summary>A signed integer literal (<c>+</c> or <c>-</c>); also a valid float.</summary>
    Int,
    /// <summary>A float-only literal: fraction, exponent, <c>inf</c>, <c>nan</c>, <c>nan:0x..</c>.</summary>
    Float,
    /// <summary>Any other run of token characters; never valid in any position.</summary>
    Reserved,
    Eof,
}

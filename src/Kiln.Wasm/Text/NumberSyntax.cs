namespace Kiln.Wasm.Text;

/// <summary>
/// Recognizes the shapes of numeric literals (spec 6.3.1: num, hexnum, float, hexfloat, fN) without
/// computing values, so the lexer can classify a token once and the parsers only convert tokens
/// that are known to be well formed. Underscores are allowed only between two digits.
/// </summary>
internal static class NumberSyntax
{
    public static bool IsHexNum(ReadOnlySpan<byte> text) => text.Length > 0 && ScanDigits(text, 0, hex: true) == text.Length;

    public static bool IsFloatKeyword(ReadOnlySpan<byte> text) =>
        text.SequenceEqual("inf"u8) || text.SequenceEqual("nan"u8) ||
        (text.StartsWith("nan:0x"u8) && IsHexNum(text[6..]));

    /// <summary>Classifies a token that starts with a digit or sign: Nat, Int, Float or Reserved.</summary>
    public static TokenKind Classify(ReadOnlySpan<byte> text)
    {
        bool signed = text[0] == '+' || text[0] == '-';
        ReadOnlySpan<byte> r = signed ? text[1..] : text;
        if (r.Length == 0)
        {
            return TokenKind.Reserved;
        }
        if (IsFloatKeyword(r))
        {
            return TokenKind.Float;
        }
        bool hex = r.Length > 2 && r[0] == '0' && r[1] == 'x';
        int i = hex ? 2 : 0;
        i = ScanDigits(r, i, hex);
        if (i < 0)
        {
            return TokenKind.Reserved;
        }
        if (i == r.Length)
        {
            return signed ? TokenKind.Int : TokenKind.Nat;
        }
        if (r[i] == '.')
        {
            i++;
            if (i < r.Length && Hex.Value(r[i]) >= 0 && (hex || r[i] <= '9'))
            {
                i = ScanDigits(r, i, hex);
                if (i < 0)
                {
                    return TokenKind.Reserved;
                }
            }
        }
        if (i < r.Length && (hex ? (r[i] == 'p' || r[i] == 'P') : (r[i] == 'e' || r[i] == 'E')))
        {
            i++;
            if (i < r.Length && (r[i] == '+' || r[i] == '-'))
            {
                i++;
            }
            i = ScanDigits(r, i, hex: false);
            if (i < 0)
            {
                return TokenKind.Reserved;
            }
        }
        return i == r.Length ? TokenKind.Float : TokenKind.Reserved;
    }

    /// <summary>Scans digits with single underscores between them from <paramref name="i"/>; returns the end, or -1 if malformed.</summary>
    private static int ScanDigits(ReadOnlySpan<byte> text, int i, bool hex)
    {
        if (i >= text.Length || !IsDigit(text[i], hex))
        {
            return -1;
        }
        i++;
        while (i < text.Length)
        {
            if (IsDigit(text[i], hex))
            {
                i++;
            }
            else if (text[i] == '_')
            {
                if (i + 1 >= text.Length || !IsDigit(text[i + 1], hex))
                {
                    return -1;
                }
                i += 2;
            }
            else
            {
                break;
            }
        }
        return i;
    }

    private static bool IsDigit(byte c, bool hex) => hex ? Hex.Value(c) >= 0 : c >= '0' && c <= '9';
}

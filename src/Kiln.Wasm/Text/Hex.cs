namespace Kiln.Wasm.Text;

/// <summary>Hex digit helpers shared by the lexer, string decoding and number parsing.</summary>
internal static class Hex
{
    public static int Value(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// Parses the digits of a <c>\u{...}</c> escape (hexnum: digits with single underscores between
    /// them) and checks it is a Unicode scalar value (spec 6.3.3: below 0xD800, or 0xE000 to 0x10FFFF).
    /// </summary>
    public static bool TryParseScalar(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        if (!NumberSyntax.IsHexNum(digits))
        {
            return false;
        }
        long v = 0;
        foreach (byte c in digits)
        {
            if (c == '_')
            {
                continue;
            }
            v = v * 16 + Value(c);
            if (v >= 0x110000)
            {
                return false;
            }
        }
        if (v >= 0xD800 && v < 0xE000)
        {
            return false;
        }
        value = (int)v;
        return true;
    }
}

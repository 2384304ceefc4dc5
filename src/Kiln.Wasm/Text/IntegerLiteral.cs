namespace Kiln.Wasm.Text;

/// <summary>
/// Converts integer tokens to values (spec 6.3.1). iN accepts both unsigned (0 to 2^N-1) and signed
/// (-2^(N-1) to 2^(N-1)-1 with an explicit sign) forms and yields the two's-complement bits; uN accepts
/// only the unsigned form. Callers have already checked the token's shape, so only range can fail.
/// </summary>
internal static class IntegerLiteral
{
    /// <summary>Parses an iN literal (Nat or Int token) into its N-bit two's-complement pattern.</summary>
    public static bool TryParseInt(ReadOnlySpan<byte> text, int bits, out ulong value)
    {
        value = 0;
        bool negative = text[0] == '-';
        bool signed = negative || text[0] == '+';
        if (!TryParseMagnitude(signed ? text[1..] : text, out ulong magnitude))
        {
            return false;
        }
        ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        ulong half = 1UL << (bits - 1);
        if (!signed)
        {
            if (magnitude > mask)
            {
                return false;
            }
            value = magnitude;
            return true;
        }
        // Spec 6.3.1: sN ::= '+' n (n < 2^(N-1)) | '-' n (n <= 2^(N-1)).
        if (negative ? magnitude > half : magnitude >= half)
        {
            return false;
        }
        value = (negative ? 0UL - magnitude : magnitude) & mask;
        return true;
    }

    /// <summary>Parses a uN literal (Nat token only).</summary>
    public static bool TryParseUnsigned(ReadOnlySpan<byte> text, int bits, out ulong value)
    {
        value = 0;
        if (!TryParseMagnitude(text, out ulong magnitude))
        {
            return false;
        }
        if (bits < 64 && magnitude >> bits != 0)
        {
            return false;
        }
        value = magnitude;
        return true;
    }

    /// <summary>Parses decimal or 0x-hex digits with underscores; false if the value does not fit 64 bits.</summary>
    public static bool TryParseMagnitude(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        bool hex = text.Length > 2 && text[0] == '0' && text[1] == 'x';
        uint radix = hex ? 16u : 10u;
        foreach (byte c in hex ? text[2..] : text)
        {
            if (c == '_')
            {
                continue;
            }
            ulong digit = (ulong)Hex.Value(c);
            if (value > (ulong.MaxValue - digit) / radix)
            {
                return false;
            }
            value = value * radix + digit;
        }
        return true;
    }
}

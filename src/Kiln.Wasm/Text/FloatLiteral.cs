using System.Globalization;
using System.Numerics;

namespace Kiln.Wasm.Text;

/// <summary>
/// Converts float tokens to IEEE 754 bit patterns (spec 6.3.1, fN), rounding to nearest, ties to even.
/// Hex floats are rounded here with a 64-bit significand plus a sticky bit, which is exact for any
/// number of digits. Decimal floats go through .NET's parser, which is correctly rounded for both
/// widths; f32 is parsed as <see cref="float"/> directly, never via <see cref="double"/>, because
/// rounding twice can land on the wrong side of a tie. A literal that rounds to infinity is out of
/// range, and a NaN payload must be non-zero and fit the significand.
/// </summary>
internal static class FloatLiteral
{
    public static bool TryParseF32(ReadOnlySpan<byte> text, out uint bits)
    {
        bool ok = TryParse(text, significandBits: 24, exponentBits: 8, out ulong raw);
        bits = (uint)raw;
        return ok;
    }

    public static bool TryParseF64(ReadOnlySpan<byte> text, out ulong bits) =>
        TryParse(text, significandBits: 53, exponentBits: 11, out bits);

    /// <param name="text">The literal's bytes.</param>
    /// <param name="significandBits">Precision including the implicit leading bit (24 or 53).</param>
    /// <param name="exponentBits">Width of the exponent field (8 or 11).</param>
    /// <param name="bits">The IEEE 754 encoding, in the low bits.</param>
    private static bool TryParse(ReadOnlySpan<byte> text, int significandBits, int exponentBits, out ulong bits)
    {
        bits = 0;
        bool negative = text[0] == '-';
        ReadOnlySpan<byte> r = text[0] == '-' || text[0] == '+' ? text[1..] : text;
        int fractionBits = significandBits - 1;
        ulong expAllOnes = ((1UL << exponentBits) - 1) << fractionBits;
        ulong sign = negative ? 1UL << (significandBits + exponentBits - 1) : 0;
        ulong magnitude;
        if (r.SequenceEqual("inf"u8))
        {
            magnitude = expAllOnes;
        }
        else if (r.SequenceEqual("nan"u8))
        {
            // Spec 6.3.1: plain nan is the canonical NaN, payload 2^(signif-1).
            magnitude = expAllOnes | (1UL << (fractionBits - 1));
        }
        else if (r.StartsWith("nan:0x"u8))
        {
            if (!IntegerLiteral.TryParseMagnitude(r[4..], out ulong payload) || payload == 0 || payload >> fractionBits != 0)
            {
                return false;
            }
            magnitude = expAllOnes | payload;
        }
        else if (r.Length > 2 && r[0] == '0' && r[1] == 'x')
        {
            if (!TryParseHex(r[2..], significandBits, exponentBits, out magnitude))
            {
                return false;
            }
        }
        else if (!TryParseDecimal(r, significandBits, out magnitude))
        {
            return false;
        }
        bits = sign | magnitude;
        return true;
    }

    private static bool TryParseDecimal(ReadOnlySpan<byte> r, int significandBits, out ulong magnitude)
    {
        magnitude = 0;
        char[]? rented = null;
        Span<char> chars = r.Length <= 256 ? stackalloc char[r.Length] : (rented = new char[r.Length]);
        int n = 0;
        foreach (byte c in r)
        {
            if (c != '_')
            {
                chars[n++] = (char)c;
            }
        }
        ReadOnlySpan<char> digits = chars[..n];
        const NumberStyles style = NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        if (significandBits == 24)
        {
            if (!float.TryParse(digits, style, CultureInfo.InvariantCulture, out float f) || float.IsInfinity(f))
            {
                return false;
            }
            magnitude = BitConverter.SingleToUInt32Bits(f);
        }
        else
        {
            if (!double.TryParse(digits, style, CultureInfo.InvariantCulture, out double d) || double.IsInfinity(d))
            {
                return false;
            }
            magnitude = BitConverter.DoubleToUInt64Bits(d);
        }
        return true;
    }

    /// <summary>Rounds a hexfloat (the text after 0x) to the target format.</summary>
    private static bool TryParseHex(ReadOnlySpan<byte> r, int p, int exponentBits, out ulong magnitude)
    {
        magnitude = 0;
        // value = m * 2^e, plus something below m's last bit when sticky.
        ulong m = 0;
        long e = 0;
        bool sticky = false;
        bool afterPoint = false;
        int i = 0;
        for (; i < r.Length; i++)
        {
            byte c = r[i];
            if (c == '_')
            {
                continue;
            }
            if (c == '.')
            {
                afterPoint = true;
                continue;
            }
            int d = Hex.Value(c);
            if (d < 0)
            {
                break;
            }
            if (m >> 60 == 0)
            {
                m = (m << 4) | (uint)d;
                if (afterPoint)
                {
                    e -= 4;
                }
            }
            else
            {
                sticky |= d != 0;
                if (!afterPoint)
                {
                    e += 4;
                }
            }
        }
        if (i < r.Length)
        {
            // An exponent: 'p' sign decimal digits. Saturate: beyond a few thousand it only decides 0 or overflow.
            i++;
            bool negativeExp = false;
            if (r[i] == '+' || r[i] == '-')
            {
                negativeExp = r[i] == '-';
                i++;
            }
            long exp = 0;
            for (; i < r.Length; i++)
            {
                if (r[i] != '_' && exp < 1_000_000_000)
                {
                    exp = exp * 10 + (r[i] - '0');
                }
            }
            e += negativeExp ? -exp : exp;
        }
        if (m == 0)
        {
            return true;
        }
        int bias = (1 << (exponentBits - 1)) - 1;
        int emin = 1 - bias;
        int msb = 63 - BitOperations.LeadingZeroCount(m);
        long valueExponent = msb + e;
        // The result is q * 2^k with q < 2^p; k is fixed by the value's exponent, or by the subnormal range.
        long k = Math.Max(valueExponent - (p - 1), emin - (p - 1));
        long shift = k - e;
        ulong q;
        if (shift <= 0)
        {
            q = m << (int)-shift;
        }
        else if (shift >= 65)
        {
            q = 0;
        }
        else
        {
            ulong rem;
            ulong half;
            if (shift == 64)
            {
                q = 0;
                rem = m;
                half = 1UL << 63;
            }
            else
            {
                q = m >> (int)shift;
                rem = m & ((1UL << (int)shift) - 1);
                half = 1UL << (int)(shift - 1);
            }
            if (rem > half || (rem == half && (sticky || (q & 1) == 1)))
            {
                q++;
            }
        }
        if (q >> p != 0)
        {
            // Rounding carried into a new bit: q was 2^p exactly.
            q >>= 1;
            k++;
        }
        if (q == 0)
        {
            return true;
        }
        ulong fractionMask = (1UL << (p - 1)) - 1;
        if (q >> (p - 1) == 0)
        {
            magnitude = q;
            return true;
        }
        long biased = k + (p - 1) + bias;
        if (biased >= (1L << exponentBits) - 1)
        {
            return false;
        }
        magnitude = ((ulong)biased << (p - 1)) | (q & fractionMask);
        return true;
    }
}

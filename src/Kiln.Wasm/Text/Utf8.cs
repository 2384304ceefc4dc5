namespace Kiln.Wasm.Text;

/// <summary>Strict UTF-8 checks (no overlongs, no surrogates, at most U+10FFFF) for string literals.</summary>
internal static class Utf8
{
    /// <summary>Length of the well-formed multi-byte sequence starting at <paramref name="pos"/>, or 0 if it is malformed.</summary>
    public static int SequenceLength(byte[] src, int pos)
    {
        byte b0 = src[pos];
        int n;
        int min;
        if (b0 >= 0xC2 && b0 <= 0xDF)
        {
            n = 2;
            min = 0x80;
        }
        else if (b0 >= 0xE0 && b0 <= 0xEF)
        {
            n = 3;
            min = 0x800;
        }
        else if (b0 >= 0xF0 && b0 <= 0xF4)
        {
            n = 4;
            min = 0x10000;
        }
        else
        {
            return 0;
        }
        if (pos + n > src.Length)
        {
            return 0;
        }
        int cp = b0 & (0x7F >> n);
        for (int i = 1; i < n; i++)
        {
            byte b = src[pos + i];
            if ((b & 0xC0) != 0x80)
            {
                return 0;
            }
            cp = (cp << 6) | (b & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
        {
            return 0;
        }
        return n;
    }

    /// <summary>Whether <paramref name="bytes"/> is entirely well-formed UTF-8 (required of names, spec 5.2.4).</summary>
    public static bool IsValid(byte[] bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (bytes[i] < 0x80)
            {
                i++;
                continue;
            }
            int n = SequenceLength(bytes, i);
            if (n == 0)
            {
                return false;
            }
            i += n;
        }
        return true;
    }
}

namespace Kiln.Wasm.Binary;

/// <summary>LEB128 encoding, for the binary writer and the text parser's instruction encoder.</summary>
public static class Leb128
{
    /// <summary>Writes <paramref name="value"/> unsigned; returns the bytes written (at most 10).</summary>
    public static int WriteUnsigned(Span<byte> destination, ulong value)
    {
        int n = 0;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0)
            {
                b |= 0x80;
            }
            destination[n++] = b;
        }
        while (value != 0);
        return n;
    }

    /// <summary>Writes <paramref name="value"/> signed; returns the bytes written (at most 10).</summary>
    public static int WriteSigned(Span<byte> destination, long value)
    {
        int n = 0;
        while (true)
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bool done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
            if (!done)
            {
                b |= 0x80;
            }
            destination[n++] = b;
            if (done)
            {
                return n;
            }
        }
    }

    public static void WriteUnsigned(List<byte> destination, ulong value)
    {
        Span<byte> buffer = stackalloc byte[10];
        int n = WriteUnsigned(buffer, value);
        for (int i = 0; i < n; i++)
        {
            destination.Add(buffer[i]);
        }
    }

    public static void WriteSigned(List<byte> destination, long value)
    {
        Span<byte> buffer = stackalloc byte[10];
        int n = WriteSigned(buffer, value);
        for (int i = 0; i < n; i++)
        {
            destination.Add(buffer[i]);
        }
    }
}

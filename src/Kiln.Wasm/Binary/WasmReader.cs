using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kiln.Wasm.Binary;

/// <summary>
/// Reads the primitive encodings of the binary format (spec 5.2): bytes, LEB128 integers with the
/// spec's exact overflow rules, IEEE floats and UTF-8 names. Errors are <see cref="MalformedModuleException"/>
/// with the absolute module offset (<see cref="BaseOffset"/> plus the position).
/// </summary>
public ref struct WasmReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public WasmReader(ReadOnlySpan<byte> data, int baseOffset = 0, uint? functionIndex = null)
    {
        _data = data;
        BaseOffset = baseOffset;
        FunctionIndex = functionIndex;
    }

    /// <summary>Module offset of the first byte of the data.</summary>
    public int BaseOffset { get; }

    /// <summary>The function being read, named in errors.</summary>
    public uint? FunctionIndex { get; }

    /// <summary>Position relative to the start of the data.</summary>
    public int Position
    {
        readonly get => _position;
        set => _position = value;
    }

    /// <summary>Absolute module offset of the next byte.</summary>
    public readonly int Offset => BaseOffset + _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool AtEnd => _position >= _data.Length;

    public readonly ReadOnlySpan<byte> Data => _data;

    public byte ReadByte()
    {
        if ((uint)_position >= (uint)_data.Length)
        {
            throw Malformed("unexpected end");
        }
        return _data[_position++];
    }

    public readonly byte PeekByte()
    {
        if ((uint)_position >= (uint)_data.Length)
        {
            throw Malformed("unexpected end");
        }
        return _data[_position];
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            throw Malformed("unexpected end");
        }
        ReadOnlySpan<byte> result = _data.Slice(_position, count);
        _position += count;
        return result;
    }

    /// <summary>Spec 5.2.2: u32, at most 5 bytes, unused bits of the last byte zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadU32()
    {
        if (_position < _data.Length && _data[_position] < 0x80)
        {
            return _data[_position++];
        }
        return ReadU32Slow();
    }

    private uint ReadU32Slow()
    {
        uint result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = ReadByte();
            if (shift == 28)
            {
                if ((b & 0x80) != 0)
                {
                    throw Malformed("integer representation too long");
                }
                if ((b & 0x70) != 0)
                {
                    throw Malformed("integer too large");
                }
                return result | ((uint)b << 28);
            }
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }

    /// <summary>Spec 5.2.2: s32, at most 5 bytes, unused bits of the last byte a sign extension.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadS32()
    {
        // Most constants in real code fit one byte (-64..63): sign-extend bit 6.
        if (_position < _data.Length && _data[_position] < 0x80)
        {
            return (_data[_position++] << 25) >> 25;
        }
        return ReadS32Slow();
    }

    private int ReadS32Slow()
    {
        int result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = ReadByte();
            if (shift == 28)
            {
                if ((b & 0x80) != 0)
                {
                    throw Malformed("integer representation too long");
                }
                // Bits 3..6 of the last byte must all equal bit 3 (the sign).
                int high = b & 0x78;
                if (high != 0 && high != 0x78)
                {
                    throw Malformed("integer too large");
                }
                return result | (b << 28);
            }
            result |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (shift < 25 && (b & 0x40) != 0)
                {
                    result |= -1 << (shift + 7);
                }
                return result;
            }
        }
    }

    /// <summary>Spec 5.2.2: s64, at most 10 bytes.</summary>
    public long ReadS64()
    {
        long result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = ReadByte();
            if (shift == 63)
            {
                if ((b & 0x80) != 0)
                {
                    throw Malformed("integer representation too long");
                }
                if (b != 0 && b != 0x7F)
                {
                    throw Malformed("integer too large");
                }
                return result | ((long)b << 63);
            }
            result |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (shift < 57 && (b & 0x40) != 0)
                {
                    result |= -1L << (shift + 7);
                }
                return result;
            }
        }
    }

    /// <summary>Spec 5.4.1: the s33 of a block type index (non-negative in a valid encoding).</summary>
    public long ReadS33()
    {
        long result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = ReadByte();
            if (shift == 28)
            {
                if ((b & 0x80) != 0)
                {
                    throw Malformed("integer representation too long");
                }
                int high = b & 0x70;
                if (high != 0 && high != 0x70)
                {
                    throw Malformed("integer too large");
                }
                result |= (long)(b & 0x1F) << 28;
                if ((b & 0x10) != 0)
                {
                    result |= -1L << 33;
                }
                return result;
            }
            result |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if ((b & 0x40) != 0)
                {
                    result |= -1L << (shift + 7);
                }
                return result;
            }
        }
    }

    public uint ReadF32Bits() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    public ulong ReadF64Bits() => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));

    /// <summary>Spec 5.2.4: a name is a length-prefixed UTF-8 string.</summary>
    public string ReadName()
    {
        uint length = ReadU32();
        if (length > (uint)Remaining)
        {
            throw Malformed("unexpected end");
        }
        ReadOnlySpan<byte> bytes = ReadBytes((int)length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw Malformed("malformed UTF-8 encoding");
        }
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Reads a vector length that must fit in the remaining bytes (each element at least <paramref name="minElementSize"/> bytes).</summary>
    /// <remarks>SECURITY: a forged count must never drive a huge allocation.</remarks>
    public uint ReadVectorLength(int minElementSize = 1)
    {
        int at = Offset;
        uint count = ReadU32();
        if (minElementSize > 0 && (ulong)count * (ulong)minElementSize > (ulong)Remaining)
        {
            throw new MalformedModuleException("unexpected end", at, FunctionIndex);
        }
        return count;
    }

    public readonly MalformedModuleException Malformed(string reason) => new(reason, Offset, FunctionIndex);

    public readonly MalformedModuleException MalformedAt(string reason, int offset) => new(reason, offset, FunctionIndex);
}

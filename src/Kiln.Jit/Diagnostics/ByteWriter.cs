using System.Buffers.Binary;
using System.Text;

namespace Kiln.Jit.Diagnostics;

/// <summary>
/// A growable little-endian byte buffer for the binary formats of this folder (ELF, DWARF CFI and line programs,
/// jitdump records, perf's pipe format in tests). Fields whose value is known only later (lengths, offsets) are
/// written as placeholders and patched by position.
/// </summary>
internal sealed class ByteWriter
{
    private byte[] _buffer;
    private int _length;

    public ByteWriter(int capacity = 256) => _buffer = new byte[Math.Max(capacity, 16)];

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void Clear() => _length = 0;

    public void U8(byte value) => Reserve(1)[0] = value;

    public void U16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void U32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void I32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void U64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void Zeros(int count) => Reserve(count).Clear();

    /// <summary>UTF-8 bytes, no terminator.</summary>
    public void Utf8(string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>UTF-8 bytes and a terminating NUL.</summary>
    public void CString(string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        Span<byte> target = Reserve(count + 1);
        Encoding.UTF8.GetBytes(value, target);
        target[count] = 0;
    }

    /// <summary>DWARF unsigned LEB128.</summary>
    public void Uleb(ulong value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            U8(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
    }

    /// <summary>DWARF signed LEB128.</summary>
    public void Sleb(long value)
    {
        while (true)
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bool done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
            U8(done ? b : (byte)(b | 0x80));
            if (done)
            {
                return;
            }
        }
    }

    /// <summary>Pads with <paramref name="fill"/> up to a multiple of <paramref name="alignment"/>.</summary>
    public void Align(int alignment, byte fill = 0)
    {
        while (_length % alignment != 0)
        {
            U8(fill);
        }
    }

    public void PatchU32(int position, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(position, 4), value);

    public void PatchU64(int position, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(position, 8), value);

    public void PatchU16(int position, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(position, 2), value);

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }
        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Kiln.Jit.X64;

/// <summary>
/// Read-only data referenced RIP-relative by one piece of code: float constants, sign masks, and
/// slots holding far addresses. It is output apart from the code because it goes on read-only,
/// non-executable pages; entries are deduplicated by value and aligned to their size (16 for
/// 128-bit entries, which legacy SSE memory operands of andps/xorps require), so the pool's own
/// start must be <see cref="Alignment"/>-aligned. Steady state allocates nothing: buffers are kept
/// across <see cref="Reset"/>.
/// </summary>
public sealed class ConstantPool
{
    /// <summary>Alignment the placed pool must start at.</summary>
    public const int Alignment = 16;

    private readonly Dictionary<(UInt128 Bits, int Size), int> _byValue = [];
    private byte[] _data = new byte[256];
    private int _length;

    /// <summary>Bytes of the pool so far.</summary>
    public int Length => _length;

    /// <summary>The pool's bytes, to copy to read-only memory at an address aligned to <see cref="Alignment"/>.</summary>
    public ReadOnlySpan<byte> Data => _data.AsSpan(0, _length);

    internal Span<byte> WritableData => _data.AsSpan(0, _length);

    internal void Reset()
    {
        _byValue.Clear();
        _length = 0;
    }

    /// <summary>A 4-byte entry holding <paramref name="value"/>; returns its offset.</summary>
    public int AddF32(float value) => Add(BitConverter.SingleToUInt32Bits(value), 4);

    /// <summary>An 8-byte entry holding <paramref name="value"/>; returns its offset.</summary>
    public int AddF64(double value) => Add(BitConverter.DoubleToUInt64Bits(value), 8);

    /// <summary>A 4-byte integer entry; returns its offset.</summary>
    public int AddI32(int value) => Add((uint)value, 4);

    /// <summary>An 8-byte integer entry; returns its offset.</summary>
    public int AddI64(long value) => Add((ulong)value, 8);

    /// <summary>A 16-byte entry (low 8 bytes first in memory); returns its offset.</summary>
    public int Add128(ulong low, ulong high) => Add(new UInt128(high, low), 16);

    /// <summary>A fresh, never shared 8-byte slot (its contents are written by a relocation).</summary>
    internal int AddSlot()
    {
        int offset = Allocate(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_data.AsSpan(offset, 8), 0);
        return offset;
    }

    /// <summary><paramref name="count"/> fresh, zeroed 8-byte slots in a row (a jump table); returns the first offset.</summary>
    internal int AddSlots(int count)
    {
        int offset = Allocate(8 * count);
        _data.AsSpan(offset, 8 * count).Clear();
        return offset;
    }

    private int Add(UInt128 bits, int size)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_byValue, (bits, size), out bool exists);
        if (exists)
        {
            return slot;
        }
        int offset = Allocate(size);
        Span<byte> target = _data.AsSpan(offset, size);
        switch (size)
        {
            case 4:
                BinaryPrimitives.WriteUInt32LittleEndian(target, (uint)bits);
                break;
            case 8:
                BinaryPrimitives.WriteUInt64LittleEndian(target, (ulong)bits);
                break;
            default:
                BinaryPrimitives.WriteUInt64LittleEndian(target, (ulong)bits);
                BinaryPrimitives.WriteUInt64LittleEndian(target[8..], (ulong)(bits >> 64));
                break;
        }
        slot = offset;
        return offset;
    }

    private int Allocate(int size)
    {
        int alignment = size >= 16 ? 16 : size >= 8 ? 8 : size;
        int offset = (_length + alignment - 1) & -alignment;
        int end = offset + size;
        if (end > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(end, _data.Length * 2));
        }
        // Padding between entries stays zero: a listing of the pool then shows no stale bytes.
        _data.AsSpan(_length, offset - _length).Clear();
        _length = end;
        return offset;
    }
}

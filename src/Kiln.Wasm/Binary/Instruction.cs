using Kiln.Wasm.Model;

namespace Kiln.Wasm.Binary;

/// <summary>
/// One decoded instruction and its immediates, as produced by <see cref="InstructionReader"/>.
/// Which fields are meaningful depends on <see cref="OpcodeInfo.Immediate"/>; unused fields are zero.
/// </summary>
public struct Instruction
{
    public Opcode Opcode;

    /// <summary>Module offset of the opcode's first byte.</summary>
    public int Offset;

    /// <summary>
    /// The first index immediate: label, function, local, global, table, type (call_indirect),
    /// data or element index, the memory index, the lane, or the value count of a typed select.
    /// </summary>
    public uint Index;

    /// <summary>
    /// The second index immediate: the table of call_indirect and table.init, the source table of
    /// table.copy, the memory of memory.init, the source memory of memory.copy.
    /// </summary>
    public uint Index2;

    /// <summary>i32/i64 constant (sign-extended), f32/f64 bit pattern, or memarg offset.</summary>
    public ulong Value;

    /// <summary>Memarg alignment exponent.</summary>
    public uint Align;

    public BlockType BlockType;

    /// <summary>The value type of ref.null or of a typed select.</summary>
    public ValType Type;

    /// <summary>v128.const bytes or shuffle lanes.</summary>
    public V128 V128;

    /// <summary>br_table: position (relative to the reader's data) of the first target, and the target count (without the default).</summary>
    public int BrTableStart;

    public uint BrTableCount;

    public readonly int I32 => unchecked((int)Value);

    public readonly long I64 => unchecked((long)Value);

    public readonly uint F32Bits => unchecked((uint)Value);

    public readonly ulong F64Bits => Value;

    /// <summary>Memarg offset.</summary>
    public readonly uint MemOffset => unchecked((uint)Value);

    public readonly OpcodeInfo Info => OpcodeTable.Get(Opcode);

    public override readonly string ToString() => $"{Info.Name} @0x{Offset:x}";
}

/// <summary>A 128-bit value as two little-endian halves.</summary>
public struct V128 : IEquatable<V128>
{
    public ulong Low;
    public ulong High;

    public V128(ulong low, ulong high)
    {
        Low = low;
        High = high;
    }

    public readonly byte GetByte(int i) => (byte)((i < 8 ? Low >> (i * 8) : High >> ((i - 8) * 8)) & 0xFF);

    public readonly bool Equals(V128 other) => Low == other.Low && High == other.High;

    public override readonly bool Equals(object? obj) => obj is V128 other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(Low, High);

    public override readonly string ToString() => $"0x{High:x16}{Low:x16}";
}

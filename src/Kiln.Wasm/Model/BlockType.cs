namespace Kiln.Wasm.Model;

/// <summary>
/// The type of a block, loop or if: empty, a single result value type, or (multi-value) a type index.
/// </summary>
public readonly struct BlockType : IEquatable<BlockType>
{
    private BlockType(byte kind, ValType value, uint typeIndex)
    {
        _kind = kind;
        ValueType = value;
        TypeIndex = typeIndex;
    }

    private readonly byte _kind;

    public static BlockType Empty => default;

    public static BlockType Value(ValType type) => new(1, type, 0);

    public static BlockType FromTypeIndex(uint index) => new(2, default, index);

    public bool IsEmpty => _kind == 0;

    public bool IsValue => _kind == 1;

    public bool IsTypeIndex => _kind == 2;

    /// <summary>The single result type when <see cref="IsValue"/>.</summary>
    public ValType ValueType { get; }

    /// <summary>The function type index when <see cref="IsTypeIndex"/>.</summary>
    public uint TypeIndex { get; }

    public bool Equals(BlockType other) => _kind == other._kind && ValueType == other.ValueType && TypeIndex == other.TypeIndex;

    public override bool Equals(object? obj) => obj is BlockType other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_kind, ValueType, TypeIndex);

    public override string ToString() => _kind switch
    {
        0 => "[]",
        1 => $"[{ValueType.ToText()}]",
        _ => $"type {TypeIndex}",
    };
}

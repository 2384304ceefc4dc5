using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// A Wasm value of any type, for the untyped API (<see cref="Func.Invoke(ReadOnlySpan{Value}, Span{Value})"/>,
/// globals, tables). Numbers are kept as raw bits so NaN payloads survive a round trip; references
/// hold the <see cref="Func"/> or the embedder's object.
/// </summary>
public readonly struct Value : IEquatable<Value>
{
    private readonly ulong _bits;
    private readonly ulong _high;
    private readonly object? _ref;

    private Value(ValType type, ulong bits, ulong high = 0, object? reference = null)
    {
        Type = type;
        _bits = bits;
        _high = high;
        _ref = reference;
    }

    public ValType Type { get; }

    public static Value FromI32(int value) => new(ValType.I32, (uint)value);

    public static Value FromI64(long value) => new(ValType.I64, (ulong)value);

    public static Value FromF32(float value) => new(ValType.F32, BitConverter.SingleToUInt32Bits(value));

    public static Value FromF64(double value) => new(ValType.F64, BitConverter.DoubleToUInt64Bits(value));

    /// <summary>An f32 from its bit pattern (keeps NaN payloads exactly).</summary>
    public static Value FromF32Bits(uint bits) => new(ValType.F32, bits);

    public static Value FromF64Bits(ulong bits) => new(ValType.F64, bits);

    /// <summary>A v128 from its two little-endian halves (lane 0 in the low bits of <see cref="V128.Low"/>).</summary>
    public static Value FromV128(V128 value) => new(ValType.V128, value.Low, value.High);

    public static Value FromFuncRef(Func? func) => new(ValType.FuncRef, 0, 0, func);

    public static Value FromExternRef(object? value) => new(ValType.ExternRef, 0, 0, value);

    /// <summary>The null reference of <paramref name="type"/> (funcref or externref).</summary>
    public static Value Null(ValType type) => type.IsReference()
        ? new(type, 0)
        : throw new ArgumentException($"{type.ToText()} is not a reference type", nameof(type));

    /// <summary>The zero (or null) value of any type, as locals and new table entries start.</summary>
    public static Value Default(ValType type) => new(type, 0);

    public static implicit operator Value(int value) => FromI32(value);

    public static implicit operator Value(long value) => FromI64(value);

    public static implicit operator Value(float value) => FromF32(value);

    public static implicit operator Value(double value) => FromF64(value);

    public static implicit operator Value(V128 value) => FromV128(value);

    public int AsI32() => Type == ValType.I32 ? (int)_bits : throw Mismatch(ValType.I32);

    public long AsI64() => Type == ValType.I64 ? (long)_bits : throw Mismatch(ValType.I64);

    public float AsF32() => Type == ValType.F32 ? BitConverter.UInt32BitsToSingle((uint)_bits) : throw Mismatch(ValType.F32);

    public double AsF64() => Type == ValType.F64 ? BitConverter.UInt64BitsToDouble(_bits) : throw Mismatch(ValType.F64);

    public uint AsF32Bits() => Type == ValType.F32 ? (uint)_bits : throw Mismatch(ValType.F32);

    public ulong AsF64Bits() => Type == ValType.F64 ? _bits : throw Mismatch(ValType.F64);

    public V128 AsV128() => Type == ValType.V128 ? new V128(_bits, _high) : throw Mismatch(ValType.V128);

    public Func? AsFuncRef() => Type == ValType.FuncRef ? (Func?)_ref : throw Mismatch(ValType.FuncRef);

    public object? AsExternRef() => Type == ValType.ExternRef ? _ref : throw Mismatch(ValType.ExternRef);

    /// <summary>True for a null funcref or externref.</summary>
    public bool IsNull => Type.IsReference() && _ref is null;

    /// <summary>The raw low 64 bits (numbers only).</summary>
    internal ulong Bits => _bits;

    internal object? Reference => _ref;

    /// <summary>Bitwise equality for numbers, identity (or Equals) for references.</summary>
    public bool Equals(Value other) =>
        Type == other.Type && _bits == other._bits && _high == other._high && Equals(_ref, other._ref);

    public override bool Equals(object? obj) => obj is Value other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Type, _bits, _high, _ref);

    public static bool operator ==(Value left, Value right) => left.Equals(right);

    public static bool operator !=(Value left, Value right) => !left.Equals(right);

    public override string ToString() => Type switch
    {
        ValType.I32 => $"i32:{(int)_bits}",
        ValType.I64 => $"i64:{(long)_bits}",
        ValType.F32 => $"f32:{BitConverter.UInt32BitsToSingle((uint)_bits):R}",
        ValType.F64 => $"f64:{BitConverter.UInt64BitsToDouble(_bits):R}",
        ValType.V128 => $"v128:{new V128(_bits, _high)}",
        ValType.FuncRef => _ref is null ? "funcref:null" : $"funcref:{_ref}",
        ValType.ExternRef => _ref is null ? "externref:null" : $"externref:{_ref}",
        _ => "?",
    };

    /// <summary>Builds a number value of <paramref name="type"/> from interpreter slot bits.</summary>
    internal static Value FromBits(ValType type, ulong bits) => type switch
    {
        ValType.I32 or ValType.F32 => new(type, (uint)bits),
        _ => new(type, bits),
    };

    private InvalidCastException Mismatch(ValType wanted) => new($"value is {Type.ToText()}, not {wanted.ToText()}");
}

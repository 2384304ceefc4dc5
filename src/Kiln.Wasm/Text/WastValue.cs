using Kiln.Wasm.Model;

namespace Kiln.Wasm.Text;

/// <summary>
/// A concrete script value: an argument of <c>invoke</c> or an exact expected result. Numbers are
/// stored as raw bits so NaN payloads and negative zero survive: <see cref="Bits"/> holds i32/f32
/// (low 32 bits), i64/f64, the low half of a v128 (little-endian lane order) or the host reference
/// number of <c>(ref.extern N)</c>; <see cref="High"/> holds the high half of a v128.
/// </summary>
public readonly record struct WastValue(ValType Type, ulong Bits, ulong High = 0, bool IsNull = false)
{
    public static WastValue I32(uint value) => new(ValType.I32, value);

    public static WastValue I64(ulong value) => new(ValType.I64, value);

    public static WastValue F32(uint bits) => new(ValType.F32, bits);

    public static WastValue F64(ulong bits) => new(ValType.F64, bits);

    public static WastValue V128(ulong low, ulong high) => new(ValType.V128, low, high);

    /// <summary><c>(ref.null func)</c> or <c>(ref.null extern)</c>.</summary>
    public static WastValue NullRef(ValType type) => new(type, 0, 0, IsNull: true);

    /// <summary><c>(ref.extern N)</c>: a host reference that the runner maps to a distinct object per N.</summary>
    public static WastValue ExternRef(ulong hostId) => new(ValType.ExternRef, hostId);

    /// <summary>The 16 bytes of a v128 value, little-endian.</summary>
    public byte[] V128Bytes()
    {
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), Bits);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 8), High);
        return bytes;
    }

    public override string ToString() => Type switch
    {
        ValType.I32 => $"i32:{(uint)Bits}",
        ValType.I64 => $"i64:{Bits}",
        ValType.F32 => $"f32:0x{(uint)Bits:x8}",
        ValType.F64 => $"f64:0x{Bits:x16}",
        ValType.V128 => $"v128:0x{High:x16}{Bits:x16}",
        ValType.FuncRef => IsNull ? "ref.null func" : $"ref.func {Bits}",
        _ => IsNull ? "ref.null extern" : $"ref.extern {Bits}",
    };
}

namespace Kiln.Wasm.Model;

/// <summary>A WebAssembly 2.0 value type; the value is its binary encoding.</summary>
public enum ValType : byte
{
    I32 = 0x7F,
    I64 = 0x7E,
    F32 = 0x7D,
    F64 = 0x7C,
    V128 = 0x7B,
    FuncRef = 0x70,
    ExternRef = 0x6F,
}

/// <summary>Helpers for <see cref="ValType"/>.</summary>
public static class ValTypeExtensions
{
    public static bool IsReference(this ValType type) => type is ValType.FuncRef or ValType.ExternRef;

    public static bool IsNumeric(this ValType type) => type is ValType.I32 or ValType.I64 or ValType.F32 or ValType.F64;

    /// <summary>True when <paramref name="code"/> encodes a 2.0 value type.</summary>
    public static bool IsValTypeCode(byte code) => code is 0x7F or 0x7E or 0x7D or 0x7C or 0x7B or 0x70 or 0x6F;

    /// <summary>The spec's text name: <c>i32</c>, <c>funcref</c>, ...</summary>
    public static string ToText(this ValType type) => type switch
    {
        ValType.I32 => "i32",
        ValType.I64 => "i64",
        ValType.F32 => "f32",
        ValType.F64 => "f64",
        ValType.V128 => "v128",
        ValType.FuncRef => "funcref",
        ValType.ExternRef => "externref",
        _ => $"<0x{(byte)type:X2}>",
    };
}

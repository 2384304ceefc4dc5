using Kiln.Wasm.Model;

namespace Kiln.Optimizing.Ir;

/// <summary>The types of IR values: the four Wasm scalar number types. v128 and references are not modelled yet.</summary>
internal enum IrType : byte
{
    I32,
    I64,
    F32,
    F64,
}

internal static class IrTypes
{
    public static string ToText(this IrType type) => type switch
    {
        IrType.I32 => "i32",
        IrType.I64 => "i64",
        IrType.F32 => "f32",
        _ => "f64",
    };

    public static bool TryParse(string text, out IrType type)
    {
        switch (text)
        {
            case "i32": type = IrType.I32; return true;
            case "i64": type = IrType.I64; return true;
            case "f32": type = IrType.F32; return true;
            case "f64": type = IrType.F64; return true;
            default: type = default; return false;
        }
    }

    public static bool IsInt(this IrType type) => type is IrType.I32 or IrType.I64;

    public static bool IsFloat(this IrType type) => type is IrType.F32 or IrType.F64;

    /// <summary>The IR type of a Wasm value type; v128 and references are refused by name.</summary>
    /// <exception cref="UnsupportedFeatureException">The type has no IR type yet.</exception>
    public static IrType FromWasm(ValType type) => type switch
    {
        ValType.I32 => IrType.I32,
        ValType.I64 => IrType.I64,
        ValType.F32 => IrType.F32,
        ValType.F64 => IrType.F64,
        _ => throw new UnsupportedFeatureException($"optimizing tier: values of type {type.ToText()} are not supported yet"),
    };
}

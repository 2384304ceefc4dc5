using Kiln.Wasm.Model;

namespace Kiln.Optimizing.Ir;

/// <summary>
/// The types of IR values: the Wasm 2.0 value types. A v128 is 128 bits with no lane shape (the shape belongs to the
/// operation, as in Wasm); a funcref or externref is an opaque reference whose null is distinct from every other value.
/// </summary>
internal enum IrType : byte
{
    I32,
    I64,
    F32,
    F64,
    V128,
    Funcref,
    Externref,
}

internal static class IrTypes
{
    public static string ToText(this IrType type) => type switch
    {
        IrType.I32 => "i32",
        IrType.I64 => "i64",
        IrType.F32 => "f32",
        IrType.F64 => "f64",
        IrType.V128 => "v128",
        IrType.Funcref => "funcref",
        _ => "externref",
    };

    public static bool TryParse(string text, out IrType type)
    {
        switch (text)
        {
            case "i32": type = IrType.I32; return true;
            case "i64": type = IrType.I64; return true;
            case "f32": type = IrType.F32; return true;
            case "f64": type = IrType.F64; return true;
            case "v128": type = IrType.V128; return true;
            case "funcref": type = IrType.Funcref; return true;
            case "externref": type = IrType.Externref; return true;
            default: type = default; return false;
        }
    }

    public static bool IsInt(this IrType type) => type is IrType.I32 or IrType.I64;

    public static bool IsFloat(this IrType type) => type is IrType.F32 or IrType.F64;

    /// <summary>The scalar number types, which the numeric opcodes take.</summary>
    public static bool IsScalar(this IrType type) => type <= IrType.F64;

    public static bool IsRef(this IrType type) => type is IrType.Funcref or IrType.Externref;

    /// <summary>The IR type of a Wasm value type.</summary>
    public static IrType FromWasm(ValType type) => type switch
    {
        ValType.I32 => IrType.I32,
        ValType.I64 => IrType.I64,
        ValType.F32 => IrType.F32,
        ValType.F64 => IrType.F64,
        ValType.V128 => IrType.V128,
        ValType.FuncRef => IrType.Funcref,
        ValType.ExternRef => IrType.Externref,
        _ => throw new InternalErrorException($"optimizing tier: no IR type for {type.ToText()}"),
    };
}

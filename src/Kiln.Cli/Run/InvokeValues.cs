using System.Globalization;
using Kiln.Wasm.Model;

namespace Kiln.Cli.Run;

/// <summary>
/// Converts command-line text to Wasm values by parameter type (for <c>--invoke</c>) and results
/// back to text. Integers accept decimal or 0x hex, signed or unsigned within the type's width;
/// floats accept decimal, inf, -inf and nan. Results print as wasmtime does: signed integers,
/// shortest round-trip floats.
/// </summary>
internal static class InvokeValues
{
    public static Value Parse(ValType type, string text)
    {
        string t = text.Trim();
        return type switch
        {
            ValType.I32 => Value.FromI32((int)ParseInteger(t, 32)),
            ValType.I64 => Value.FromI64((long)ParseInteger(t, 64)),
            ValType.F32 => Value.FromF32((float)ParseFloat(t)),
            ValType.F64 => Value.FromF64(ParseFloat(t)),
            ValType.FuncRef or ValType.ExternRef when t == "null" => Value.Null(type),
            _ => throw new FormatException($"cannot pass '{text}' as {type.ToText()} from the command line"),
        };
    }

    public static string Format(Value v) => v.Type switch
    {
        ValType.I32 => v.AsI32().ToString(CultureInfo.InvariantCulture),
        ValType.I64 => v.AsI64().ToString(CultureInfo.InvariantCulture),
        ValType.F32 => FormatFloat(v.AsF32()),
        ValType.F64 => FormatFloat(v.AsF64()),
        _ => v.IsNull ? "null" : v.ToString(),
    };

    private static ulong ParseInteger(string t, int bits)
    {
        bool negative = t.StartsWith('-');
        string digits = negative || t.StartsWith('+') ? t[1..] : t;
        ulong magnitude;
        bool ok = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out magnitude)
            : ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude);
        ulong max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        ulong minMagnitude = 1UL << (bits - 1);
        if (!ok || (negative ? magnitude > minMagnitude : magnitude > max))
        {
            throw new FormatException($"'{t}' is not an i{bits}");
        }
        return negative ? (ulong)-(long)magnitude : magnitude;
    }

    private static double ParseFloat(string t) => t switch
    {
        "inf" or "+inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        "nan" or "+nan" => double.NaN,
        "-nan" => -double.NaN,
        _ => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
            ? d
            : throw new FormatException($"'{t}' is not a number"),
    };

    private static string FormatFloat(double d) => double.IsNaN(d) ? "nan"
        : double.IsPositiveInfinity(d) ? "inf"
        : double.IsNegativeInfinity(d) ? "-inf"
        : d.ToString("R", CultureInfo.InvariantCulture);

    private static string FormatFloat(float f) => float.IsNaN(f) ? "nan"
        : float.IsPositiveInfinity(f) ? "inf"
        : float.IsNegativeInfinity(f) ? "-inf"
        : f.ToString("R", CultureInfo.InvariantCulture);
}

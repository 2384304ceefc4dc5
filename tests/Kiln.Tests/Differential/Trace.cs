using System.Globalization;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Differential;

/// <summary>
/// The observable behaviour of one module run as text lines, in the format both Kiln's
/// <see cref="TraceRecorder"/> and the node runner print: <c>instantiate ok</c>, then per call
/// <c>call NAME</c>, any <c>log TYPE:VALUE</c> lines, <c>result ...</c> or <c>trap KIND</c>, and
/// <c>mem PAGES HASH</c>. Floats print as raw bits except NaNs: the node runner prints <c>nan</c>,
/// because NaN bits are not deterministic across engines (Spec 4.3.3: NaN propagation), while
/// Kiln's recorder prints <c>nan:BITS</c>, because Kiln's own tiers must agree on them bit for bit.
/// <see cref="FoldNaNBits"/> turns the second form into the first where an outside engine is compared.
/// </summary>
internal static class Trace
{
    /// <summary>A value as the node runner prints it: every NaN is <c>nan</c>.</summary>
    public static string FormatValue(Value v) => FormatValue(v, nanBits: false);

    /// <summary>A value with NaN bits kept (<c>f32:nan:7fc00000</c>), as Kiln's tiers are compared with each other.</summary>
    public static string FormatValue(Value v, bool nanBits) => v.Type switch
    {
        ValType.I32 => "i32:" + v.AsI32().ToString(CultureInfo.InvariantCulture),
        ValType.I64 => "i64:" + v.AsI64().ToString(CultureInfo.InvariantCulture),
        ValType.F32 => "f32:" + (float.IsNaN(v.AsF32()) ? NaN(v.AsF32Bits().ToString("x8", CultureInfo.InvariantCulture), nanBits) : v.AsF32Bits().ToString("x8", CultureInfo.InvariantCulture)),
        ValType.F64 => "f64:" + (double.IsNaN(v.AsF64()) ? NaN(v.AsF64Bits().ToString("x16", CultureInfo.InvariantCulture), nanBits) : v.AsF64Bits().ToString("x16", CultureInfo.InvariantCulture)),
        ValType.FuncRef => v.IsNull ? "funcref:null" : "funcref:func",
        ValType.ExternRef => v.IsNull ? "externref:null" : "externref:value",
        _ => "v128:" + v.AsV128(),
    };

    private static string NaN(string bits, bool keepBits) => keepBits ? "nan:" + bits : "nan";

    /// <summary>The line with every <c>nan:BITS</c> written <c>nan</c>, as an engine outside Kiln prints it.</summary>
    public static string FoldNaNBits(string line) =>
        line.Contains(":nan:", StringComparison.Ordinal) ? s_nanBits.Replace(line, ":nan") : line;

    private static readonly System.Text.RegularExpressions.Regex s_nanBits = new(":nan:[0-9a-f]+", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Trap kinds shared with the node runner, which maps V8's messages onto the same names.</summary>
    public static string TrapKind(TrapCode code) => code switch
    {
        TrapCode.Unreachable => "unreachable",
        TrapCode.MemoryOutOfBounds => "memory-oob",
        // V8 reports an index past the table as a table bounds error in both places.
        TrapCode.TableOutOfBounds or TrapCode.UndefinedElement => "table-oob",
        // V8 has one message for a null entry and a signature mismatch.
        TrapCode.UninitializedElement or TrapCode.IndirectCallTypeMismatch => "indirect-call",
        TrapCode.IntegerDivideByZero => "div-zero",
        TrapCode.IntegerOverflow => "int-overflow",
        TrapCode.InvalidConversionToInteger => "bad-conversion",
        TrapCode.CallStackExhausted => "stack",
        _ => code.ToString(),
    };

    /// <summary>Size in pages and FNV-1a over the little-endian 32-bit words, as the node runner computes it.</summary>
    public static string MemoryLine(Memory? memory)
    {
        if (memory is null)
        {
            return "mem none";
        }
        ReadOnlySpan<uint> words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(memory.Span);
        uint h = 0x811c9dc5;
        foreach (uint w in words)
        {
            h = unchecked((h ^ w) * 0x01000193);
        }
        return $"mem {memory.Pages} {h:x8}";
    }

    /// <summary>Splits the node runner's output (<c>== PLAN</c> headers) into traces by plan path.</summary>
    public static Dictionary<string, List<string>> ParseRunnerOutput(string output)
    {
        var traces = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith("== ", StringComparison.Ordinal))
            {
                current = [];
                traces[line[3..]] = current;
            }
            else if (line.Length > 0)
            {
                current?.Add(line);
            }
        }
        return traces;
    }
}

using System.Globalization;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Differential;

/// <summary>
/// What a differential run does with a module: every exported function in export order, each
/// preceded by binaryen's <c>hangLimitInitializer</c> when the module has one (it resets the
/// budget that stops runaway loops and recursion), with arguments chosen from a fixed table by
/// call and parameter position. One plan drives Kiln's tiers and the node runner alike, so
/// argument choice lives only here. Arguments are never NaN: JavaScript may change NaN bits.
/// </summary>
internal sealed class CallPlan
{
    private static readonly int[] s_i32 = [0, 1, -1, 42, int.MaxValue, int.MinValue, 0x10000, -65536];
    private static readonly long[] s_i64 = [0, 1, -1, 42, long.MaxValue, long.MinValue, 0x1_0000_0000, -4096];
    private static readonly float[] s_f32 = [0f, -0f, 1.5f, -1e30f, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, 1e-40f];
    private static readonly double[] s_f64 = [0d, -0d, 1.5d, -1e300d, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, 4294967296.5d];

    private CallPlan(string modulePath, IReadOnlyList<PlannedCall> calls)
    {
        ModulePath = modulePath;
        Calls = calls;
    }

    public string ModulePath { get; }

    public IReadOnlyList<PlannedCall> Calls { get; }

    /// <summary>The plan of a module Kiln rejected: the node runner still reports whether V8 accepts it.</summary>
    public static CallPlan Empty(string modulePath) => new(modulePath, []);

    public static CallPlan For(string modulePath, WasmModule model)
    {
        const string hangLimit = "hangLimitInitializer";
        bool hasHangLimit = model.Exports.Any(e => e.Kind == ExternKind.Function && e.Name == hangLimit);
        var calls = new List<PlannedCall>();
        int position = 0;
        foreach (Export export in model.Exports)
        {
            if (export.Kind != ExternKind.Function)
            {
                continue;
            }
            FuncType type = model.GetFunctionType(new FuncIndex(export.Index));
            if (type.Params.Concat(type.Results).Any(t => t == ValType.V128))
            {
                continue; // not callable from JavaScript
            }
            if (hasHangLimit)
            {
                calls.Add(new PlannedCall(hangLimit, [], []));
            }
            var args = new Value[type.Params.Length];
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = Argument(type.Params[i], position * 3 + i);
            }
            calls.Add(new PlannedCall(export.Name, args, [.. type.Results]));
            position++;
        }
        return new CallPlan(modulePath, calls);
    }

    /// <summary>The plan as the node runner reads it: <c>module PATH</c>, then <c>call NAME RESULTS ARGS...</c> lines.</summary>
    public string ToText()
    {
        var text = new System.Text.StringBuilder();
        text.Append("module ").Append(ModulePath).Append('\n');
        foreach (PlannedCall call in Calls)
        {
            text.Append("call ").Append(Uri.EscapeDataString(call.Export)).Append(' ');
            text.Append(call.Results.Length == 0 ? "-" : string.Join(",", call.Results.Select(r => r.ToText())));
            foreach (Value a in call.Arguments)
            {
                text.Append(' ').Append(Trace.FormatValue(a));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static Value Argument(ValType type, int position)
    {
        int k = position & 7;
        return type switch
        {
            ValType.I32 => Value.FromI32(s_i32[k]),
            ValType.I64 => Value.FromI64(s_i64[k]),
            ValType.F32 => Value.FromF32(s_f32[k]),
            ValType.F64 => Value.FromF64(s_f64[k]),
            _ => Value.Null(type),
        };
    }
}

/// <summary>One export call of a <see cref="CallPlan"/>.</summary>
internal sealed record PlannedCall(string Export, Value[] Arguments, ValType[] Results)
{
    public override string ToString() =>
        $"{Export}({string.Join(", ", Arguments.Select(a => Trace.FormatValue(a)))})".ToString(CultureInfo.InvariantCulture);
}

using System.Text;
using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Baseline;

/// <summary>
/// Every numeric instruction on edge-case operands, run on the interpreter (the reference) and on
/// the baseline tier: results must be bit-identical and traps must have the same code. Operands
/// come in as parameters (registers), as constants (folded immediates) and mixed.
/// </summary>
public class TierDifferentialTests
{
    private static readonly string[] s_i32Binary = ["add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr", "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];
    private static readonly string[] s_floatBinary = ["add", "sub", "mul", "div", "min", "max", "copysign", "eq", "ne", "lt", "gt", "le", "ge"];
    private static readonly string[] s_floatUnary = ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"];

    private static readonly ulong[] s_i32Values = [0, 1, 2, 3, 31, 32, 33, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 0x12345678, 0x8000_0001];
    private static readonly ulong[] s_i64Values = [0, 1, 2, 63, 64, 65, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue, ulong.MaxValue - 1, 0xFFFF_FFFF, 0x1_0000_0000, 0x0123_4567_89AB_CDEF];
    private static readonly float[] s_f32Values = [0f, -0f, 1f, -1f, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, float.MaxValue, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 2147483648f, -2147483904f, 4294967296f, 9.2233720e18f, 1e10f];
    private static readonly double[] s_f64Values = [0d, -0d, 1d, -1d, 0.5, -0.5, 1.5, 2.5, -2.5, double.MaxValue, double.Epsilon, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 2147483647.9, -2147483648.9, 4294967295.5, 9.2233720368547758e18, 1.8446744073709552e19, -1e300];

    [Fact]
    public void IntegerOperationsMatchTheInterpreter()
    {
        var wat = new StringBuilder("(module\n");
        var cases = new List<(string Name, ValType[] Params)>();
        foreach (string width in new[] { "i32", "i64" })
        {
            ValType t = width == "i32" ? ValType.I32 : ValType.I64;
            foreach (string op in s_i32Binary)
            {
                string name = $"{width}.{op}";
                wat.Append($"(func (export \"{name}\") (param {width} {width}) (result {(op.Length <= 4 && op is "eq" or "ne" || op.StartsWith("lt") || op.StartsWith("gt") || op.StartsWith("le") || op.StartsWith("ge") ? "i32" : width)}) ({name} (local.get 0) (local.get 1)))\n");
                cases.Add((name, [t, t]));
                // The same with the right operand a constant: immediates and constant divisors.
                foreach (ulong c in width == "i32" ? s_i32Values : s_i64Values)
                {
                    string cname = $"{name}/{c}";
                    string literal = width == "i32" ? ((int)(uint)c).ToString() : ((long)c).ToString();
                    wat.Append($"(func (export \"{cname}\") (param {width}) (result {(IsCompare(op) ? "i32" : width)}) ({name} (local.get 0) ({width}.const {literal})))\n");
                    cases.Add((cname, [t]));
                }
            }
            foreach (string op in new[] { "clz", "ctz", "popcnt", "eqz", "extend8_s", "extend16_s" })
            {
                string name = $"{width}.{op}";
                wat.Append($"(func (export \"{name}\") (param {width}) (result {(op == "eqz" ? "i32" : width)}) ({name} (local.get 0)))\n");
                cases.Add((name, [t]));
            }
        }
        foreach (string op in new[] { "i64.extend32_s", "i64.extend_i32_s", "i64.extend_i32_u", "i32.wrap_i64" })
        {
            string p = op is "i64.extend_i32_s" or "i64.extend_i32_u" ? "i32" : "i64";
            string r = op == "i32.wrap_i64" ? "i32" : "i64";
            wat.Append($"(func (export \"{op}\") (param {p}) (result {r}) ({op} (local.get 0)))\n");
            cases.Add((op, [p == "i32" ? ValType.I32 : ValType.I64]));
        }
        wat.Append(')');
        Compare(wat.ToString(), cases);
    }

    [Fact]
    public void FloatOperationsAndConversionsMatchTheInterpreter()
    {
        var wat = new StringBuilder("(module\n");
        var cases = new List<(string Name, ValType[] Params)>();
        foreach (string width in new[] { "f32", "f64" })
        {
            ValType t = width == "f32" ? ValType.F32 : ValType.F64;
            foreach (string op in s_floatBinary)
            {
                string name = $"{width}.{op}";
                string result = op is "eq" or "ne" or "lt" or "gt" or "le" or "ge" ? "i32" : width;
                wat.Append($"(func (export \"{name}\") (param {width} {width}) (result {result}) ({name} (local.get 0) (local.get 1)))\n");
                wat.Append($"(func (export \"{name}/k\") (param {width}) (result {result}) ({name} (local.get 0) ({width}.const -0.5)))\n");
                cases.Add((name, [t, t]));
                cases.Add((name + "/k", [t]));
                if (result == "i32")
                {
                    // A compare fused with the branch of an if.
                    wat.Append($"(func (export \"{name}/if\") (param {width} {width}) (result i32) (if (result i32) ({name} (local.get 0) (local.get 1)) (then (i32.const 7)) (else (i32.const 9))))\n");
                    cases.Add((name + "/if", [t, t]));
                }
            }
            foreach (string op in s_floatUnary)
            {
                string name = $"{width}.{op}";
                wat.Append($"(func (export \"{name}\") (param {width}) (result {width}) ({name} (local.get 0)))\n");
                cases.Add((name, [t]));
            }
            foreach (string to in new[] { "i32", "i64" })
            {
                foreach (string conv in new[] { "trunc", "trunc_sat" })
                {
                    foreach (string sign in new[] { "s", "u" })
                    {
                        string name = $"{to}.{conv}_{width}_{sign}";
                        wat.Append($"(func (export \"{name}\") (param {width}) (result {to}) ({name} (local.get 0)))\n");
                        cases.Add((name, [t]));
                    }
                }
                foreach (string sign in new[] { "s", "u" })
                {
                    string name = $"{width}.convert_{to}_{sign}";
                    wat.Append($"(func (export \"{name}\") (param {to}) (result {width}) ({name} (local.get 0)))\n");
                    cases.Add((name, [to == "i32" ? ValType.I32 : ValType.I64]));
                }
            }
        }
        wat.Append("(func (export \"f32.demote_f64\") (param f64) (result f32) (f32.demote_f64 (local.get 0)))\n");
        wat.Append("(func (export \"f64.promote_f32\") (param f32) (result f64) (f64.promote_f32 (local.get 0)))\n");
        wat.Append("(func (export \"select.f64\") (param f64 f64 i32) (result f64) (select (local.get 0) (local.get 1) (local.get 2)))\n");
        wat.Append(')');
        cases.Add(("f32.demote_f64", [ValType.F64]));
        cases.Add(("f64.promote_f32", [ValType.F32]));
        Compare(wat.ToString(), cases);
    }

    private static bool IsCompare(string op) => op is "eq" or "ne" || op.StartsWith("lt") || op.StartsWith("gt") || op.StartsWith("le") || op.StartsWith("ge");

    private static IEnumerable<Value> Operands(ValType t) => t switch
    {
        ValType.I32 => s_i32Values.Select(v => Value.FromI32((int)(uint)v)),
        ValType.I64 => s_i64Values.Select(v => Value.FromI64((long)v)),
        ValType.F32 => s_f32Values.Select(Value.FromF32).Append(Value.FromF32Bits(0x7FA0_0000)).Append(Value.FromF32Bits(0xFFC0_0001)),
        _ => s_f64Values.Select(Value.FromF64).Append(Value.FromF64Bits(0x7FF4_0000_0000_0000)),
    };

    private static void Compare(string wat, List<(string Name, ValType[] Params)> cases)
    {
        using var interp = new TestHost(new EngineOptions { Tier = Tier.Interpreter });
        using var baseline = new TestHost(new EngineOptions { Tier = Tier.Baseline });
        Instance a = interp.Linker.Instantiate(interp.Store, Module.FromText(interp.Engine, wat));
        Instance b = baseline.Linker.Instantiate(baseline.Store, Module.FromText(baseline.Engine, wat));
        var failures = new List<string>();
        int checkedCount = 0;
        foreach ((string name, ValType[] ps) in cases)
        {
            IEnumerable<Value[]> argSets = ps.Length == 1
                ? Operands(ps[0]).Select(x => new[] { x })
                : Operands(ps[0]).SelectMany(x => Operands(ps[1]).Select(y => new[] { x, y }));
            foreach (Value[] args in argSets)
            {
                string expected = Run(a.GetFunction(name)!, args);
                string actual = Run(b.GetFunction(name)!, args);
                checkedCount++;
                if (expected != actual)
                {
                    failures.Add($"{name}({string.Join(", ", args)}): interpreter {expected}, baseline {actual}");
                }
            }
        }
        Assert.True(checkedCount > 1000, $"only {checkedCount} cases ran");
        Assert.True(failures.Count == 0, $"{failures.Count} differences:\n" + string.Join("\n", failures.Take(30)));
    }

    private static string Run(Func f, Value[] args)
    {
        try
        {
            Value[] r = f.Invoke(args);
            return string.Join(",", r.Select(v => $"{v.Type.ToText()}:{v.Bits:x}"));
        }
        catch (TrapException t)
        {
            return "trap:" + t.Code;
        }
    }
}

using System.Diagnostics;
using System.Text;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;

namespace Kiln.Wasm.Tests.Text;

/// <summary>
/// Guards against quadratic behaviour: multi-megabyte modules shaped to stress each sequence the
/// parser keeps (functions, types, ids, one huge body, long strings) must parse in seconds. Linear
/// parsing takes well under a second here; quadratic parsing would take minutes.
/// </summary>
public sealed class TextScalingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Shapes() => ["many-functions", "many-types", "huge-body", "long-data", "many-globals"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Large_modules_parse_in_linear_time(string shape)
    {
        var text = new StringBuilder("(module (memory 1) (table 1 funcref)\n");
        const int n = 40_000;
        switch (shape)
        {
            case "many-functions":
                for (int i = 0; i < n; i++)
                {
                    text.Append($"(func $f{i} (export \"f{i}\") (param $a i32) (result i32) (call $f{(i + 1) % n} (local.get $a)))\n");
                }
                break;
            case "many-types":
                for (int i = 0; i < n; i++)
                {
                    // Distinct signatures: 16 value-type choices in 4 params.
                    string p = string.Join(' ', Enumerable.Range(0, 4).Select(k => new[] { "i32", "i64", "f32", "f64" }[(i >> (2 * k)) & 3]));
                    text.Append($"(func (param {p}) (result {(i % 2 == 0 ? "i32" : "i64")} {(i >> 8 & 1) switch { 0 => "f32", _ => "f64" }}) unreachable)\n");
                }
                break;
            case "huge-body":
                text.Append("(func (result i32) (local $x i32)\n");
                for (int i = 0; i < n * 5; i++)
                {
                    text.Append("(local.set $x (i32.add (local.get $x) (i32.const 1)))\n");
                }
                text.Append("(block $b (br $b)) (local.get $x))\n");
                break;
            case "long-data":
                text.Append("(data (i32.const 0) \"");
                for (int i = 0; i < n * 20; i++)
                {
                    text.Append("\\00abc");
                }
                text.Append("\")\n");
                break;
            default:
                for (int i = 0; i < n; i++)
                {
                    text.Append($"(global $g{i} (export \"g{i}\") (mut i64) (i64.const {i}))\n");
                }
                break;
        }
        text.Append(')');
        byte[] source = Encoding.UTF8.GetBytes(text.ToString());
        var clock = Stopwatch.StartNew();
        WasmModule module = TextParser.ParseModule(source, shape);
        output.WriteLine($"{shape}: {source.Length / 1e6:F1} MB in {clock.ElapsedMilliseconds} ms");
        Assert.True(clock.Elapsed < s_limit, $"{shape}: {clock.Elapsed} for {source.Length} bytes");
        Assert.True(module.Bodies.Count + module.Globals.Count + module.Data.Count > 0);
    }
}

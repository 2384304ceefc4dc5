using System.Diagnostics;
using System.Text;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;

namespace Kiln.Wasm.Tests.Text;

/// <summary>
/// Seeded mutation fuzzing of the text parser: truncated, spliced and byte-flipped modules and
/// scripts must either parse or fail with <see cref="MalformedModuleException"/>; any other exception,
/// or a parse that takes seconds, fails the test. Accepted modules must also encode (every body
/// decodes with the instruction reader) and survive <see cref="ModuleWriter"/>.
/// </summary>
public sealed class TextFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // KILN_FUZZ_SEED and KILN_FUZZ_SECONDS widen a local run; the defaults keep the suite fast and repeatable.
    private static readonly int s_seed = int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_SEED"), out int seed) ? seed : 20261122;
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_SECONDS"), out int seconds) ? seconds : 8);
    private static readonly TimeSpan s_perInput = TimeSpan.FromSeconds(5);

    /// <summary>How long an input may run before it counts as a hang; far beyond s_perInput, so a busy thread pool is no hang.</summary>
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(60);

    /// <summary>Inputs the fuzz loop tries at the least, whatever the time budget.</summary>
    private const int MinimumRuns = 200;

    private static readonly string[] s_fragments =
    [
        "(", ")", "((", "))", " ", "$x", "$", "0", "-1", "+7", "1.5e-3", "0x1p99999", "nan:0x1", "nan:0x0", "inf", "-nan",
        "\"", "\"a\"", "\"\\u{", "\"\\u{10FFFF}\"", "\\", "(;", ";)", ";;", "\n", "\r", "\t", "\u00e9", "\0",
        "module", "func", "param", "result", "local", "type", "import", "export", "table", "memory", "global",
        "elem", "data", "start", "offset", "item", "declare", "mut", "funcref", "externref", "func", "extern",
        "block", "loop", "if", "then", "else", "end", "br", "br_table", "call_indirect", "select", "i32.const",
        "i64.const", "f32.const", "f64.const", "v128.const", "i32x4", "f32x4", "i8x16.shuffle", "i8x16.extract_lane_s",
        "i32.load", "offset=", "offset=4294967296", "align=3", "align=16", "memory.init", "table.init", "ref.null",
        "ref.func", "local.get", "global.set", "binary", "quote", "assert_return", "invoke", "nan:canonical",
    ];

    private static List<byte[]> Corpus()
    {
        var corpus = new List<byte[]>
        {
            """
            (module $m
              (type $t (func (param i32) (result i32)))
              (import "env" "f" (func $imp (type $t)))
              (table $tab 2 funcref)
              (memory $mem (export "mem") 1 2)
              (global $g (mut i32) (i32.const 7))
              (func $f (export "f") (param $x i32) (result i32) (local $y i64)
                (block $b (result i32)
                  (loop $l
                    (br_if $l (i32.eqz (local.get $x)))
                    (if (result i32) (local.get $x) (then (i32.const 1)) (else (call $imp (i32.const 2)))))
                  (br_table $b $b (i32.const 0)))
                (call_indirect $tab (type $t) (i32.const 0))
                i32.load offset=4 align=2
                (v128.const f32x4 1 nan -inf 0x1p-149) i32x4.extract_lane 3 drop)
              (elem (table $tab) (i32.const 0) func $f $imp)
              (elem $e declare func $f)
              (data $d (memory $mem) (offset (i32.const 8)) "\00\ff\u{1F600}")
              (data $p "passive")
              (func (memory.init $p (i32.const 0) (i32.const 0) (i32.const 1)) (data.drop $d) (table.init $tab $e (i32.const 0) (i32.const 0) (i32.const 0)))
              (start $f2)
              (func $f2))
            """u8.ToArray(),
        };
        if (SpecSuite.Directory is not null)
        {
            foreach (string name in new[] { "block.wast", "elem.wast", "simd_lane.wast", "float_literals.wast", "data.wast", "imports.wast", "token.wast" })
            {
                string path = Path.Combine(SpecSuite.Directory, name);
                if (File.Exists(path))
                {
                    WastScript script = WastParser.ParseScript(File.ReadAllBytes(path), name);
                    corpus.AddRange(script.Commands.OfType<WastModuleCommand>()
                        .Where(c => c.Module.Kind != WastModuleKind.Binary)
                        .Select(c => c.Module.Bytes)
                        .Take(25));
                }
            }
        }
        return corpus;
    }

    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = new List<byte>(input);
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 1:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16)));
                    break;
                case 2:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(s_fragments[random.Next(s_fragments.Length)]));
                    break;
                case 3:
                    if (bytes.Count > 0)
                    {
                        bytes[at] = (byte)random.Next(256);
                    }
                    break;
                case 4:
                    {
                        int length = Math.Min(bytes.Count - at, 1 + random.Next(64));
                        bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(at, length));
                        break;
                    }
                default:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(" " + s_fragments[random.Next(s_fragments.Length)] + " "));
                    break;
            }
        }
        return bytes.ToArray();
    }

    [Fact]
    public async Task Mutated_modules_fail_only_with_malformed_errors()
    {
        var random = new Random(s_seed);
        List<byte[]> corpus = Corpus();
        var clock = Stopwatch.StartNew();
        int runs = 0;
        int accepted = 0;
        // At least MinimumRuns inputs however busy the machine, so a slow CI host still fuzzes.
        while (clock.Elapsed < s_budget || runs < MinimumRuns)
        {
            byte[] input = Mutate(random, corpus[random.Next(corpus.Count)]);
            bool asScript = random.Next(4) == 0;
            Func<bool> parse = () => asScript ? ParseScript(input) : ParseModule(input);
            // The parse is timed where it runs: the wait for a thread-pool thread is not the parser's time.
            Task<(bool Accepted, TimeSpan Took)> run = Task.Run(() =>
            {
                var one = Stopwatch.StartNew();
                bool ok = parse();
                return (ok, one.Elapsed);
            });
            (bool Accepted, TimeSpan Took) result = default;
            try
            {
                result = await run.WaitAsync(s_hang);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"parse did not finish in {s_hang.TotalSeconds}s on input: {Convert.ToBase64String(input)}");
            }
            catch (Exception e)
            {
                Assert.Fail($"{e} on input: {Convert.ToBase64String(input)}");
            }
            if (result.Took >= s_perInput)
            {
                // One slow measurement may be the machine; a slow input is slow every time.
                TimeSpan best = Enumerable.Range(0, 3).Select(_ =>
                {
                    var one = Stopwatch.StartNew();
                    parse();
                    return one.Elapsed;
                }).Min();
                Assert.True(best < s_perInput, $"parse took {best} (over {s_perInput.TotalSeconds}s) on input: {Convert.ToBase64String(input)}");
            }
            accepted += result.Accepted ? 1 : 0;
            runs++;
        }
        output.WriteLine($"seed {s_seed}: {runs} inputs, {accepted} accepted");
        Assert.True(accepted > 0 && accepted < runs, $"{accepted} of {runs} accepted: mutations do not reach both outcomes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_nesting_limit_is_fixed_not_the_stack_size(bool folded)
    {
        // A thread with a stack far larger than the limit needs: the outcome is the limit's alone.
        string Nested(int depth) => folded
            ? "(module (func " + string.Concat(Enumerable.Repeat("(block ", depth)) + new string(')', depth) + "))"
            : "(module (func " + string.Concat(Enumerable.Repeat("block ", depth)) + string.Concat(Enumerable.Repeat("end ", depth)) + "))";
        Exception? atLimit = null, overLimit = null;
        var thread = new Thread(() =>
        {
            atLimit = Record.Exception(() => TextParser.ParseModule(Nested(ModuleParser.MaxNestingDepth - 1)));
            overLimit = Record.Exception(() => TextParser.ParseModule(Nested(ModuleParser.MaxNestingDepth + 1)));
        }, maxStackSize: 512 * 1024 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(atLimit);
        Assert.Equal("nesting too deep", Assert.IsType<MalformedModuleException>(overLimit).Reason);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(1_000_000)]
    public void Deep_nesting_is_an_error_not_a_stack_overflow(int depth)
    {
        string folded = "(module (func " + string.Concat(Enumerable.Repeat("(block ", depth)) + new string(')', depth) + "))";
        string plain = "(module (func " + string.Concat(Enumerable.Repeat("block ", depth)) + string.Concat(Enumerable.Repeat("end ", depth)) + "))";
        foreach (string text in new[] { folded, plain })
        {
            // A fresh thread with the default stack size: the guard must adapt to the stack actually there.
            Exception? caught = null;
            var thread = new Thread(() =>
            {
                try
                {
                    TextParser.ParseModule(text);
                }
                catch (Exception e)
                {
                    caught = e;
                }
            });
            thread.Start();
            thread.Join();
            var error = Assert.IsType<MalformedModuleException>(caught);
            Assert.Equal("nesting too deep", error.Reason);
        }
    }

    private static bool ParseModule(byte[] input)
    {
        WasmModule module;
        try
        {
            module = TextParser.ParseModule(input, "fuzz.wat");
        }
        catch (MalformedModuleException)
        {
            return false;
        }
        CheckEncoding(module);
        return true;
    }

    private static bool ParseScript(byte[] input)
    {
        WastScript script;
        try
        {
            script = WastParser.ParseScript(input, "fuzz.wast");
        }
        catch (MalformedModuleException)
        {
            return false;
        }
        foreach (WastModuleCommand command in script.Commands.OfType<WastModuleCommand>())
        {
            if (command.Module.Kind == WastModuleKind.Binary)
            {
                continue;
            }
            try
            {
                CheckEncoding(command.Module.ParseText());
            }
            catch (MalformedModuleException)
            {
            }
        }
        return true;
    }

    /// <summary>What the parser accepts it must have encoded well: every body and expression decodes to its end.</summary>
    private static void CheckEncoding(WasmModule module)
    {
        foreach (FunctionBody body in module.Bodies)
        {
            DecodeAll(body.Code.Span);
        }
        foreach (Global global in module.Globals)
        {
            DecodeAll(global.Init.Code.Span);
        }
        foreach (ElementSegment segment in module.Elements)
        {
            foreach (ConstExpr item in segment.Items)
            {
                DecodeAll(item.Code.Span);
            }
        }
        ModuleWriter.Write(module);
    }

    private static void DecodeAll(ReadOnlySpan<byte> code)
    {
        var reader = new InstructionReader(code);
        while (!reader.AtEnd)
        {
            reader.Read();
        }
    }
}

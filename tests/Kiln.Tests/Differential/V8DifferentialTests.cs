using System.Diagnostics;
using System.Globalization;
using Kiln.Wasm.Model;
using Xunit.Abstractions;

using Kiln.Tests.Support;

namespace Kiln.Tests.Differential;

/// <summary>
/// Random valid modules from binaryen's fuzzer (<c>wasm-opt -ttf</c>, NaNs removed with <c>--denan</c>)
/// run in Kiln and in V8 (node); every export is called with zero arguments and the results, logged
/// values and traps must agree. Needs wasm-opt and node on PATH; without them the test reports that
/// and passes, except under CI=true where it fails.
/// </summary>
public class V8DifferentialTests(ITestOutputHelper output)
{
    private const string NodeHarness = """
        const fs = require('fs');
        const out = [];
        const fmt = (v) => (typeof v === 'number' && Object.is(v, -0)) ? '-0' : (typeof v === 'number' && isNaN(v) ? 'nan' : String(v));
        const log = (x) => out.push('log ' + fmt(x));
        const imports = { 'fuzzing-support': { 'log-i32': log, 'log-i64': log, 'log-f32': log, 'log-f64': log } };
        try {
          const m = new WebAssembly.Module(fs.readFileSync(process.argv[2]));
          const inst = new WebAssembly.Instance(m, imports);
          for (const e of WebAssembly.Module.exports(m)) {
            if (e.kind !== 'function') continue;
            const f = inst.exports[e.name];
            try { const r = f(...new Array(f.length).fill(0)); out.push(e.name + ' = ' + (r === undefined ? '' : fmt(r))); }
            catch (err) { out.push(e.name + (err instanceof TypeError ? ' skip' : ' trap')); }
          }
        } catch (err) { out.push('error ' + err.message); }
        console.log(out.join('\n'));
        """;

    [ToolFact("wasm-opt", "node")]
    public void RandomModulesAgreeWithV8()
    {
        // Skipped (not passed) without the tools; under CI=true it runs, and a missing tool fails here.
        Assert.True(ToolExists("wasm-opt") && ToolExists("node"), "wasm-opt and node are needed on PATH");
        string dir = Directory.CreateTempSubdirectory("kiln-diff-").FullName;
        try
        {
            string harness = Path.Combine(dir, "run.js");
            File.WriteAllText(harness, NodeHarness);
            int compared = 0;
            for (int seed = 1; seed <= 40; seed++)
            {
                var random = new Random(seed);
                byte[] entropy = new byte[6000];
                random.NextBytes(entropy);
                string seedFile = Path.Combine(dir, $"seed{seed}.bin");
                string wasm = Path.Combine(dir, $"case{seed}.wasm");
                File.WriteAllBytes(seedFile, entropy);
                Run("wasm-opt", seedFile, "-ttf", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", "--denan", "-o", wasm);
                string[] v8 = Normalize(Run("node", harness, wasm));
                string[] kiln = Normalize(RunInKiln(File.ReadAllBytes(wasm)));
                Assert.True(v8.SequenceEqual(kiln), $"seed {seed}: V8 [{string.Join("; ", v8)}] Kiln [{string.Join("; ", kiln)}]");
                compared += kiln.Length;
            }
            output.WriteLine($"{compared} results compared");
            Assert.True(compared > 100);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string RunInKiln(byte[] bytes)
    {
        var lines = new List<string>();
        using var engine = new Engine();
        using var store = new Store(engine, new StoreLimits { MaxCallDepth = 10_000 });
        var linker = new Linker(engine);
        foreach ((string name, ValType type) in new[] { ("log-i32", ValType.I32), ("log-i64", ValType.I64), ("log-f32", ValType.F32), ("log-f64", ValType.F64) })
        {
            linker.DefineFunction("fuzzing-support", name, new FuncType([type], []), (_, args, _) => lines.Add("log " + Format(args[0])));
        }
        Module module = Module.FromBinary(engine, bytes);
        Instance instance = linker.Instantiate(store, module);
        foreach (Export e in module.Exports)
        {
            if (e.Kind != ExternKind.Function)
            {
                continue;
            }
            Func f = instance.GetFunction(e.Name)!;
            if (f.Type.Params.Contains(ValType.I64))
            {
                // node 20 cannot pass a plain 0 as an i64 argument.
                lines.Add(e.Name + " skip");
                continue;
            }
            try
            {
                Value[] r = f.Invoke(f.Type.Params.Select(Value.Default).ToArray());
                lines.Add(e.Name + " = " + (r.Length == 0 ? "" : Format(r[0])));
            }
            catch (TrapException)
            {
                lines.Add(e.Name + " trap");
            }
        }
        return string.Join("\n", lines);
    }

    private static string Format(Value v) => v.Type switch
    {
        ValType.I32 => v.AsI32().ToString(CultureInfo.InvariantCulture),
        ValType.I64 => v.AsI64().ToString(CultureInfo.InvariantCulture),
        ValType.F32 => FormatDouble(v.AsF32()),
        ValType.F64 => FormatDouble(v.AsF64()),
        _ => v.IsNull ? "null" : "ref",
    };

    private static string FormatDouble(double d) =>
        double.IsNaN(d) ? "nan" : d == 0 && double.IsNegative(d) ? "-0" : d.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Numbers compared by value (JS and .NET print them differently), everything else as text.</summary>
    private static string[] Normalize(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => string.Join(" ", line.Split(' ').Select(token =>
                double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
                    ? BitConverter.DoubleToInt64Bits(d).ToString(CultureInfo.InvariantCulture)
                    : token.ToLowerInvariant() switch { "infinity" or "∞" => "inf", "-infinity" or "-∞" => "-inf", var t => t })))
            .ToArray();

    private static bool ToolExists(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, name)));

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            throw new TimeoutException($"{tool} did not finish");
        }
        Assert.True(p.ExitCode == 0, $"{tool} exited with {p.ExitCode}");
        return stdout;
    }
}

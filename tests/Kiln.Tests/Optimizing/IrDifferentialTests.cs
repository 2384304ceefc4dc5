using Kiln.FrontEnd;
using Kiln.Optimizing;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;
using Kiln.Tests.Differential;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;
using Xunit.Abstractions;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// The strongest check of the builder and the passes: binaryen's random modules (<see cref="RandomModuleGenerator"/>)
/// run on Kiln's interpreter and, export call by export call, as IR in <see cref="IrEvaluator"/>, once as built and
/// once after <see cref="PassPipeline.Default"/>. Results (bit for bit, NaNs included), trap kinds, logged values,
/// memory and globals must agree. Before each call the evaluator starts from the interpreter's state, so a call the
/// IR cannot run (a callee uses call_indirect or bulk memory, which the builder refuses) still keeps the two in step.
/// <c>KILN_IR_FUZZ_SEEDS</c> sets the number of seeds (default 40).
/// </summary>
public sealed class IrDifferentialTests(ITestOutputHelper output)
{
    private const ulong FirstSeed = 2_000_001;

    [ToolFact("wasm-opt")]
    public void IrBeforeAndAfterPassesAgreesWithInterpreter()
    {
        ulong count = ulong.TryParse(Environment.GetEnvironmentVariable("KILN_IR_FUZZ_SEEDS"), out ulong n) ? n : 40;
        string work = Directory.CreateTempSubdirectory("kiln-ir-fuzz-").FullName;
        var differences = new List<string>();
        int compared = 0;
        int functionsBuilt = 0;
        int functionsRefused = 0;
        try
        {
            for (ulong seed = FirstSeed; seed < FirstSeed + count; seed++)
            {
                string path = RandomModuleGenerator.Generate(seed, work, denan: (seed & 1) == 1, optimize: seed % 3 == 0);
                var run = new ModuleRun(path);
                functionsBuilt += run.Built;
                functionsRefused += run.Refused;
                compared += run.Compare(differences, $"seed {seed}");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        output.WriteLine($"{count} modules: {functionsBuilt} functions built, {functionsRefused} refused; {compared} calls compared");
        Assert.True(differences.Count == 0, $"{differences.Count} differences:\n" + string.Join("\n", differences.Take(30)));
        // A run that compares next to nothing passes vacuously: the builder would refuse too much.
        Assert.True(compared >= (int)count, $"only {compared} calls compared over {count} modules");
    }

    /// <summary>One module: its IR (raw and optimized) and an interpreter instance to compare against.</summary>
    private sealed class ModuleRun
    {
        private readonly string _path;
        private readonly WasmModule _model;
        private readonly IrFunction?[] _raw;
        private readonly IrFunction?[] _optimized;
        private readonly bool[] _evaluable;
        private readonly ValType?[] _logType;

        public ModuleRun(string path)
        {
            _path = path;
            _model = ModuleReader.Read(File.ReadAllBytes(path));
            var spaces = new IndexSpaces(ModuleValidator.Validate(_model));
            int imported = spaces.ImportedFunctionCount;
            int total = spaces.FunctionTypes.Length;
            _raw = new IrFunction?[total];
            _optimized = new IrFunction?[total];
            _logType = new ValType?[total];
            var builder = new SsaBuilder(spaces);
            int k = 0;
            foreach (Import import in _model.Imports.Where(i => i.Kind == ExternKind.Function))
            {
                FuncType t = spaces.FunctionTypes[k];
                if (import.Module == "fuzzing-support" && import.Name.StartsWith("log-", StringComparison.Ordinal) && t.Params.Length == 1 && t.Params[0].IsNumeric())
                {
                    _logType[k] = t.Params[0];
                }
                k++;
            }
            for (int i = 0; i < total - imported; i++)
            {
                try
                {
                    IrFunction f = builder.Build(i);
                    IrVerifier.VerifyOrThrow(f);
                    _raw[imported + i] = f;
                    IrFunction g = builder.Build(i);
                    PassPipeline.Run(g, PassPipeline.Default);
                    _optimized[imported + i] = g;
                    Built++;
                }
                catch (UnsupportedFeatureException)
                {
                    Refused++;
                }
            }
            _evaluable = Evaluable(total);
        }

        public int Built { get; }

        public int Refused { get; }

        /// <summary>Functions whose IR exists and that call only such functions or log imports, to a fixpoint.</summary>
        private bool[] Evaluable(int total)
        {
            var ok = new bool[total];
            for (int i = 0; i < total; i++)
            {
                ok[i] = _raw[i] is not null || _logType[i] is not null;
            }
            bool changed = true;
            while (changed)
            {
                changed = false;
                for (int i = 0; i < total; i++)
                {
                    if (ok[i] && _raw[i] is IrFunction f && Callees(f).Any(c => !ok[c]))
                    {
                        ok[i] = false;
                        changed = true;
                    }
                }
            }
            return ok;
        }

        private static IEnumerable<int> Callees(IrFunction f)
        {
            foreach (int b in f.Layout)
            {
                foreach (int inst in f.Block(b).Insts)
                {
                    if (f.Inst(inst).Op == Op.Call)
                    {
                        yield return (int)f.Inst(inst).Imm;
                    }
                }
            }
        }

        private sealed record Outcome(string Result, List<string> Logs, byte[] Memory, ulong[] Globals);

        public int Compare(List<string> differences, string origin)
        {
            using var engine = new Engine(new EngineOptions { Tier = Tier.Interpreter });
            Module module = Module.FromBinary(engine, File.ReadAllBytes(_path), "fuzz");
            using var store = new Store(engine);
            var linker = new Linker(engine);
            var interpLogs = new List<string>();
            foreach (ValType t in new[] { ValType.I32, ValType.I64, ValType.F32, ValType.F64 })
            {
                linker.DefineFunction("fuzzing-support", "log-" + t.ToText(), new FuncType([t], []), (_, args, _) => interpLogs.Add(t.ToText() + " " + Bits(args[0]).ToString("x")));
            }
            Instance instance;
            try
            {
                instance = linker.Instantiate(store, module);
            }
            catch (TrapException)
            {
                return 0;
            }
            int compared = 0;
            foreach (PlannedCall call in CallPlan.For(_path, _model).Calls)
            {
                Export export = _model.Exports.First(e => e.Kind == ExternKind.Function && e.Name == call.Export);
                uint index = export.Index;
                ulong[] args = call.Arguments.Select(Bits).ToArray();
                Outcome? raw = null, optimized = null;
                if (_evaluable[index])
                {
                    raw = Evaluate(instance, _raw, index, args);
                    optimized = Evaluate(instance, _optimized, index, args);
                }
                interpLogs.Clear();
                string result;
                try
                {
                    result = "result " + string.Join(" ", instance.GetFunction(call.Export)!.Invoke(call.Arguments).Select(v => Bits(v).ToString("x")));
                }
                catch (TrapException e)
                {
                    result = "trap " + e.Code;
                }
                if (raw is null || optimized is null || result == "trap " + TrapCode.CallStackExhausted)
                {
                    continue;
                }
                var interp = new Outcome(result, [.. interpLogs], Snapshot(instance).Memory, Snapshot(instance).Globals);
                Diff(differences, $"{origin} {call} (function {index}), IR as built", raw, interp);
                Diff(differences, $"{origin} {call} (function {index}), IR after passes", optimized, interp);
                compared++;
            }
            return compared;
        }

        private static void Diff(List<string> differences, string where, Outcome ir, Outcome interp)
        {
            if (ir.Result == "limit")
            {
                return;
            }
            if (ir.Result != interp.Result)
            {
                differences.Add($"{where}: {ir.Result}, interpreter {interp.Result}");
            }
            else if (!ir.Logs.SequenceEqual(interp.Logs))
            {
                differences.Add($"{where}: logs [{string.Join(", ", ir.Logs)}], interpreter [{string.Join(", ", interp.Logs)}]");
            }
            else if (!ir.Memory.AsSpan().SequenceEqual(interp.Memory))
            {
                differences.Add($"{where}: memory differs");
            }
            else if (!ir.Globals.AsSpan().SequenceEqual(interp.Globals))
            {
                differences.Add($"{where}: globals [{string.Join(", ", ir.Globals)}], interpreter [{string.Join(", ", interp.Globals)}]");
            }
        }

        private Outcome Evaluate(Instance instance, IrFunction?[] functions, uint index, ulong[] args)
        {
            (byte[] memory, ulong[] globals) = Snapshot(instance);
            var logs = new List<string>();
            var evaluator = new IrEvaluator(
                i => functions[i],
                (i, a) =>
                {
                    logs.Add(_logType[i]!.Value.ToText() + " " + a[0].ToString("x"));
                    return [];
                },
                memory, instance.Memory?.MaximumPages ?? 0, globals, fuel: 50_000_000, maxDepth: 200);
            string result;
            try
            {
                result = "result " + string.Join(" ", evaluator.Call(index, args).Select(b => b.ToString("x")));
            }
            catch (TrapException e)
            {
                result = "trap " + e.Code;
            }
            catch (IrEvaluationLimitException)
            {
                result = "limit";
            }
            return new Outcome(result, logs, evaluator.Memory, evaluator.Globals);
        }

        private static (byte[] Memory, ulong[] Globals) Snapshot(Instance instance)
        {
            byte[] memory = instance.Memory?.Span.ToArray() ?? [];
            var globals = new ulong[instance.Globals.Length];
            for (int i = 0; i < globals.Length; i++)
            {
                Value v = instance.Globals[i].Value;
                globals[i] = v.Type.IsNumeric() ? Bits(v) : 0;
            }
            return (memory, globals);
        }
    }

    private static ulong Bits(Value v) => v.Type switch
    {
        ValType.I32 => (uint)v.AsI32(),
        ValType.I64 => (ulong)v.AsI64(),
        ValType.F32 => v.AsF32Bits(),
        ValType.F64 => v.AsF64Bits(),
        _ => 0,
    };
}

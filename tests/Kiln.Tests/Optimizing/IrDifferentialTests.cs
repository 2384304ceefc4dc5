using Kiln.FrontEnd;
using Kiln.Optimizing;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;
using Kiln.Tests.Differential;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;
using Xunit.Abstractions;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// The strongest check of the builder and the passes: binaryen's random modules (<see cref="RandomModuleGenerator"/>)
/// run on Kiln's interpreter and, export call by export call, as IR in <see cref="IrEvaluator"/>, once as built and
/// once after <see cref="PassPipeline.Default"/>. Results (bit for bit, NaNs included), trap kinds, logged values,
/// memory, globals and tables must agree. Before each call the evaluator starts from the interpreter's state (memory,
/// globals, tables, element and data segments as they are then), so a call the IR cannot run (one reaching an import
/// other than the log functions) still keeps the two in step. <c>KILN_IR_FUZZ_SEEDS</c> sets the number of seeds
/// (default 40), <c>KILN_IR_SIMD_FUZZ_SEEDS</c> that of the SIMD modules (default 20).
/// </summary>
public sealed class IrDifferentialTests(ITestOutputHelper output)
{
    private const ulong FirstSeed = 2_000_001;
    private const ulong FirstSimdSeed = 3_000_001;

    [ToolFact("wasm-opt")]
    public void IrBeforeAndAfterPassesAgreesWithInterpreter() =>
        CompareSeeds(FirstSeed, ulong.TryParse(Environment.GetEnvironmentVariable("KILN_IR_FUZZ_SEEDS"), out ulong n) ? n : 40, simd: false);

    /// <summary>The same with binaryen's SIMD features: v128 values, SIMD instructions, v128 logs.</summary>
    [ToolFact("wasm-opt")]
    public void SimdIrBeforeAndAfterPassesAgreesWithInterpreter() =>
        CompareSeeds(FirstSimdSeed, ulong.TryParse(Environment.GetEnvironmentVariable("KILN_IR_SIMD_FUZZ_SEEDS"), out ulong n) ? n : 20, simd: true);

    private void CompareSeeds(ulong first, ulong count, bool simd)
    {
        string work = Directory.CreateTempSubdirectory("kiln-ir-fuzz-").FullName;
        var differences = new List<string>();
        int compared = 0;
        int functionsBuilt = 0;
        int functionsRefused = 0;
        try
        {
            for (ulong seed = first; seed < first + count; seed++)
            {
                string path = RandomModuleGenerator.Generate(seed, work, denan: (seed & 1) == 1, optimize: seed % 3 == 0, simd: simd);
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
        // A run that compares next to nothing passes vacuously; and the builder refuses nothing of WebAssembly 2.0.
        Assert.True(compared >= (int)count, $"only {compared} calls compared over {count} modules");
        Assert.Equal(0, functionsRefused);
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
        private readonly IrSignature[] _functionTypes;
        private readonly ValType[] _globalTypes;

        public ModuleRun(string path)
        {
            _path = path;
            _model = ModuleReader.Read(File.ReadAllBytes(path));
            var spaces = new IndexSpaces(ModuleValidator.Validate(_model));
            int imported = spaces.ImportedFunctionCount;
            int total = spaces.FunctionTypes.Length;
            _functionTypes = [.. spaces.FunctionTypes.Select(t => new IrSignature([.. t.Params.AsSpan().ToArray().Select(IrTypes.FromWasm)], [.. t.Results.AsSpan().ToArray().Select(IrTypes.FromWasm)]))];
            _globalTypes = spaces.GlobalTypes;
            _raw = new IrFunction?[total];
            _optimized = new IrFunction?[total];
            _logType = new ValType?[total];
            var builder = new SsaBuilder(spaces);
            int k = 0;
            foreach (Import import in _model.Imports.Where(i => i.Kind == ExternKind.Function))
            {
                FuncType t = spaces.FunctionTypes[k];
                if (import.Module == "fuzzing-support" && import.Name.StartsWith("log-", StringComparison.Ordinal) && t.Params.Length == 1 && (t.Params[0].IsNumeric() || t.Params[0] == ValType.V128))
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

        private sealed record Outcome(string Result, List<string> Logs, byte[] Memory, UInt128[] Globals, string Tables);

        public int Compare(List<string> differences, string origin)
        {
            using var engine = new Engine(new EngineOptions { Tier = Tier.Interpreter });
            Module module = Module.FromBinary(engine, File.ReadAllBytes(_path), "fuzz");
            using var store = new Store(engine);
            var linker = new Linker(engine);
            var interpLogs = new List<string>();
            foreach (ValType t in new[] { ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.V128 })
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
                UInt128[] args = call.Arguments.Select(Bits).ToArray();
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
                IrInstanceState after = Snapshot(instance);
                var interp = new Outcome(result, [.. interpLogs], after.Memory, after.Globals, TablesText(after));
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
            else if (ir.Tables != interp.Tables)
            {
                differences.Add($"{where}: tables {ir.Tables}, interpreter {interp.Tables}");
            }
        }

        private Outcome Evaluate(Instance instance, IrFunction?[] functions, uint index, UInt128[] args)
        {
            IrInstanceState state = Snapshot(instance);
            var logs = new List<string>();
            var evaluator = new IrEvaluator(
                i => functions[i],
                (i, a) =>
                {
                    // call_indirect can reach any import in a table; only the log functions are modelled.
                    ValType type = _logType[i] ?? throw new IrEvaluationLimitException($"import {i} is not a log function");
                    logs.Add(type.ToText() + " " + a[0].ToString("x"));
                    return [];
                },
                state, fuel: 50_000_000, maxDepth: 200);
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
            return new Outcome(result, logs, evaluator.Memory, evaluator.Globals, TablesText(state));
        }

        private static string TablesText(IrInstanceState state) =>
            string.Join(" | ", state.Tables.Select(t => string.Join(",", t.Elements)));

        /// <summary>The interpreter instance's state in the evaluator's terms (a funcref becomes its function index plus one).</summary>
        private unsafe IrInstanceState Snapshot(Instance instance)
        {
            var funcRefs = new Dictionary<nint, nint> { [0] = 0 };
            for (uint k = 0; k < _functionTypes.Length; k++)
            {
                funcRefs[(nint)instance.FuncRefs[k]] = IrInstanceState.FuncRef(k);
            }
            nint Ref(nint slot) => funcRefs.TryGetValue(slot, out nint r) ? r : throw new InvalidOperationException($"reference 0x{slot:x} is no function of the instance");
            var globals = new UInt128[_globalTypes.Length];
            for (int i = 0; i < globals.Length; i++)
            {
                ulong* cell = instance.GlobalCells[i];
                globals[i] = _globalTypes[i] switch
                {
                    ValType.V128 => new UInt128(cell[1], cell[0]),
                    ValType.FuncRef or ValType.ExternRef => (ulong)Ref((nint)cell[0]),
                    ValType.I32 or ValType.F32 => (uint)cell[0],
                    _ => cell[0],
                };
            }
            var tables = new IrTable[instance.Tables.Length];
            for (int t = 0; t < tables.Length; t++)
            {
                VmTableDefinition* def = instance.TableDefinitions[t];
                tables[t] = new IrTable(new Span<nint>(def->Elements, (int)def->Length).ToArray().Select(Ref).ToArray(), instance.Tables[t].MaximumElements);
            }
            return new IrInstanceState
            {
                Memory = instance.Memory?.Span.ToArray() ?? [],
                MaxPages = instance.Memory?.MaximumPages ?? 0,
                Globals = globals,
                Tables = tables,
                ElementSegments = [.. instance.ElementSegments.Select(e => e.Select(Ref).ToArray())],
                DataSegments = [.. instance.DataSegments.Select(d => d.ToArray())],
                FunctionTypes = _functionTypes,
            };
        }
    }

    private static UInt128 Bits(Value v) => v.Type switch
    {
        ValType.I32 => (uint)v.AsI32(),
        ValType.I64 => (ulong)v.AsI64(),
        ValType.F32 => v.AsF32Bits(),
        ValType.F64 => v.AsF64Bits(),
        ValType.V128 => new UInt128(v.AsV128().High, v.AsV128().Low),
        _ => throw new InvalidOperationException($"no bits for a {v.Type.ToText()} value in these tests"),
    };
}

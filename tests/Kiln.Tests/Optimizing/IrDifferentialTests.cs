using Kiln.Optimizing;
using Kiln.Optimizing.Passes;
using Kiln.Tests.Differential;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
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
                var run = new IrModuleRun(ModuleReader.Read(File.ReadAllBytes(path)));
                functionsBuilt += run.Built;
                functionsRefused += run.Refused;
                compared += CompareCallPlan(run, path, differences, $"seed {seed}");
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

    /// <summary>Runs the module's call plan (binaryen's log imports defined) on the interpreter and as IR.</summary>
    private static int CompareCallPlan(IrModuleRun run, string path, List<string> differences, string origin)
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Interpreter });
        Module module = Module.FromBinary(engine, File.ReadAllBytes(path), "fuzz");
        using var store = new Store(engine);
        var linker = new Linker(engine);
        var interpLogs = new List<string>();
        foreach (ValType t in new[] { ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.V128 })
        {
            linker.DefineFunction("fuzzing-support", "log-" + t.ToText(), new FuncType([t], []), (_, args, _) => interpLogs.Add(t.ToText() + " " + IrModuleRun.LogText(args[0])));
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
        foreach (PlannedCall call in CallPlan.For(path, run.Model).Calls)
        {
            if (run.CompareCall(instance, interpLogs, call.Export, call.Arguments, differences, $"{origin} {call}"))
            {
                compared++;
            }
        }
        return compared;
    }
}

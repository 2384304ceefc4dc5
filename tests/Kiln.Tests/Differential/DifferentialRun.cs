using Kiln.Wasm.Model;

using Kiln.Tests.Support;

namespace Kiln.Tests.Differential;

/// <summary>
/// Runs a set of modules on every available Kiln tier and under V8 (one node process for all of
/// them) and compares: the interpreter with V8, every other tier with the interpreter. The
/// interpreter is the oracle for Kiln's compilers; V8 is the oracle for the interpreter. Kiln's
/// tiers must agree with each other exactly, NaN bits and memory contents included, whether or not
/// a module was instrumented with <c>--denan</c>; only the comparison with V8 allows NaN bits to differ.
/// Each tier creates the module from its bytes (<see cref="Module.FromBinary"/>), as an embedder does.
/// </summary>
internal sealed class DifferentialRun
{
    private readonly string _directory;
    private readonly TimeSpan _budget;

    public DifferentialRun(string directory, TimeSpan budgetPerModule)
    {
        _directory = directory;
        _budget = budgetPerModule;
        Tiers = Enum.GetValues<Tier>().Where(t => TraceRecorder.IsTierAvailable(t, out _)).ToArray();
        UnavailableTiers = Enum.GetValues<Tier>().Except(Tiers).ToArray();
        // Auto moves every function up at its first call, synchronously, so both tiers run each function.
        // (No sampled on-stack replacement: which code runs when stays fixed.)
        var configurations = Tiers.Select(t => (t.ToString(), t == Tier.Auto
            ? new EngineOptions { Tier = t, TierUpThreshold = 1, TierUpSynchronously = true, OnStackReplacement = false }
            : new EngineOptions { Tier = t })).ToList();
        if (Tiers.Contains(Tier.Auto))
        {
            // A threshold of 5 moves functions up in the middle of their loops and recursions.
            configurations.Add((AutoMidwayName, new EngineOptions { Tier = Tier.Auto, TierUpThreshold = 5, TierUpSynchronously = true, OnStackReplacement = false }));
            // Functions move up only by on-stack replacement, at each loop's first back edge (counted over all calls).
            configurations.Add((AutoOsrName, new EngineOptions { Tier = Tier.Auto, TierUpThreshold = int.MaxValue, TierUpSynchronously = true, OsrBackEdges = 1 }));
        }
        if (Tiers.Contains(Tier.Baseline))
        {
            // Each function compiled at its first call, through the lazy-compilation stub.
            configurations.Add((LazyName, new EngineOptions { Tier = Tier.Baseline, Compilation = CompilationMode.Lazy }));
            // Every other function on the interpreter: calls, returns and traps cross tiers in both directions.
            configurations.Add((MixedName, new EngineOptions { Tier = Tier.Baseline, InterpretFunction = f => (f & 1) == 1 }));
        }
        if (Tiers.Contains(Tier.Optimizing))
        {
            // Calls, returns and traps between optimized code and the interpreter.
            configurations.Add((OptimizingMixedName, new EngineOptions { Tier = Tier.Optimizing, InterpretFunction = f => (f & 1) == 0 }));
        }
        Configurations = configurations;
    }

    /// <summary>Adaptive execution with a threshold of 5 calls plus loop iterations.</summary>
    public const string AutoMidwayName = "Auto-midway";

    /// <summary>Adaptive execution moving running activations up at loop headers (forced on-stack replacement).</summary>
    public const string AutoOsrName = "Auto-osr";

    /// <summary>The baseline tier compiling each function on its first call (<see cref="CompilationMode.Lazy"/>).</summary>
    public const string LazyName = "Baseline-lazy";

    /// <summary>The baseline tier with odd-numbered functions interpreted (<see cref="EngineOptions.InterpretFunction"/>).</summary>
    public const string MixedName = "Baseline+Interpreter";

    /// <summary>The optimizing tier with even-numbered functions interpreted.</summary>
    public const string OptimizingMixedName = "Optimizing+Interpreter";

    /// <summary>Engine configurations run on each module: every available tier, lazy compilation and mixed tiers once the baseline exists.</summary>
    public IReadOnlyList<(string Name, EngineOptions Options)> Configurations { get; }

    /// <summary>Tiers the engine accepts; a tier joins automatically once it stops refusing.</summary>
    public Tier[] Tiers { get; }

    public Tier[] UnavailableTiers { get; }

    /// <summary>Compares every module; returns one outcome per module, in order.</summary>
    public List<ModuleOutcome> Run(IReadOnlyList<FuzzModule> modules, bool withV8)
    {
        var outcomes = new List<ModuleOutcome>();
        var planPaths = new List<string>();
        foreach (FuzzModule m in modules)
        {
            string path = m.Path;
            var outcome = new ModuleOutcome(m) { NanBitsMayDiffer = !m.NanFree };
            outcomes.Add(outcome);
            byte[] bytes = File.ReadAllBytes(path);
            WasmModule? model = TraceRecorder.Decode(bytes, out string? error);
            CallPlan plan = model is null ? CallPlan.Empty(path) : CallPlan.For(path, model);
            string planPath = Path.Combine(_directory, Path.GetFileNameWithoutExtension(path) + "-" + outcomes.Count + ".plan");
            File.WriteAllText(planPath, plan.ToText());
            planPaths.Add(planPath);
            outcome.PlanPath = planPath;
            foreach ((string name, EngineOptions options) in Configurations)
            {
                outcome.Traces[name] = model is null ? ["invalid " + error] : TraceRecorder.Record(model, plan, options, fuel: null, _budget, bytes);
            }
        }
        if (withV8)
        {
            Dictionary<string, List<string>> v8 = RunNode(planPaths);
            foreach (ModuleOutcome o in outcomes)
            {
                o.Traces["V8"] = v8.GetValueOrDefault(o.PlanPath!) ?? ["runner-error no trace"];
            }
        }
        foreach (ModuleOutcome o in outcomes)
        {
            List<string> oracle = o.Traces[nameof(Tier.Interpreter)];
            if (withV8)
            {
                if (TraceComparison.Compare(o.Traces["V8"], oracle, o.NanBitsMayDiffer, foldNaNBits: true, out bool stopped) is { } v8Difference)
                {
                    o.Differences.Add($"Interpreter vs V8: {v8Difference}");
                }
                o.StoppedAtNanMemory |= stopped;
            }
            foreach (string tier in Configurations.Select(c => c.Name).Where(n => n != nameof(Tier.Interpreter)))
            {
                List<string> trace = o.Traces[tier];
                if (trace.Count > 0 && trace[0].StartsWith("unsupported", StringComparison.Ordinal))
                {
                    o.Unsupported.Add($"{tier}: {trace[0]}");
                }
                else
                {
                    if (TraceComparison.Compare(oracle, trace, nanBitsMayDiffer: false, foldNaNBits: false, out _) is { } difference)
                    {
                        o.Differences.Add($"{tier} vs Interpreter: {difference}");
                    }
                }
            }
            foreach ((string engine, List<string> trace) in o.Traces)
            {
                if (trace.Any(l => l.StartsWith("internal-error", StringComparison.Ordinal) || l.StartsWith("runner-error", StringComparison.Ordinal)))
                {
                    o.Differences.Add($"{engine}: {trace.First(l => l.Contains("error", StringComparison.Ordinal))}");
                }
            }
        }
        return outcomes;
    }

    private static Dictionary<string, List<string>> RunNode(List<string> planPaths)
    {
        string node = ExternalTools.Require(ExternalTools.Node, "node");
        string runner = Path.Combine(ExternalTools.RepositoryRoot, "tests", "Kiln.Tests", "Differential", "node-runner.mjs");
        var traces = new Dictionary<string, List<string>>();
        // Batches keep the command line short and a stuck module from hiding all results.
        foreach (string[] batch in planPaths.Chunk(50))
        {
            (int code, string stdout, string stderr) = ExternalTools.Run(node, [runner, .. batch], TimeSpan.FromMinutes(5));
            if (code != 0)
            {
                throw new InvalidOperationException($"node runner exited {code}: {stderr}");
            }
            foreach ((string plan, List<string> trace) in Trace.ParseRunnerOutput(stdout))
            {
                traces[plan] = trace;
            }
        }
        return traces;
    }
}

/// <summary>A module to compare; <paramref name="NanFree"/> when binaryen's <c>--denan</c> instrumented it.</summary>
/// <param name="Origin">How the module was made (seed and generator options), kept with it when it fails.</param>
internal sealed record FuzzModule(string Path, bool NanFree, string Origin = "");

/// <summary>Traces of one module by engine name, and how they differ.</summary>
internal sealed class ModuleOutcome(FuzzModule module)
{
    public FuzzModule Module { get; } = module;

    public string ModulePath => Module.Path;

    /// <summary>The module may store NaNs, whose bits engines choose freely (Spec 4.3.3).</summary>
    public bool NanBitsMayDiffer { get; init; }

    /// <summary>Some comparison ended early at a memory hash that NaN bits may explain.</summary>
    public bool StoppedAtNanMemory { get; set; }

    public string? PlanPath { get; set; }

    public Dictionary<string, List<string>> Traces { get; } = [];

    public List<string> Differences { get; } = [];

    public List<string> Unsupported { get; } = [];
}

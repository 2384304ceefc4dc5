using System.Globalization;
using Xunit.Abstractions;

using Kiln.Tests.Support;

namespace Kiln.Tests.Differential;

/// <summary>
/// Random-module differential testing: binaryen generates a valid module per seed, every Kiln
/// configuration (<see cref="DifferentialRun.Configurations"/>: each tier, lazy compilation, mixed
/// tiers) and V8 run it with the same calls, and the traces must agree (interpreter against V8,
/// other configurations against the interpreter, bit for bit). Doubles as fuzzing of Kiln's
/// compilers, since every module also goes through each tier's compiler. <c>KILN_FUZZ_SEEDS</c>
/// sets the number of seeds (default 240), <c>KILN_FUZZ_START</c> the first one; failing modules
/// are kept with their call plan, traces and origin in <c>KILN_FUZZ_OUT</c> (default a temporary
/// directory named in the failure).
/// </summary>
public sealed class RandomModuleTests(ITestOutputHelper output)
{
    [ToolFact("wasm-opt", "node")]
    public void RandomModulesAgreeAcrossTiersAndWithV8() =>
        CompareSeeds(Seeds(EnvNumber("KILN_FUZZ_SEEDS", 240), EnvNumber("KILN_FUZZ_START", 1)), UsesDenan, simd: false, withV8: true);

    /// <summary>
    /// The same with SIMD: v128 locals, globals, parameters, loads and stores and every SIMD instruction binaryen's
    /// generator knows, logged through <c>log-v128</c>. <c>KILN_SIMD_FUZZ_SEEDS</c> sets the number of seeds (default 100).
    /// </summary>
    [ToolFact("wasm-opt", "node")]
    public void SimdRandomModulesAgreeAcrossTiersAndWithV8() =>
        CompareSeeds(Seeds(EnvNumber("KILN_SIMD_FUZZ_SEEDS", 100), EnvNumber("KILN_FUZZ_START", 1)), UsesDenan, simd: true, withV8: true);

    /// <summary>
    /// Kiln's configurations against each other only, so it runs where wasm-opt is installed but node is not; modules
    /// are never instrumented with <c>--denan</c>, so NaNs reach results, logs and memory, and their bits must agree
    /// across Kiln's tiers. Seeds start at <see cref="TierOnlyFirstSeed"/>, away from the other tests' seeds;
    /// <c>KILN_FUZZ_TIER_SEEDS</c> sets their number (default 60).
    /// </summary>
    [ToolFact("wasm-opt")]
    public void RandomModulesWithNaNsAgreeAcrossTiers() =>
        CompareSeeds(Seeds(EnvNumber("KILN_FUZZ_TIER_SEEDS", 60), TierOnlyFirstSeed), _ => false, simd: false, withV8: false);

    private const ulong TierOnlyFirstSeed = 1_000_001;

    private static List<ulong> Seeds(ulong count, ulong start)
    {
        var seeds = new List<ulong>();
        for (ulong s = start; s < start + count; s++)
        {
            seeds.Add(s);
        }
        return seeds;
    }

    private void CompareSeeds(List<ulong> seeds, Func<ulong, bool> denan, bool simd, bool withV8)
    {
        string work = Directory.CreateTempSubdirectory("kiln-fuzz-").FullName;
        try
        {
            var modules = new FuzzModule[seeds.Count];
            Parallel.For(0, seeds.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                ulong seed = seeds[i];
                bool nanFree = denan(seed);
                string origin = $"seed {seed}: wasm-opt --translate-to-fuzz{(simd ? " (SIMD features)" : "")}{(nanFree ? " --denan" : "")}{(Optimizes(seed) ? " -O2" : "")}";
                modules[i] = new FuzzModule(RandomModuleGenerator.Generate(seed, work, nanFree, Optimizes(seed), simd), nanFree, origin);
            });

            var run = new DifferentialRun(work, TimeSpan.FromSeconds(20));
            List<ModuleOutcome> outcomes = run.Run(modules, withV8);
            Report(run, outcomes);

            List<ModuleOutcome> failed = outcomes.Where(o => o.Differences.Count > 0).ToList();
            if (failed.Count > 0)
            {
                string keep = Keep(failed);
                Assert.Fail($"{failed.Count} of {outcomes.Count} modules differ (modules, plans and traces kept in {keep}):\n" +
                    string.Join("\n", failed.Select(o => $"{Path.GetFileName(o.ModulePath)}: {string.Join("; ", o.Differences)}")));
            }

            // A tier that refuses a module is a bailout, not a pass: every tier runs all of WebAssembly 2.0.
            List<ModuleOutcome> refused = outcomes.Where(o => o.Unsupported.Count > 0).ToList();
            Assert.True(refused.Count == 0, $"{refused.Count} modules refused:\n" +
                string.Join("\n", refused.Select(o => $"{Path.GetFileName(o.ModulePath)}: {string.Join("; ", o.Unsupported)}")));

            // A run that compares next to nothing passes vacuously: the generator or the call plan would be broken.
            int compared = outcomes.Sum(o => o.Traces[nameof(Tier.Interpreter)].Count(l => l.StartsWith("result", StringComparison.Ordinal) || l.StartsWith("trap ", StringComparison.Ordinal)));
            Assert.True(compared >= outcomes.Count, $"only {compared} results and traps compared over {outcomes.Count} modules");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Copies each failing module with its call plan, every engine's trace and how it was made; returns the directory.</summary>
    private static string Keep(List<ModuleOutcome> failed)
    {
        string keep = Environment.GetEnvironmentVariable("KILN_FUZZ_OUT") ?? Directory.CreateTempSubdirectory("kiln-fuzz-failures-").FullName;
        Directory.CreateDirectory(keep);
        foreach (ModuleOutcome o in failed)
        {
            string name = Path.GetFileNameWithoutExtension(o.ModulePath);
            File.Copy(o.ModulePath, Path.Combine(keep, name + ".wasm"), overwrite: true);
            if (o.PlanPath is { } plan)
            {
                File.Copy(plan, Path.Combine(keep, name + ".plan"), overwrite: true);
            }
            foreach ((string engine, List<string> trace) in o.Traces)
            {
                File.WriteAllLines(Path.Combine(keep, $"{name}.{engine}.trace"), trace);
            }
            File.WriteAllLines(Path.Combine(keep, name + ".txt"), [o.Module.Origin, .. o.Differences]);
        }
        return keep;
    }

    /// <summary>
    /// Odd seeds are instrumented with binaryen's <c>--denan</c>, so floats stored to memory have
    /// deterministic bits and memory hashes compare exactly; even seeds keep NaNs in the values
    /// that logs and results show (printed as <c>nan</c>).
    /// </summary>
    internal static bool UsesDenan(ulong seed) => (seed & 1) == 1;

    /// <summary>Seeds 2 and 3 modulo 4 are also optimized by binaryen (-O2), one with and one without <c>--denan</c>.</summary>
    internal static bool Optimizes(ulong seed) => (seed & 2) == 2;

    private void Report(DifferentialRun run, List<ModuleOutcome> outcomes)
    {
        output.WriteLine($"configurations: {string.Join(", ", run.Configurations.Select(c => c.Name))}; tiers not available: {string.Join(", ", run.UnavailableTiers.Select(t => t.ToString()).DefaultIfEmpty("none"))}");
        IEnumerable<string> lines = outcomes.SelectMany(o => o.Traces[nameof(Tier.Interpreter)]).ToList();
        output.WriteLine($"activations moved up by on-stack replacement (all runs so far): {OsrCount.Total}");
        output.WriteLine($"modules: {outcomes.Count}, rejected by Kiln: {outcomes.Count(o => o.Traces[nameof(Tier.Interpreter)][0].StartsWith("invalid", StringComparison.Ordinal))}");
        output.WriteLine($"calls: {lines.Count(l => l.StartsWith("call ", StringComparison.Ordinal))}, results: {lines.Count(l => l.StartsWith("result", StringComparison.Ordinal))}, logged values: {lines.Count(l => l.StartsWith("log ", StringComparison.Ordinal))}");
        foreach (IGrouping<string, string> g in lines.Where(l => l.StartsWith("trap ", StringComparison.Ordinal)).GroupBy(l => l).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {g.Key}: {g.Count()}");
        }
        output.WriteLine($"modules whose comparison ended at a memory hash NaN bits may explain (no --denan): {outcomes.Count(o => o.StoppedAtNanMemory)}");
        foreach (ModuleOutcome o in outcomes.Where(o => o.Unsupported.Count > 0))
        {
            output.WriteLine($"{Path.GetFileName(o.ModulePath)} unsupported: {string.Join("; ", o.Unsupported)}");
        }
    }

    private static ulong EnvNumber(string name, ulong fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? ulong.Parse(text, CultureInfo.InvariantCulture) : fallback;
}

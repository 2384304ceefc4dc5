using System.Globalization;
using Xunit.Abstractions;

using Kiln.Tests.Support;

namespace Kiln.Tests.Differential;

/// <summary>
/// Random-module differential testing: binaryen generates a valid module per seed, every Kiln
/// tier and V8 run it with the same calls, and the traces must agree (interpreter against V8,
/// other tiers against the interpreter). Doubles as fuzzing of Kiln's compilers, since every
/// module also goes through each tier's compiler. <c>KILN_FUZZ_SEEDS</c> sets the number of seeds
/// (default 200), <c>KILN_FUZZ_START</c> the first one; failing modules are kept in
/// <c>KILN_FUZZ_OUT</c> (default a temporary directory named in the failure).
/// </summary>
public sealed class RandomModuleTests(ITestOutputHelper output)
{
    [ToolFact("wasm-opt", "node")]
    public void RandomModulesAgreeAcrossTiersAndWithV8() =>
        CompareSeeds(EnvNumber("KILN_FUZZ_SEEDS", 200), EnvNumber("KILN_FUZZ_START", 1), simd: false);

    /// <summary>
    /// The same with SIMD: v128 locals, globals, parameters, loads and stores and every SIMD instruction binaryen's
    /// generator knows, logged through <c>log-v128</c>. <c>KILN_SIMD_FUZZ_SEEDS</c> sets the number of seeds (default 100).
    /// </summary>
    [ToolFact("wasm-opt", "node")]
    public void SimdRandomModulesAgreeAcrossTiersAndWithV8() =>
        CompareSeeds(EnvNumber("KILN_SIMD_FUZZ_SEEDS", 100), EnvNumber("KILN_FUZZ_START", 1), simd: true);

    private void CompareSeeds(ulong count, ulong start, bool simd)
    {
        string work = Directory.CreateTempSubdirectory("kiln-fuzz-").FullName;
        try
        {
            var seeds = new List<ulong>();
            for (ulong s = start; s < start + count; s++)
            {
                seeds.Add(s);
            }
            var modules = new FuzzModule[seeds.Count];
            Parallel.For(0, seeds.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                bool denan = UsesDenan(seeds[i]);
                modules[i] = new FuzzModule(RandomModuleGenerator.Generate(seeds[i], work, denan, Optimizes(seeds[i]), simd), denan);
            });

            var run = new DifferentialRun(work, TimeSpan.FromSeconds(20));
            List<ModuleOutcome> outcomes = run.Run(modules, withV8: true);
            Report(run, outcomes);

            List<ModuleOutcome> failed = outcomes.Where(o => o.Differences.Count > 0).ToList();
            if (failed.Count > 0)
            {
                string keep = Environment.GetEnvironmentVariable("KILN_FUZZ_OUT") ?? Directory.CreateTempSubdirectory("kiln-fuzz-failures-").FullName;
                Directory.CreateDirectory(keep);
                foreach (ModuleOutcome o in failed)
                {
                    string name = Path.GetFileNameWithoutExtension(o.ModulePath);
                    File.Copy(o.ModulePath, Path.Combine(keep, name + ".wasm"), overwrite: true);
                    foreach ((string engine, List<string> trace) in o.Traces)
                    {
                        File.WriteAllLines(Path.Combine(keep, $"{name}.{engine}.trace"), trace);
                    }
                }
                Assert.Fail($"{failed.Count} of {outcomes.Count} modules differ (modules and traces kept in {keep}):\n" +
                    string.Join("\n", failed.Select(o => $"{Path.GetFileName(o.ModulePath)}: {string.Join("; ", o.Differences)}")));
            }

            // A tier that refuses a module is a bailout, not a pass: every tier runs all of WebAssembly 2.0.
            List<ModuleOutcome> refused = outcomes.Where(o => o.Unsupported.Count > 0).ToList();
            Assert.True(refused.Count == 0, $"{refused.Count} modules refused:\n" +
                string.Join("\n", refused.Select(o => $"{Path.GetFileName(o.ModulePath)}: {string.Join("; ", o.Unsupported)}")));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
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

using System.CommandLine;
using Kiln.Cli.Wast;

namespace Kiln.Cli.Commands;

/// <summary>
/// <c>kiln wast [--tier T] [--expected-failures FILE] [--via-cache] [--osr-back-edges N] PATH...</c>: runs WebAssembly spec scripts and
/// prints a line per file, a line per command kind and, last, <c>wast: N passed, M failed</c>.
/// </summary>
internal static class WastCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = ".wast files or directories of them", Arity = ArgumentArity.OneOrMore };
        var tier = new Option<string>("--tier") { Description = "interp, baseline, opt or auto (auto tiers every function up on its first call, synchronously, so both tiers run each)", DefaultValueFactory = _ => "interp" };
        var expected = new Option<string?>("--expected-failures") { Description = "file listing the commands known to fail, with reasons" };
        var show = new Option<int>("--show") { Description = "failures to print per file", DefaultValueFactory = _ => 20 };
        var viaCache = new Option<bool>("--via-cache") { Description = "run every module from its serialized form (compiled tiers): tests the code cache" };
        var osr = new Option<int>("--osr-back-edges") { Description = "auto tier: move each loop's running baseline activation into optimized code (on-stack replacement) after N back edges (1: at the first)" };
        var command = new Command("wast", "Run WebAssembly spec test scripts (.wast)") { paths, tier, expected, show, viaCache, osr };
        command.SetAction(result => Run(
            result.GetValue(paths)!,
            result.GetValue(tier)!,
            result.GetValue(expected),
            result.GetValue(show),
            Console.Out,
            result.GetValue(viaCache),
            result.GetValue(osr)));
        return command;
    }

    public static int Run(IReadOnlyList<string> paths, string tierName, string? expectedFailuresPath, int show, TextWriter output, bool viaCache = false, int osrBackEdges = 0)
    {
        if (!TierNames.TryParse(tierName, out Tier tier))
        {
            Console.Error.WriteLine($"kiln wast: unknown tier '{tierName}' (use interp, baseline, opt or auto)");
            return 2;
        }
        if (viaCache && tier == Tier.Interpreter)
        {
            Console.Error.WriteLine("kiln wast: --via-cache needs a compiling tier (the interpreter produces no machine code)");
            return 2;
        }
        if (osrBackEdges < 0 || (osrBackEdges > 0 && tier != Tier.Auto))
        {
            Console.Error.WriteLine("kiln wast: --osr-back-edges takes a positive count and needs --tier auto");
            return 2;
        }
        foreach (string path in paths)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                // An option the parser does not know arrives here as a path.
                string hint = path.StartsWith('-') ? " (an unknown option? see kiln wast --help)" : "";
                Console.Error.WriteLine($"kiln wast: no such file or directory: {path}{hint}");
                return 2;
            }
        }
        if (expectedFailuresPath is not null && !File.Exists(expectedFailuresPath))
        {
            Console.Error.WriteLine($"kiln wast: no such expected-failures file: {expectedFailuresPath}");
            return 2;
        }
        ExpectedFailures expected = expectedFailuresPath is null ? ExpectedFailures.Empty : ExpectedFailures.Load(expectedFailuresPath);
        var results = new List<WastFileResult>();
        int unexpected = 0;
        using (var runner = new WastRunner(tier, viaCache, osrBackEdges))
        {
            foreach (string file in WastRunner.ExpandPaths(paths))
            {
                WastFileResult result = runner.RunFile(file);
                results.Add(result);
                int shown = 0;
                foreach (WastOutcome o in result.Outcomes)
                {
                    if (o.Passed || expected.IsExpected(result.FileName, o.Line))
                    {
                        continue;
                    }
                    unexpected++;
                    if (shown++ < show)
                    {
                        output.WriteLine($"{result.FileName}:{o.Line}: {o.Kind}: {o.Failure}");
                    }
                }
                if (shown > show)
                {
                    output.WriteLine($"{result.FileName}: ... {shown - show} more failures");
                }
            }
            if (runner.TieringStatistics is { } tiering)
            {
                output.WriteLine(tiering.Describe());
            }
            if (runner.OptimizingStatistics is { } stats)
            {
                output.WriteLine(stats.Describe());
            }
        }
        List<string> stale = expectedFailuresPath is null ? [] : expected.StalePassing(results).ToList();
        foreach (string s in stale)
        {
            output.WriteLine(s + " (remove it from the expected failures)");
        }

        foreach (WastFileResult r in results)
        {
            output.WriteLine($"{r.FileName}: {r.Passed} passed, {r.Failed} failed");
        }
        foreach (var group in results.SelectMany(r => r.Outcomes).GroupBy(o => o.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{group.Key}: {group.Count(o => o.Passed)} passed, {group.Count(o => !o.Passed)} failed");
        }
        int passed = results.Sum(r => r.Passed), failed = results.Sum(r => r.Failed);
        if (expectedFailuresPath is not null)
        {
            output.WriteLine($"expected failures: {failed - unexpected}; unexpected failures: {unexpected}; listed but passing: {stale.Count}");
        }
        output.WriteLine($"wast: {passed} passed, {failed} failed");
        bool ok = expectedFailuresPath is null ? failed == 0 : unexpected == 0 && stale.Count == 0;
        return ok ? 0 : 1;
    }
}

/// <summary>Command-line names of the tiers.</summary>
internal static class TierNames
{
    public static bool TryParse(string name, out Tier tier)
    {
        switch (name)
        {
            case "interp" or "interpreter":
                tier = Tier.Interpreter;
                return true;
            case "baseline":
                tier = Tier.Baseline;
                return true;
            case "opt" or "optimizing":
                tier = Tier.Optimizing;
                return true;
            case "auto":
                tier = Tier.Auto;
                return true;
            default:
                tier = default;
                return false;
        }
    }
}

using Kiln.Wasm;
using Kiln.Wasm.Text;

namespace Kiln.Cli.Wast;

/// <summary>Runs .wast scripts on one engine (one tier); each file gets a fresh store.</summary>
internal sealed class WastRunner : IDisposable
{
    private readonly Engine _engine;
    private readonly bool _viaCache;

    /// <param name="viaCache">Run every module from its serialized form (<see cref="Module.Serialize()"/>, then <see cref="Module.Deserialize(Engine, ReadOnlySpan{byte}, string?)"/>): the spec suite as a test of the code cache.</param>
    /// <param name="osrBackEdges">Auto: force on-stack replacement after this many back edges of each loop (<see cref="EngineOptions.OsrBackEdges"/>; 0: none).</param>
    public WastRunner(Tier tier, bool viaCache = false, int osrBackEdges = 0)
    {
        // Auto: every function moves up at its first call, compiled before that call goes on, so each function's
        // first call runs baseline code and the rest optimized code: both tiers and the switch meet every assertion.
        // With osrBackEdges, functions move up only through on-stack replacement instead: every loop's header moves
        // the running baseline activation into optimized code once the loop's arrivals (over all calls) pass the
        // count, and the function's later calls run optimized code (no sampling: which code runs when stays
        // deterministic). A loop run once per call thus switches at its second call's first arrival. A speculated
        // call_indirect site is compiled again without speculation at its first guard failure (found when the call
        // returns to the runner), so the replaced code is retired and freed throughout the run.
        _engine = new Engine(new EngineOptions
        {
            Tier = tier,
            TierUpThreshold = osrBackEdges > 0 ? int.MaxValue : 1,
            TierUpSynchronously = true,
            OnStackReplacement = osrBackEdges > 0,
            OsrBackEdges = osrBackEdges,
            RetierGuardFailures = 1,
        });
        _viaCache = viaCache;
    }

    /// <summary>On the auto tier, what moved up (null otherwise).</summary>
    public TieringStatistics? TieringStatistics => _engine.TieringStatistics;

    public void Dispose() => _engine.Dispose();

    /// <summary>On the optimizing tier, how many functions were optimized and how many fell back (null otherwise).</summary>
    public OptimizingStatistics? OptimizingStatistics => _engine.OptimizingStatistics;

    public WastFileResult RunFile(string path)
    {
        WastScript script;
        try
        {
            script = WastParser.ParseScript(File.ReadAllBytes(path), Path.GetFileName(path));
        }
        catch (WasmModuleException e)
        {
            return new WastFileResult(path, [WastOutcome.Fail("parse", e.Line, $"the script does not parse: {e.Message}")]);
        }
        var outcomes = new List<WastOutcome>(script.Commands.Count);
        using (var session = new ScriptSession(_engine, _viaCache))
        {
            foreach (WastCommand command in script.Commands)
            {
                outcomes.Add(session.Run(command));
            }
        }
        return new WastFileResult(path, outcomes);
    }

    /// <summary>Expands directories to their .wast files, sorted by name.</summary>
    public static IEnumerable<string> ExpandPaths(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (string file in Directory.GetFiles(path, "*.wast").OrderBy(f => f, StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                yield return path;
            }
        }
    }
}

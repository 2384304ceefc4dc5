namespace Kiln.Tests.Support;

/// <summary>
/// The engine configurations a per-tier test body runs on: the interpreter, the baseline compiler compiling every
/// function up front, the baseline compiling each function at its first call, the optimizing tier both ways, and
/// adaptive execution moving each function up at its first call or by on-stack replacement. One test body, every tier.
/// </summary>
internal static class TestTiers
{
    public static readonly string[] Names = ["interp", "baseline", "baseline-lazy", "opt", "opt-lazy", "auto", "auto-osr"];

    public static TheoryData<string> All => new(Names);

    public static EngineOptions Options(string tier) => tier switch
    {
        "interp" => new EngineOptions { Tier = Tier.Interpreter },
        "baseline" => new EngineOptions { Tier = Tier.Baseline },
        "baseline-lazy" => new EngineOptions { Tier = Tier.Baseline, Compilation = CompilationMode.Lazy },
        "opt" => new EngineOptions { Tier = Tier.Optimizing },
        "opt-lazy" => new EngineOptions { Tier = Tier.Optimizing, Compilation = CompilationMode.Lazy },
        // Every function moves up at its first call: its first activation runs baseline code, the others optimized code.
        // (No sampled on-stack replacement: which code runs when stays fixed.)
        "auto" => new EngineOptions { Tier = Tier.Auto, TierUpThreshold = 1, TierUpSynchronously = true, OnStackReplacement = false },
        // Functions move up only by on-stack replacement, forced at each loop's first back edge (over all calls): a
        // running baseline activation continues in optimized code at the loop header.
        "auto-osr" => new EngineOptions { Tier = Tier.Auto, TierUpThreshold = int.MaxValue, TierUpSynchronously = true, OsrBackEdges = 1 },
        _ => throw new ArgumentException($"unknown tier {tier}", nameof(tier)),
    };

    /// <summary>
    /// Whether the tier's code inlines small direct callees from the first call on (the optimizing tier), so a trap in
    /// such a callee shows the caller's frame only in the backtrace. Auto runs each function's first call, which
    /// these tests trap in, on baseline code.
    /// </summary>
    public static bool InlinesCalls(string tier) => tier is "opt" or "opt-lazy" && Kiln.Optimizing.OptimizingCompiler.InliningEnabled;
}

namespace Kiln.Tests.Support;

/// <summary>
/// The engine configurations a per-tier test body runs on: the interpreter, the baseline compiler compiling every
/// function up front, the baseline compiling each function at its first call, the optimizing tier both ways, and
/// adaptive execution moving each function up at its first call. One test body, every tier.
/// </summary>
internal static class TestTiers
{
    public static readonly string[] Names = ["interp", "baseline", "baseline-lazy", "opt", "opt-lazy", "auto"];

    public static TheoryData<string> All => new(Names);

    public static EngineOptions Options(string tier) => tier switch
    {
        "interp" => new EngineOptions { Tier = Tier.Interpreter },
        "baseline" => new EngineOptions { Tier = Tier.Baseline },
        "baseline-lazy" => new EngineOptions { Tier = Tier.Baseline, Compilation = CompilationMode.Lazy },
        "opt" => new EngineOptions { Tier = Tier.Optimizing },
        "opt-lazy" => new EngineOptions { Tier = Tier.Optimizing, Compilation = CompilationMode.Lazy },
        // Every function moves up at its first call: its first activation runs baseline code, the others optimized code.
        "auto" => new EngineOptions { Tier = Tier.Auto, TierUpThreshold = 1, TierUpSynchronously = true },
        _ => throw new ArgumentException($"unknown tier {tier}", nameof(tier)),
    };

    /// <summary>
    /// Whether the tier's code inlines small direct callees from the first call on (the optimizing tier), so a trap in
    /// such a callee shows the caller's frame only in the backtrace. Auto runs each function's first call, which
    /// these tests trap in, on baseline code.
    /// </summary>
    public static bool InlinesCalls(string tier) => tier is "opt" or "opt-lazy" && Kiln.Optimizing.OptimizingCompiler.InliningEnabled;
}

namespace Kiln;

/// <summary>Which execution tier compiles a module's functions.</summary>
public enum Tier
{
    /// <summary>Pre-translated code run by a C# loop; no native code, the reference semantics.</summary>
    Interpreter,
    /// <summary>One-pass x86-64 compiler: fast to compile, in the manner of V8's Liftoff.</summary>
    Baseline,
    /// <summary>
    /// SSA IR, optimization passes and a linear-scan register allocator, to x86-64; functions it cannot build IR for
    /// yet are compiled by the baseline compiler (<see cref="Engine.OptimizingStatistics"/> counts them).
    /// </summary>
    Optimizing,
    /// <summary>
    /// Adaptive: every function starts on the baseline, compiled on its first call; code counts its calls and loop
    /// entries, and a function past <see cref="EngineOptions.TierUpThreshold"/> is compiled by the optimizing tier
    /// on a background thread and installed for every instance (<see cref="Engine.TieringStatistics"/>).
    /// </summary>
    Auto,
}

namespace Kiln.Tiering;

/// <summary>
/// Speculation that stopped paying: a <c>call_indirect</c> site compiled to compare the table entry with the one
/// target its baseline profile saw, whose guard keeps failing (the program's target changed after the tier-up), is
/// marked megamorphic and its function compiled again without speculating there; the new code is installed through
/// the code table like any tier-up, and the old optimized code is retired (<see cref="RetiredCode"/>). The failure
/// counts live in the profiles' data memory, where the optimized code's slow path adds to them, so nothing is added
/// to the code: the counts are read at moments the runtime passes anyway, an outermost return from Wasm, a hot
/// function's tier-up request and the OSR sampler's tick (for a program that never returns to the host).
/// </summary>
internal static class Retiering
{
    /// <summary>
    /// Re-tiers of one function at most: each marks at least one site megamorphic for good, so the bound only stops a
    /// function with many sites from being compiled over and over as they fail one by one.
    /// </summary>
    public const int MaxRetiersPerFunction = 3;

    /// <summary>Checks the speculated sites of every live module of <paramref name="engine"/>; returns how many functions were queued.</summary>
    public static int Check(Engine engine)
    {
        // Cheap when nothing was ever speculated: one read.
        if (engine.TieringStatistics is not { } statistics || statistics.SpeculatedSites == 0 || !engine.TierUps!.ShouldCheckGuards())
        {
            return 0;
        }
        int queued = 0;
        foreach (Compiled.ModuleCode module in statistics.LiveModules())
        {
            queued += module.CheckGuardFailures();
        }
        return queued;
    }
}

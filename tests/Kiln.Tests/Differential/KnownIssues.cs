namespace Kiln.Tests.Differential;

/// <summary>
/// Differences between tiers found by the differential tests whose fix is not in yet, by tier. A
/// test that meets one asserts it still reproduces (so the entry has to go once it is fixed) and
/// says so in its output, instead of failing or being skipped silently.
/// </summary>
internal static class KnownIssues
{
    /// <summary>
    /// Host functions called from baseline code get <c>Caller.Instance == null</c>:
    /// <c>BaselineRuntime.ManagedCall</c> goes through <c>Executor.Call</c>, which calls
    /// <c>Executor.CallHost(callee, store, null, slots)</c>, so WASI finds no memory
    /// (Regressions/host-caller-instance.wat).
    /// </summary>
    public const string BaselineHostCallerInstance =
        "baseline: host functions called from compiled code get no calling instance (Caller.Instance is null)";

    public static string? For(Tier tier, string area) => (tier, area) switch
    {
        (Tier.Baseline, "host-caller") => BaselineHostCallerInstance,
        _ => null,
    };
}

using Kiln.Jit.Traps;

namespace Kiln;

/// <summary>The engine's bounds-check strategy, chosen once like the code-memory strategy: option, environment, default.</summary>
public sealed partial class Engine
{
    /// <summary>The environment variable that chooses the strategy when the options leave it at Auto: guard, explicit or auto.</summary>
    public const string BoundsChecksEnvironmentVariable = "KILN_BOUNDS_CHECKS";

    /// <summary>
    /// How this engine's compiled code checks linear-memory accesses: <see cref="BoundsCheckStrategy.GuardPages"/> or
    /// <see cref="BoundsCheckStrategy.Explicit"/> (never Auto). Fixed for the engine's life: its memories are reserved
    /// and its code compiled for it.
    /// </summary>
    public BoundsCheckStrategy BoundsChecks { get; }

    /// <summary>Why <see cref="BoundsChecks"/> is what it is (the option, the environment, or the default and why it fell back).</summary>
    public string BoundsCheckReason { get; }

    /// <summary>True when memories of this engine reserve the 32-bit index space plus the guard region.</summary>
    internal bool UsesGuardPages => BoundsChecks == BoundsCheckStrategy.GuardPages;

    private static (BoundsCheckStrategy Strategy, string Reason) ResolveBoundsChecks(EngineOptions options)
    {
        if (options.Tier == Tier.Interpreter)
        {
            return (BoundsCheckStrategy.Explicit, "interpreter tier: every access is checked in C#");
        }
        BoundsCheckStrategy requested = options.BoundsChecks;
        string source = "chosen by EngineOptions.BoundsChecks";
        if (requested == BoundsCheckStrategy.Auto)
        {
            string? environment = Environment.GetEnvironmentVariable(BoundsChecksEnvironmentVariable);
            requested = ParseEnvironment(environment);
            source = $"chosen by {BoundsChecksEnvironmentVariable}={environment?.Trim()}";
        }
        switch (requested)
        {
            case BoundsCheckStrategy.Explicit:
                return (BoundsCheckStrategy.Explicit, source);
            case BoundsCheckStrategy.GuardPages:
                // An explicit choice that cannot work is an error, never replaced silently.
                return TrapHandler.TryInstall(out string? refused)
                    ? (BoundsCheckStrategy.GuardPages, source)
                    : throw new UnsupportedFeatureException($"guard-page bounds checks ({source}) are unavailable: {refused}");
            default:
                if (!TrapHandler.TryInstall(out string? failure))
                {
                    return (BoundsCheckStrategy.Explicit, $"default fell back to explicit checks: {failure}");
                }
                // Without the address space for one guarded memory, every memory would fail to reserve.
                return Vm.LinearMemory.ProbeGuardedReservation() is { } noSpace
                    ? (BoundsCheckStrategy.Explicit, $"default fell back to explicit checks: {noSpace}")
                    : (BoundsCheckStrategy.GuardPages, "default: the guard-page trap handler is installed");
        }
    }

    internal static BoundsCheckStrategy ParseEnvironment(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => BoundsCheckStrategy.Auto,
        "guard" or "guard-pages" => BoundsCheckStrategy.GuardPages,
        "explicit" => BoundsCheckStrategy.Explicit,
        _ => throw new ArgumentException($"{BoundsChecksEnvironmentVariable}='{value}' is not a bounds-check strategy; use guard, explicit or auto."),
    };
}

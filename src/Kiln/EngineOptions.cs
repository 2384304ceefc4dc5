namespace Kiln;

/// <summary>
/// Settings shared by every store of an engine: the execution tier and the default resource limits.
/// A store may tighten the limits with <see cref="StoreLimits"/>.
/// </summary>
public sealed record EngineOptions
{
    public Tier Tier { get; init; } = Tier.Interpreter;

    /// <summary>Default limits for stores created from the engine.</summary>
    public StoreLimits Limits { get; init; } = new();

    /// <summary>When true, execution consumes fuel (one unit per call and per loop iteration) and traps when it runs out.</summary>
    public bool ConsumeFuel { get; init; }

    /// <summary>Baseline tier: compile every function up front (default) or each on its first call.</summary>
    public CompilationMode Compilation { get; init; } = CompilationMode.Eager;

    /// <summary>
    /// Baseline tier: defined functions (by function index) for which this returns true run on the
    /// interpreter instead; compiled and interpreted functions call each other through the same slots.
    /// Meant for testing tiers against each other.
    /// </summary>
    public Func<uint, bool>? InterpretFunction { get; init; }

    /// <summary>Told about every batch of machine code installed (perf, GDB and unwind registration).</summary>
    public ICodeObserver? CodeObserver { get; init; }
}

/// <summary>Resource limits applied to everything a store creates or runs.</summary>
public sealed record StoreLimits
{
    /// <summary>Most 64 KiB pages any one linear memory may have; memory.grow beyond it returns -1.</summary>
    public uint MaxMemoryPages { get; init; } = 65536;

    /// <summary>Most elements any one table may have; table.grow beyond it returns -1.</summary>
    public uint MaxTableElements { get; init; } = 10_000_000;

    /// <summary>Deepest nesting of Wasm calls before the "call stack exhausted" trap.</summary>
    public int MaxCallDepth { get; init; } = 20_000;

    /// <summary>Size of the interpreter's value stack in 8-byte slots (locals and operands of all active frames).</summary>
    public int ValueStackSlots { get; init; } = 1 << 20;
}

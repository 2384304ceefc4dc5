
namespace Kiln;

/// <summary>
/// Settings shared by every store of an engine: the execution tier and the default resource limits.
/// A store may tighten the limits with <see cref="StoreLimits"/>.
/// </summary>
public sealed record EngineOptions
{
    /// <summary>The execution tier; <see cref="DefaultTier"/> unless set.</summary>
    public Tier Tier { get; init; } = DefaultTier;

    /// <summary>
    /// <see cref="Tier.Auto"/> where Kiln generates code (x86-64 Linux): start on the baseline, move hot code up in the
    /// background; the interpreter elsewhere, so an engine with default options runs on every platform.
    /// </summary>
    public static Tier DefaultTier => GeneratesCode ? Tier.Auto : Tier.Interpreter;

    /// <summary>Whether the compiling tiers work in this process: they emit x86-64 code for Linux.</summary>
    public static bool GeneratesCode =>
        OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64;

    /// <summary>Default limits for stores created from the engine.</summary>
    public StoreLimits Limits { get; init; } = new();

    /// <summary>When true, execution consumes fuel (one unit per call and per loop iteration) and traps when it runs out.</summary>
    public bool ConsumeFuel { get; init; }

    /// <summary>
    /// When true (default), compiled code checks the store's interrupt flag at every function entry and loop header,
    /// so <see cref="Store.Interrupt"/> and <see cref="Store.InterruptOn"/> stop a runaway guest. False leaves the
    /// checks out (a load, compare and branch per loop iteration; the README gives the measured cost): for code whose
    /// run time is bounded some other way, such as fuel or a process limit. Those two methods then throw.
    /// </summary>
    public bool InterruptChecks { get; init; } = true;

    /// <summary>
    /// <see cref="Tier.Auto"/>: how many calls make a function hot, so that the optimizing tier compiles it; entering a
    /// loop counts as 64 calls. 1 tiers every function up at its first call (for tests).
    /// </summary>
    public int TierUpThreshold { get; init; } = 20_000;

    /// <summary>
    /// <see cref="Tier.Auto"/>: compile hot functions on the thread that found them hot, before it goes on, instead of
    /// on the background thread: slower, but which code runs when is deterministic (for tests).
    /// </summary>
    public bool TierUpSynchronously { get; init; }

    /// <summary>
    /// <see cref="Tier.Auto"/>: move a long-running baseline activation into optimized code at a loop header
    /// (on-stack replacement), so a function called once (a <c>main</c> with its loops inlined) still reaches the
    /// optimizing tier. Loops are found by sampling: every <see cref="Tiering.OsrSampler.Interval"/> the store's OSR
    /// poll is set, and the loop header that sees it counts a sample (this needs <see cref="InterruptChecks"/>, whose
    /// check at loop headers it rides on). True by default.
    /// </summary>
    public bool OnStackReplacement { get; init; } = true;

    /// <summary>
    /// <see cref="Tier.Auto"/> with <see cref="OnStackReplacement"/>: 0 (default) samples running loops; N &gt; 0 forces
    /// on-stack replacement deterministically instead, for tests: each loop header counts its arrivals (shared by all
    /// activations and instances of the module), and from the (N+1)-th on, an activation on the baseline moves into
    /// the loop's OSR entry (1: at the first back edge). With <see cref="TierUpSynchronously"/> the entry is compiled
    /// on the spot, so every point of switching is exercised.
    /// </summary>
    public int OsrBackEdges { get; init; }

    /// <summary>
    /// <see cref="Tier.Auto"/>: guard failures after which a speculated <c>call_indirect</c> site (one whose baseline
    /// profile showed one target, so the optimized code compares the table entry with it) counts as polymorphic: its
    /// function is compiled again without speculation at that site and the old optimized code is retired. At most
    /// <see cref="Tiering.Retiering.MaxRetiersPerFunction"/> times per function. 1 re-tiers at the first failure (for tests).
    /// </summary>
    public int RetierGuardFailures { get; init; } = 1000;

    /// <summary>Baseline tier: compile every function up front (default) or each on its first call.</summary>
    public CompilationMode Compilation { get; init; } = CompilationMode.Eager;

    /// <summary>
    /// Baseline tier, eager mode: threads that compile a module's functions (each a range of
    /// functions into its own assembler; the batch is still sealed once). 0 (default) uses one per
    /// processor for modules with at least 512 KiB of code and the calling thread otherwise.
    /// </summary>
    public int CompilationThreads { get; init; }

    /// <summary>
    /// Baseline tier: defined functions (by function index) for which this returns true run on the
    /// interpreter instead; compiled and interpreted functions call each other through the same slots.
    /// Meant for testing tiers against each other.
    /// </summary>
    public Func<uint, bool>? InterpretFunction { get; init; }

    /// <summary>
    /// Compiled tiers: how linear-memory accesses are bounds-checked. <see cref="BoundsCheckStrategy.Auto"/> (default)
    /// uses guard pages on Linux x86-64 and explicit checks elsewhere; <see cref="Engine.BoundsChecks"/> says which
    /// one the engine uses and <see cref="Engine.BoundsCheckReason"/> why. An explicit
    /// <see cref="BoundsCheckStrategy.GuardPages"/> that cannot work here is an error, never replaced silently.
    /// </summary>
    public BoundsCheckStrategy BoundsChecks { get; init; } = BoundsCheckStrategy.Auto;

    /// <summary>Told about every batch of machine code installed (perf, GDB and unwind registration).</summary>
    public ICodeObserver? CodeObserver { get; init; }

    /// <summary>
    /// Compiled tiers: name compiled code for perf. <see cref="CodeProfiler.PerfMap"/> writes <c>/tmp/perf-PID.map</c>
    /// (and makes the engine use mprotect code memory; refused when <c>DOTNET_PerfMapEnabled</c> is 1 or 3);
    /// <see cref="CodeProfiler.JitDump"/> writes <c>jit-PID.dump</c> for <c>perf inject --jit</c> (in
    /// <c>$KILN_JITDUMP_DIR</c> or a new <c>~/.debug/jit/kiln-*</c> directory). Off by default, at no cost.
    /// </summary>
    public CodeProfiler Profiler { get; init; } = CodeProfiler.None;

    /// <summary>
    /// Compiled tiers: register compiled code with GDB (symbols, unwind info) and its unwind info with the system
    /// unwinder, so <c>break module!function</c> and <c>bt</c> work. Makes the engine use mprotect code memory.
    /// </summary>
    public bool DebugInfo { get; init; }

    /// <summary>
    /// Compiled tiers: a secret key for serialized modules. When set, <see cref="Module.Serialize()"/> ends the file with
    /// an HMAC-SHA256 under this key instead of a plain SHA-256, and <see cref="Module.Deserialize(Engine, ReadOnlySpan{byte}, string?)"/>
    /// accepts only files whose HMAC matches. A plain hash catches corruption, not someone who can rewrite the file and
    /// its hash; the key makes loading machine code from a file as trustworthy as the place the key is kept. Null
    /// (default): no key. The options keep a copy of the array they are given.
    /// </summary>
    public byte[]? CodeCacheKey
    {
        get => _codeCacheKey;
        init => _codeCacheKey = value?.ToArray();
    }

    private readonly byte[]? _codeCacheKey;
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

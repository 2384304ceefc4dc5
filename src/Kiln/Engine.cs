using System.Collections.Concurrent;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// The root of a Kiln embedding: holds the options and the engine-wide signature registry, so
/// modules compiled by one engine share type ids and can call each other indirectly. Thread-safe;
/// create one per process and share it.
/// </summary>
public sealed partial class Engine : IDisposable
{
    private readonly ConcurrentDictionary<FuncType, int> _signatures = new();
    private int _nextSignature;
    private readonly Jit.CodeMemory? _codeMemory;
    private readonly EngineDiagnostics? _diagnostics;

    public Engine(EngineOptions? options = null)
    {
        Options = options ?? new EngineOptions();
        if (Options.Tier is not (Tier.Interpreter or Tier.Baseline or Tier.Optimizing or Tier.Auto))
        {
            throw new UnsupportedFeatureException($"tier {Options.Tier} is not available");
        }
        if (Options.TierUpThreshold < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.TierUpThreshold, "TierUpThreshold must be at least 1");
        }
        if (Options.RetierGuardFailures < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.RetierGuardFailures, "RetierGuardFailures must be at least 1");
        }
        if (Options.OsrBackEdges < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.OsrBackEdges, "OsrBackEdges must not be negative");
        }
        (BoundsChecks, BoundsCheckReason) = ResolveBoundsChecks(Options);
        if (Options.Tier is Tier.Baseline or Tier.Optimizing or Tier.Auto)
        {
            if (!EngineOptions.GeneratesCode)
            {
                throw new UnsupportedFeatureException($"the {Options.Tier.ToString().ToLowerInvariant()} tier generates x86-64 code for Linux only");
            }
            OptimizingStatistics = Options.Tier is Tier.Optimizing or Tier.Auto ? new OptimizingStatistics() : null;
            if (Options.Tier == Tier.Auto)
            {
                TieringStatistics = new TieringStatistics();
                TierUps = new Tiering.TierUpQueue(this, TieringStatistics);
                RetiredCode = new Tiering.RetiredCode(new Tiering.CodeEpochs(), TieringStatistics);
                // Sampled OSR rides on the interrupt word, so it needs interrupt checks; forced OSR counts back edges.
                if (Options.OnStackReplacement && Options.OsrBackEdges == 0 && Options.InterruptChecks)
                {
                    OsrSampler = new Tiering.OsrSampler(CheckGuardFailures);
                }
            }
            (CodeObserver, _diagnostics) = EngineDiagnostics.Create(Options);
            // Perf maps and GDB breakpoints need anonymous memory sealed with mprotect; otherwise the default (or KILN_CODE_MEMORY).
            _codeMemory = CreateCodeMemory(EngineDiagnostics.OptionsFor(Options).RequiredCodeMemoryStrategy);
            ManagedCallStub = Compiled.EngineStubs.Create(this);
        }
    }

    public EngineOptions Options { get; }

    /// <summary>On the optimizing tier: how many functions it optimized and how many fell back to the baseline compiler, and why; null on other tiers.</summary>
    public OptimizingStatistics? OptimizingStatistics { get; }

    /// <summary>On <see cref="Tier.Auto"/>: hot functions moved to the optimizing tier, batches, background compile time; null on other tiers.</summary>
    public TieringStatistics? TieringStatistics { get; }

    /// <summary>Code replaced by tier-up, freed once no thread can run it (<see cref="Tier.Auto"/> only).</summary>
    internal Tiering.RetiredCode? RetiredCode { get; }

    /// <summary>The queue of hot functions and its background compiler (<see cref="Tier.Auto"/> only).</summary>
    internal Tiering.TierUpQueue? TierUps { get; }

    /// <summary>Sets the OSR poll of the engine's stores now and then (<see cref="Tier.Auto"/> with sampled OSR only).</summary>
    internal Tiering.OsrSampler? OsrSampler { get; }

    /// <summary>
    /// Whether baseline code gets an on-stack-replacement path at its loop headers (<see cref="Tier.Auto"/>): sampled
    /// (interrupt checks on) or forced by <see cref="EngineOptions.OsrBackEdges"/>.
    /// </summary>
    internal bool UsesOsr => Options.Tier == Tier.Auto && Options.OnStackReplacement && (Options.OsrBackEdges > 0 || Options.InterruptChecks);

    /// <summary>Re-tiers optimized functions whose speculated call_indirect sites keep failing (<see cref="Tiering.Retiering"/>).</summary>
    internal void CheckGuardFailures()
    {
        try
        {
            Tiering.Retiering.Check(this);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Re-tiering is an optimization: the installed code stays correct whatever happens here.
        }
    }

    /// <summary>Code memory for compiled tiers (null for the interpreter).</summary>
    internal Jit.CodeMemory CodeMemory => _codeMemory ?? throw new InvalidOperationException("the interpreter tier has no code memory");

    /// <summary>The observer compilers tell about sealed code: the diagnostics (which pass it on) or the embedder's own.</summary>
    internal ICodeObserver? CodeObserver { get; }

    /// <summary>Which profiler and debugger integrations are on, and where their files are ("off" when none).</summary>
    public string DescribeDiagnostics() => _diagnostics?.Describe() ?? "off";

    /// <summary>Native entry of managed (host and interpreted) functions for compiled callers; 0 on the interpreter tier.</summary>
    internal nint ManagedCallStub { get; }

    /// <summary>
    /// A compiler of the engine's tier for one module (<see cref="Compiled.ModuleCode"/> asks for one per compiling
    /// thread). Every tier's output is a tier-neutral <see cref="Compiled.CompiledChunk"/>; this is the one place
    /// that names the tiers.
    /// </summary>
    internal Compiled.IFunctionCompiler CreateCompiler(Compiled.CompilerSetup setup) => Options.Tier switch
    {
        Tier.Baseline => Baseline.BaselineCompiler.Create(setup, Jit.X64.CpuFeatures.Host),
        Tier.Optimizing => new Optimizing.OptimizingCompiler(setup, Jit.X64.CpuFeatures.Host, OptimizingStatistics),
        // Auto starts every function on the baseline, counting calls and loop entries toward the tier-up.
        Tier.Auto => Baseline.BaselineCompiler.Create(setup, Jit.X64.CpuFeatures.Host, hotnessCounters: true, osr: UsesOsr ? Options.OsrBackEdges : -1),
        _ => throw new InvalidOperationException($"tier {Options.Tier} produces no machine code"),
    };

    /// <summary>
    /// The optimizing compiler that hot functions move to (<see cref="Tier.Auto"/>): functions it cannot optimize are
    /// left out of its chunks, since their baseline code is already installed.
    /// </summary>
    internal Optimizing.OptimizingCompiler CreateTierUpCompiler(Compiled.CompilerSetup setup, Compiled.ICallSiteProfileReader? profiles) =>
        new Optimizing.OptimizingCompiler(setup, Jit.X64.CpuFeatures.Host, OptimizingStatistics) { OmitRefused = true, Profiles = profiles };

    /// <summary>Whether the engine's tier compiles to machine code (and modules get a <see cref="Compiled.ModuleCode"/>).</summary>
    internal bool Compiles => Options.Tier != Tier.Interpreter;

    /// <summary>The engine-wide id of a function type: equal types get equal ids (call_indirect compares ids).</summary>
    internal int GetSignatureId(FuncType type) =>
        _signatures.GetOrAdd(type, static (_, self) => Interlocked.Increment(ref self._nextSignature), this);

    /// <summary>Frees all machine code of the engine's modules; nothing compiled by it may run afterwards.</summary>
    public void Dispose()
    {
        // The background compiler must be done with code memory before it goes.
        OsrSampler?.Dispose();
        TierUps?.Dispose();
        // Debuggers and unwinders must forget the code before its pages are unmapped.
        _diagnostics?.Dispose();
        _codeMemory?.Dispose();
    }
}

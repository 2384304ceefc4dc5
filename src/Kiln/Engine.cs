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
        if (Options.Tier is not (Tier.Interpreter or Tier.Baseline or Tier.Optimizing))
        {
            throw new UnsupportedFeatureException($"tier {Options.Tier} is not available");
        }
        (BoundsChecks, BoundsCheckReason) = ResolveBoundsChecks(Options);
        if (Options.Tier is Tier.Baseline or Tier.Optimizing)
        {
            if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            {
                throw new UnsupportedFeatureException($"the {(Options.Tier == Tier.Baseline ? "baseline" : "optimizing")} tier generates x86-64 code for Linux only");
            }
            OptimizingStatistics = Options.Tier == Tier.Optimizing ? new OptimizingStatistics() : null;
            (CodeObserver, _diagnostics) = EngineDiagnostics.Create(Options);
            // Perf maps and GDB breakpoints need anonymous memory sealed with mprotect; otherwise the default (or KILN_CODE_MEMORY).
            _codeMemory = CreateCodeMemory(EngineDiagnostics.OptionsFor(Options).RequiredCodeMemoryStrategy);
            ManagedCallStub = Compiled.EngineStubs.Create(this);
        }
    }

    public EngineOptions Options { get; }

    /// <summary>On the optimizing tier: how many functions it optimized and how many fell back to the baseline compiler, and why; null on other tiers.</summary>
    public OptimizingStatistics? OptimizingStatistics { get; }

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
        Tier.Baseline => new Baseline.BaselineCompiler(setup.Spaces, setup.ConsumeFuel, Jit.X64.CpuFeatures.Host)
        {
            RecordsLines = setup.RecordsLines,
            InterruptChecks = setup.InterruptChecks,
            GuardPages = setup.GuardPages,
            Interpreted = setup.Interpreted,
        },
        Tier.Optimizing => new Optimizing.OptimizingCompiler(setup, Jit.X64.CpuFeatures.Host, OptimizingStatistics),
        _ => throw new InvalidOperationException($"tier {Options.Tier} produces no machine code"),
    };

    /// <summary>Whether the engine's tier compiles to machine code (and modules get a <see cref="Compiled.ModuleCode"/>).</summary>
    internal bool Compiles => Options.Tier != Tier.Interpreter;

    /// <summary>The engine-wide id of a function type: equal types get equal ids (call_indirect compares ids).</summary>
    internal int GetSignatureId(FuncType type) =>
        _signatures.GetOrAdd(type, static (_, self) => Interlocked.Increment(ref self._nextSignature), this);

    /// <summary>Frees all machine code of the engine's modules; nothing compiled by it may run afterwards.</summary>
    public void Dispose()
    {
        // Debuggers and unwinders must forget the code before its pages are unmapped.
        _diagnostics?.Dispose();
        _codeMemory?.Dispose();
    }
}

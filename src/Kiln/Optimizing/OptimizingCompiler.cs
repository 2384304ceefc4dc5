using Kiln.Baseline;
using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Optimizing.Codegen;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;

namespace Kiln.Optimizing;

/// <summary>
/// The optimizing tier as an <see cref="IFunctionCompiler"/>: per function, <see cref="SsaBuilder"/>, then
/// <see cref="PassPipeline.Default"/>, then <see cref="RegisterAllocator"/> and <see cref="CodeEmitter"/>. A function the
/// builder refuses (<see cref="UnsupportedFeatureException"/>: an instruction or type the IR does not model yet) or
/// whose SSA construction would nest too deep (<see cref="ResourceLimitException"/>) is compiled by the baseline
/// compiler instead, into the same assembler: one batch holds code of both compilers, sharing the constant pool, and
/// each compiler emits its own trap stubs. The choice is counted in <see cref="OptimizingStatistics"/> with the reason,
/// so a fallback is never mistaken for coverage.
/// </summary>
internal sealed class OptimizingCompiler : IFunctionCompiler
{
    private readonly BaselineCompiler _baseline;
    private readonly SsaBuilder _builder;
    private readonly CodeEmitter _emitter;
    private readonly OptimizingStatistics? _statistics;
    private readonly Assembler _asm;
    private readonly Kiln.FrontEnd.IndexSpaces _spaces;

    /// <summary>
    /// Bodies larger than this go to the baseline compiler: SSA construction and liveness grow faster than linearly
    /// with the number of locals and joins, and such functions (interpreter loops, generated tables) are where
    /// compile time matters most. Measured on ruby.wasm, whose largest bodies take seconds each otherwise.
    /// </summary>
    public const int MaxBodyBytes = 32 * 1024;

    /// <summary>The second limit, once the IR exists: values times blocks, what liveness may cost.</summary>
    public const long MaxValuesTimesBlocks = 20_000_000;

    public OptimizingCompiler(CompilerSetup setup, CpuFeatures features, OptimizingStatistics? statistics)
    {
        _statistics = statistics;
        _baseline = BaselineCompiler.Create(setup, features);
        _asm = _baseline.Assembler;
        _spaces = setup.Spaces;
        _builder = new SsaBuilder(setup.Spaces);
        _emitter = new CodeEmitter(_asm, setup.Spaces, setup.ConsumeFuel, setup.GuardPages, setup.Interpreted, setup.RecordsLines)
        {
            InterruptChecks = setup.InterruptChecks,
        };
    }

    /// <summary>
    /// Leave out the functions the pipeline refuses instead of compiling them with the baseline (tier-up: their
    /// baseline code is installed already). The chunk then lists only the optimized functions.
    /// </summary>
    public bool OmitRefused { get; init; }

    /// <summary>Functions of the last <see cref="Compile(ReadOnlySpan{int})"/> that went through the optimizing pipeline (the rest fell back).</summary>
    public int LastOptimized { get; private set; }

    public CompiledChunk Compile(ReadOnlySpan<int> definedIndices) => Compile(definedIndices, []);

    /// <summary>
    /// <see cref="Compile(ReadOnlySpan{int})"/> plus on-stack-replacement entries (<see cref="Tier.Auto"/>): for each
    /// (function, loop number, loop's body offset) the function built as an OSR entry for that loop
    /// (<see cref="SsaBuilder.Build(int, int)"/>), compiled like any function and listed with
    /// <see cref="CompiledFunction.OsrLoop"/> set. An entry the pipeline refuses is left out (never the baseline's).
    /// </summary>
    public CompiledChunk Compile(ReadOnlySpan<int> definedIndices, ReadOnlySpan<(int DefinedIndex, int Loop, int Offset)> osrEntries)
    {
        _baseline.BeginBatch();
        _baseline.ResetTrapSites();
        _emitter.BeginBatch();
        LastOptimized = 0;
        var functions = new List<CompiledFunction>(definedIndices.Length);
        foreach (int i in definedIndices)
        {
            IrFunction? ir = TryBuild(i, out string? reason);
            if (ir is null)
            {
                _statistics?.RecordFallback(reason!);
                if (OmitRefused)
                {
                    continue;
                }
                int start = _baseline.CompileFunction(i, out int patch, out int frame);
                int end = _asm.Position;
                functions.Add(new CompiledFunction(i, start, end, patch, frame, _baseline.TakeLines(end - start), _baseline.LastFrame(end - start)));
                continue;
            }
            Allocation alloc = RegisterAllocator.Run(ir, _emitter.AllocatableGprs, CodeEmitter.AllocatableXmms);
            int s = _emitter.EmitFunction(ir, alloc, i, out CodeFrame codeFrame, out int frameSize, out CodeLine[]? lines);
            functions.Add(new CompiledFunction(i, s, _asm.Position, -1, frameSize, lines, codeFrame));
            _statistics?.RecordOptimized();
            LastOptimized++;
        }
        foreach ((int i, int loop, int offset) in osrEntries)
        {
            IrFunction? ir = TryBuild(i, out string? reason, offset);
            if (ir is null)
            {
                _statistics?.RecordFallback(reason!);
                continue;
            }
            Allocation alloc = RegisterAllocator.Run(ir, _emitter.AllocatableGprs, CodeEmitter.AllocatableXmms);
            int s = _emitter.EmitFunction(ir, alloc, i, out CodeFrame codeFrame, out int frameSize, out CodeLine[]? lines);
            functions.Add(new CompiledFunction(i, s, _asm.Position, -1, frameSize, lines, codeFrame) { OsrLoop = loop });
        }
        int[] optSites = _emitter.EndBatch(out int optRecovery);
        _baseline.EndBatch();
        int[] baseSites = _baseline.TakeTrapSites(out int baseRecovery);
        // Both recovery stubs raise the same out-of-bounds trap with r15 = vmctx; one serves every site of the chunk.
        int[] sites = [.. optSites, .. baseSites];
        Array.Sort(sites);
        var chunk = new CompiledChunk(_asm.ToAssembledCode())
        {
            TrapSites = sites,
            TrapRecovery = sites.Length == 0 ? -1 : optRecovery >= 0 ? optRecovery : baseRecovery,
        };
        chunk.Functions.AddRange(functions);
        return chunk;
    }

    /// <summary>The optimized IR of a function, or null with the reason the builder refused it.</summary>
    private IrFunction? TryBuild(int definedIndex, out string? reason, int osrLoopOffset = -1)
    {
        reason = null;
        int bodyBytes = _spaces.Module.Bodies[definedIndex].Code.Length;
        if (bodyBytes > MaxBodyBytes)
        {
            reason = $"optimizing tier: function bodies over {MaxBodyBytes / 1024} KiB are left to the baseline compiler";
            return null;
        }
        try
        {
            IrFunction f = _builder.Build(definedIndex, osrLoopOffset);
            if ((long)f.ValueCount * f.Layout.Count > MaxValuesTimesBlocks)
            {
                // Liveness costs up to values × blocks: a huge function would take seconds to allocate.
                reason = $"optimizing tier: functions with values × blocks over {MaxValuesTimesBlocks:N0} are left to the baseline compiler";
                return null;
            }
            PassPipeline.RunUnverified(f, PassPipeline.Default);
            if (!CodeEmitter.CanEmit(f, _asm.Features, out reason))
            {
                return null;
            }
            return f;
        }
        catch (UnsupportedFeatureException e)
        {
            reason = e.Message;
            return null;
        }
        catch (ResourceLimitException e)
        {
            reason = e.Message;
            return null;
        }
    }
}

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
    private readonly CalleeCache? _callees;
    private readonly CallSiteProfiles? _profileLayout;
    private readonly Dictionary<int, int> _guardFailureEntries = [];
    /// <summary>The register allocator's working storage, reused from one function to the next.</summary>
    private readonly RegisterAllocator.Buffers _allocatorBuffers = new();
    private int _lastSpeculated;

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
        _profileLayout = setup.Profiles;
        _builder = new SsaBuilder(setup.Spaces);
        _emitter = new CodeEmitter(_asm, setup.Spaces, setup.ConsumeFuel, setup.GuardPages, setup.Interpreted, setup.RecordsLines)
        {
            InterruptChecks = setup.InterruptChecks,
        };
        // Fuel counts function entries, which inlining removes (Inliner).
        if (InliningEnabled && !setup.ConsumeFuel)
        {
            _callees = new CalleeCache(this, setup.Interpreted);
        }
    }

    /// <summary>
    /// Whether the pipeline inlines small direct callees (<see cref="Inliner"/>); <c>KILN_INLINE=0</c> turns it off, to
    /// measure what it gains.
    /// </summary>
    internal static bool InliningEnabled { get; } = Environment.GetEnvironmentVariable("KILN_INLINE") != "0";

    /// <summary>Bodies larger than this are not even built as inlining candidates (the IR limit is <see cref="Inliner.MaxCalleeInsts"/>).</summary>
    public const int MaxInlineBodyBytes = 160;

    /// <summary>
    /// Leave out the functions the pipeline refuses instead of compiling them with the baseline (tier-up: their
    /// baseline code is installed already). The chunk then lists only the optimized functions.
    /// </summary>
    public bool OmitRefused { get; init; }

    /// <summary>
    /// <see cref="Tier.Auto"/>: the call_indirect targets baseline code saw (<see cref="CallSiteProfiles"/>). A site that
    /// saw one function of the right type is compiled to compare the table entry with it and call (or inline) it
    /// directly when they match (<see cref="Speculate"/>).
    /// </summary>
    public ICallSiteProfileReader? Profiles { get; init; }

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
        int speculated = 0;
        var functions = new List<CompiledFunction>(definedIndices.Length);
        CompilePhases? phases = CompilePhases.Current;
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
                var fallback = CompilePhases.Start(phases, "", "baseline fallback");
                int start = _baseline.CompileFunction(i, out int patch, out int frame);
                int end = _asm.Position;
                functions.Add(new CompiledFunction(i, start, end, patch, frame, _baseline.TakeLines(end - start), _baseline.LastFrame(end - start)));
                fallback.End();
                continue;
            }
            speculated += _lastSpeculated;
            _emitter.GuardFailureEntries = _guardFailureEntries.Count > 0 ? _guardFailureEntries : null;
            var allocating = CompilePhases.Start(phases, "", "register allocation");
            Allocation alloc = RegisterAllocator.Run(ir, _emitter.AllocatableGprs, CodeEmitter.AllocatableXmmsFor(ir), _allocatorBuffers);
            var emitting = CompilePhases.Start(phases, "", "emission");
            int s = _emitter.EmitFunction(ir, alloc, i, out CodeFrame codeFrame, out int frameSize, out CodeLine[]? lines);
            functions.Add(new CompiledFunction(i, s, _asm.Position, -1, frameSize, lines, codeFrame));
            // Built for this function alone (callees the inliner keeps are built separately): its storage serves the next.
            _builder.Recycle(ir);
            allocating.End(emitting);
            emitting.End();
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
            Allocation alloc = RegisterAllocator.Run(ir, _emitter.AllocatableGprs, CodeEmitter.AllocatableXmmsFor(ir), _allocatorBuffers);
            int s = _emitter.EmitFunction(ir, alloc, i, out CodeFrame codeFrame, out int frameSize, out CodeLine[]? lines);
            functions.Add(new CompiledFunction(i, s, _asm.Position, -1, frameSize, lines, codeFrame) { OsrLoop = loop });
            _builder.Recycle(ir);
        }
        var finishing = CompilePhases.Start(phases, "", "batch end");
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
            SpeculatedCallSites = speculated,
        };
        chunk.Functions.AddRange(functions);
        finishing.End();
        return chunk;
    }

    /// <summary>
    /// Speculation on call_indirect targets (<see cref="Tier.Auto"/>), on the IR as built, before inlining: each site
    /// whose profile names one function whose type is the site's (structurally, as signature ids compare) becomes
    /// <c>g = call_indirect_guard t, fnF, index; brif g, fast, slow</c>, where <c>fast</c> calls F directly (a call the
    /// inliner may then replace by F's body) and <c>slow</c> is the original call_indirect, counting its guard
    /// failures (<see cref="CodeEmitter.GuardFailureEntries"/>); both jump to the rest of the block, whose parameters
    /// take the call's results. Returns how many sites were rewritten.
    /// </summary>
    private int Speculate(IrFunction f, int definedIndex, Dictionary<int, int> failureEntries)
    {
        if (Profiles is null || _profileLayout is null || _spaces.Module.Bodies[definedIndex].CallIndirectOffsets is null)
        {
            return 0;
        }
        var sites = new List<(int Inst, int Target, int Entry)>();
        foreach (int b in f.Layout)
        {
            foreach (int inst in f.Block(b).Insts)
            {
                ref InstData d = ref f.Inst(inst);
                if (d.Op != Op.CallIndirect)
                {
                    continue;
                }
                int offset = f.SourceOffset(inst);
                int entry = _profileLayout.EntryOffset(definedIndex, offset);
                int target = entry < 0 ? -1 : Profiles.MonomorphicTarget(definedIndex, offset);
                if (target >= 0 && _spaces.FunctionTypes[target].Equals(_spaces.Module.Types[d.Imm2]))
                {
                    sites.Add((inst, target, entry));
                }
            }
        }
        foreach ((int inst, int target, int entry) in sites)
        {
            GuardCall(f, inst, target);
            failureEntries[inst] = entry;
        }
        return sites.Count;
    }

    /// <summary>Splits <paramref name="call"/>'s block into the guard, the direct call of <paramref name="target"/>, the generic call and the rest.</summary>
    private static void GuardCall(IrFunction f, int call, int target)
    {
        int block = f.Inst(call).Block;
        List<int> insts = f.Block(block).Insts;
        int at = insts.IndexOf(call);
        int[] operands = f.Args(call).ToArray();
        int[] results = f.ResultValues(call).ToArray();
        int saved = f.CurrentSourceOffset;
        f.CurrentSourceOffset = f.SourceOffset(call);

        int join = f.CreateBlock();
        int[] map = f.IdentityMap();
        foreach (int r in results)
        {
            map[r] = f.AddBlockParam(join, f.Value(r).Type);
        }
        for (int i = at + 1; i < insts.Count; i++)
        {
            f.Append(join, insts[i]);
        }
        insts.RemoveRange(at, insts.Count - at);

        int guard = f.CreateInst(Op.CallIndirectGuard, IrType.I32, [operands[^1]], f.Inst(call).Imm);
        f.Inst(guard).Imm2 = target;
        int hit = f.AddResult(guard, IrType.I32);
        f.Append(block, guard);
        int fast = f.CreateBlock();
        int slow = f.CreateBlock();
        int branch = f.CreateInst(Op.Brif, IrType.I32, [hit]);
        f.AddTarget(branch, fast, []);
        f.AddTarget(branch, slow, []);
        f.Append(block, branch);

        int direct = f.CreateInst(Op.Call, IrType.I32, operands.AsSpan(0, operands.Length - 1), target);
        f.Inst(direct).Aux = f.Inst(call).Aux;
        var directResults = new int[results.Length];
        for (int i = 0; i < results.Length; i++)
        {
            directResults[i] = f.AddResult(direct, f.Value(results[i]).Type);
        }
        f.Append(fast, direct);
        int toJoin = f.CreateInst(Op.Jump, IrType.I32, []);
        f.AddTarget(toJoin, join, directResults);
        f.Append(fast, toJoin);

        f.Append(slow, call);
        int pos = f.Layout.IndexOf(block) + 1;
        f.Layout.InsertRange(pos, [fast, slow, join]);
        // Later uses of the results read the join's parameters; the generic call passes its own results there.
        f.RewriteUses(map);
        int fromSlow = f.CreateInst(Op.Jump, IrType.I32, []);
        f.AddTarget(fromSlow, join, results);
        f.Append(slow, fromSlow);
        f.CurrentSourceOffset = saved;
    }

    /// <summary>The optimized IR of a function, or null with the reason the builder refused it.</summary>
    private IrFunction? TryBuild(int definedIndex, out string? reason, int osrLoopOffset = -1)
    {
        if (_callees is not null)
        {
            _callees.Caller = _spaces.ImportedFunctionCount + definedIndex;
        }
        _guardFailureEntries.Clear();
        _lastSpeculated = 0;
        return TryBuild(definedIndex, _callees, _guardFailureEntries, out reason, osrLoopOffset);
    }

    private IrFunction? TryBuild(int definedIndex, IInlineSource? inlining, Dictionary<int, int>? speculation, out string? reason, int osrLoopOffset = -1)
    {
        reason = null;
        int bodyBytes = _spaces.Module.Bodies[definedIndex].Code.Length;
        if (bodyBytes > MaxBodyBytes)
        {
            reason = $"optimizing tier: function bodies over {MaxBodyBytes / 1024} KiB are left to the baseline compiler";
            return null;
        }
        // Callees the inliner asks for are built inside its phase; their own phases are named apart.
        CompilePhases? phases = CompilePhases.Current;
        string prefix = inlining is null && speculation is null ? "callee " : "";
        var building = CompilePhases.Start(phases, prefix, "build");
        try
        {
            IrFunction f = _builder.Build(definedIndex, osrLoopOffset);
            if ((long)f.ValueCount * f.Layout.Count > MaxValuesTimesBlocks)
            {
                // Liveness costs up to values × blocks: a huge function would take seconds to allocate.
                reason = $"optimizing tier: functions with values × blocks over {MaxValuesTimesBlocks:N0} are left to the baseline compiler";
                building.End();
                return null;
            }
            // Speculated first, so a speculated target can be inlined; inlined before the passes, so the callees'
            // constants and values fold into the caller's.
            var speculating = CompilePhases.Start(phases, prefix, "speculate");
            int speculated = speculation is null ? 0 : Speculate(f, definedIndex, speculation);
            var inlining0 = CompilePhases.Start(phases, prefix, "inline");
            int inlined = inlining is null ? 0 : Inliner.Run(f, inlining);
            if (phases is null)
            {
                PassPipeline.RunUnverified(f, PassPipeline.Default);
            }
            else
            {
                building.End(speculating);
                speculating.End(inlining0);
                inlining0.End();
                RunPassesTimed(f, phases, prefix);
            }
            var checking = CompilePhases.Start(phases, prefix, "can emit");
            bool canEmit = CodeEmitter.CanEmit(f, _asm.Features, out reason);
            checking.End();
            if (!canEmit)
            {
                return null;
            }
            if (inlined > 0)
            {
                _statistics?.RecordInlined(inlined);
            }
            if (speculation is not null)
            {
                _lastSpeculated = speculated;
            }
            return f;
        }
        catch (UnsupportedFeatureException e)
        {
            reason = e.Message;
            building.End();
            return null;
        }
        catch (ResourceLimitException e)
        {
            reason = e.Message;
            building.End();
            return null;
        }
    }

    /// <summary><see cref="PassPipeline.Default"/>, each pass timed as a phase of its own (numbered: passes run twice).</summary>
    private static void RunPassesTimed(IrFunction f, CompilePhases phases, string prefix)
    {
        string[] passes = PassPipeline.Default;
        for (int p = 0; p < passes.Length; p++)
        {
            var mark = new CompilePhases.Mark(phases, $"{prefix}pass {p + 1} {passes[p]}");
            PassPipeline.RunUnverified(f, passes.AsSpan(p, 1).ToArray());
            mark.End();
        }
    }

    /// <summary>
    /// The inliner's callees: small defined functions the optimizing tier can emit, built by the same builder and
    /// pipeline (without inlining of their own: the inliner goes deeper itself), once per compiler. Never the function
    /// being compiled, nor one left on the interpreter.
    /// </summary>
    private sealed class CalleeCache(OptimizingCompiler compiler, bool[]? interpreted) : IInlineSource
    {
        private readonly Dictionary<int, IrFunction?> _built = [];

        /// <summary>The function being compiled (module index space).</summary>
        public int Caller { get; set; } = -1;

        public IrFunction? Callee(int functionIndex)
        {
            int defined = functionIndex - compiler._spaces.ImportedFunctionCount;
            if (functionIndex == Caller || defined < 0 || interpreted?[defined] == true)
            {
                return null;
            }
            if (_built.TryGetValue(defined, out IrFunction? f))
            {
                return f;
            }
            f = null;
            if (compiler._spaces.Module.Bodies[defined].Code.Length <= MaxInlineBodyBytes)
            {
                f = compiler.TryBuild(defined, null, null, out _);
            }
            _built[defined] = f;
            return f;
        }
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using Kiln.Jit;
using Kiln.Jit.Traps;
using Kiln.Jit.X64;
using Kiln.Vm;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.Compiled;

/// <summary>
/// A module's compiled code, shared by every instance of the module whatever tier produced it: the compiled
/// functions, one entry trampoline per signature of a defined function, (lazy mode) one stub per function that
/// compiles it on first call, the batches and trap sites, and the statistics. Its <see cref="CodeTable"/> is native
/// memory with one code pointer per defined function, which every instance's vmctx points to: compiled code calls a
/// defined function of its own module through it, so installing code (lazy compilation today, tier-up tomorrow) is
/// one store that reaches every instance at once, and no code is ever patched.
/// </summary>
/// <remarks>
/// Funcrefs (<see cref="VmFuncRef.Code"/>) and function slots are per instance, and call_indirect and host calls read
/// them directly (one load; reading through the table would cost every indirect call a second). So the module keeps
/// weak references to its live instances and, under <see cref="_lock"/>, rewrites their funcrefs when it installs
/// code; an instance registers and reads its entries under the same lock, so none misses an install. A store that
/// releases its native memory first waits on that lock (<see cref="ReleaseStore"/>) and is skipped from then on.
/// Compiled code lives as long as the engine's code memory, except what <see cref="Tier.Auto"/> replaces: that is
/// retired when unpublished and freed once no thread can be in it (<see cref="Tiering.RetiredCode"/>). The code table
/// lives as long as this object, which every instance reaches through its module, and code runs only for a live
/// instance, so the finalizer frees it.
/// </remarks>
internal sealed unsafe class ModuleCode : ICallSiteProfileReader
{
    private readonly Engine _engine;
    private readonly WasmModule _model;
    private readonly CompilerSetup _setup;
    private readonly string? _moduleName;
    private readonly bool[] _interpreted;
    private readonly nint* _table;
    private readonly nint[] _code;
    private readonly int[] _codeSize;
    private readonly nint[] _lazyStubs;
    private readonly int[] _stubEntries;
    private readonly nint[] _trampolines;
    private readonly List<CodeBatch> _batches = [];
    private readonly List<TrapSiteRegistration> _trapSites = [];
    private readonly List<WeakReference<Instance>> _instances = [];
    // Import slots of other instances that call one of this module's functions (rewritten by installs too).
    private readonly List<(WeakReference<Instance> Importer, int Slot, int DefinedIndex)> _importers = [];
    private readonly object _lock = new();
    private readonly bool _counting;
    private readonly CallSiteProfiles? _profiles;
    // Funcref pointers the profiles recorded, resolved to function indices (-1: another instance's or unknown).
    private readonly Dictionary<nint, int> _resolvedTargets = [];
    // Per defined function: 1 once it is queued for the optimizing tier.
    private readonly int[] _tierUpRequested;
    // Serializes the tier-up queue's compiles of this module (synchronous tier-ups may come from several threads);
    // re-tiers compile beside them, each with a compiler of its own, and installs meet under _lock.
    private readonly object _tierUpLock = new();
    private IFunctionCompiler? _lazyCompiler;
    // On-stack replacement (Tier.Auto): the module's loops, and per loop where its OSR entry stands (OsrState) and how
    // often a poll found the loop running.
    private readonly Tiering.OsrLoops? _osrLoops;
    private readonly int[] _osrState;
    private readonly int[] _osrSamples;
    // Retiring replaced code (Tier.Auto): the batch each function's current code and each loop's OSR entry lives in,
    // whether the function's baseline code was retired (its OSR entries follow it), and which OSR entries went too.
    private readonly Tiering.BatchLife?[] _life;
    private readonly Tiering.BatchLife?[] _osrLife;
    private readonly bool[] _baselineRetired;
    private readonly bool[] _osrRetired;
    // Re-tiering (Tier.Auto): per function, how often it was compiled again for a failing guard; per speculated site
    // (its profile entry's offset), the function whose optimized code speculates there and the site's guard-failure
    // count when that code was installed. Guarded by _lock.
    private readonly int[] _retiers;
    private readonly Dictionary<int, (int DefinedIndex, long Base)> _watchedSites = [];

    /// <summary>What <see cref="_osrState"/> records per loop.</summary>
    private static class OsrState
    {
        public const int None = 0;
        public const int Requested = 1;
        public const int Installed = 2;
        public const int Refused = 3;
    }

    /// <summary>
    /// False for code loaded from a serialized module, whose compiled functions' bodies were not validated again
    /// (their machine code came with the file): <see cref="EnsureBodiesValidated"/> validates them before any compiler
    /// reads them.
    /// </summary>
    private bool _bodiesValidated = true;

    private ModuleCode(Engine engine, Kiln.FrontEnd.IndexSpaces spaces, string? moduleName, bool[] interpreted)
    {
        WasmModule model = spaces.Module;
        _engine = engine;
        _model = model;
        _moduleName = moduleName;
        _interpreted = interpreted;
        int n = model.FunctionTypeIndices.Count;
        // Tier.Auto: the hotness counters follow the code pointers in the same allocation (CounterOffset), and the
        // call_indirect profiles follow the counters (CallSiteProfiles).
        _counting = engine.Options.Tier == Tier.Auto;
        // Tier.Auto: then the on-stack-replacement entries and counters, one per loop of the module (OsrEntryOffset),
        // then the call_indirect profiles (CallSiteProfiles).
        _osrLoops = _counting ? new Tiering.OsrLoops(model) : null;
        int loops = _osrLoops?.Count ?? 0;
        _profiles = _counting ? CallSiteProfiles.Create(model, OsrCounterOffset(n, loops, loops)) : null;
        _setup = new CompilerSetup(spaces, interpreted, engine.Options.ConsumeFuel, engine.Options.InterruptChecks, engine.UsesGuardPages, engine.CodeObserver is not null)
        {
            Profiles = _profiles,
        };
        if (_counting)
        {
            engine.TieringStatistics?.Track(this);
        }
        _table = (nint*)NativeMemory.AllocZeroed((nuint)Math.Max(8, _counting ? _profiles!.End : 8 * n));
        if (_counting)
        {
            new Span<int>((byte*)_table + CounterOffset(n, 0), n).Fill(engine.Options.TierUpThreshold);
            int backEdges = engine.Options.OsrBackEdges;
            new Span<int>((byte*)_table + OsrCounterOffset(n, loops, 0), loops).Fill(backEdges > 0 ? backEdges : int.MaxValue);
        }
        _osrState = new int[loops];
        _osrSamples = new int[loops];
        _life = new Tiering.BatchLife?[n];
        _osrLife = new Tiering.BatchLife?[loops];
        _baselineRetired = new bool[n];
        _osrRetired = new bool[loops];
        _retiers = new int[_counting ? n : 0];
        _code = new nint[n];
        _codeSize = new int[n];
        _lazyStubs = new nint[n];
        _tierUpRequested = new int[_counting ? n : 0];
        _stubEntries = new int[n];
        _trampolines = new nint[model.Types.Count];
    }

    ~ModuleCode()
    {
        NativeMemory.Free(_table);
    }

    /// <summary>The code table: entry <c>i</c> is defined function <c>i</c>'s code (its lazy stub until compiled; 0 when interpreted).</summary>
    public nint* CodeTable => _table;

    /// <summary>
    /// Byte offset from the code table's start of defined function <paramref name="definedIndex"/>'s hotness counter
    /// (an int32 counting down calls and loop entries, <see cref="Tier.Auto"/> only), in a module with
    /// <paramref name="definedCount"/> defined functions: the counters follow the code pointers, so code reaches
    /// both through the one code-table pointer in vmctx. Shared by the module's instances, like the code.
    /// </summary>
    public static int CounterOffset(int definedCount, int definedIndex) => (8 * definedCount) + (4 * definedIndex);

    /// <summary>
    /// Byte offset from the code table's start of loop <paramref name="loop"/>'s on-stack-replacement entry (8 bytes:
    /// the optimized code that continues the function at that loop's header, 0 until installed; loops numbered by
    /// <see cref="Tiering.OsrLoops"/>). The entries follow the hotness counters, 8-byte aligned; data, never code, so
    /// installing one is a store.
    /// </summary>
    public static int OsrEntryOffset(int definedCount, int loop) => ((CounterOffset(definedCount, definedCount) + 7) & ~7) + (8 * loop);

    /// <summary>
    /// Byte offset of loop <paramref name="loop"/>'s back-edge counter (an int32 after the <paramref name="loopCount"/>
    /// OSR entries), which the baseline counts down at every arrival at the loop's header when
    /// <see cref="EngineOptions.OsrBackEdges"/> forces OSR.
    /// </summary>
    public static int OsrCounterOffset(int definedCount, int loopCount, int loop) => OsrEntryOffset(definedCount, loopCount) + (4 * loop);

    /// <summary>Wall-clock time spent compiling function bodies (eager batch plus lazy compiles).</summary>
    public TimeSpan CompileTime { get; private set; }

    /// <summary>CPU time of the compiling threads spent on function bodies.</summary>
    public TimeSpan CompileCpuTime { get; private set; }

    /// <summary>Bytes of Wasm function bodies compiled.</summary>
    public long BodyBytes { get; private set; }

    /// <summary>True when defined function <paramref name="definedIndex"/> runs on the interpreter.</summary>
    public bool IsInterpreted(int definedIndex) => _interpreted[definedIndex];

    /// <summary>What a caller enters defined function <paramref name="definedIndex"/> through now: its code, or its lazy stub.</summary>
    public nint GetEntry(int definedIndex) => Volatile.Read(ref _table[definedIndex]);

    public nint GetTrampoline(uint typeIndex) => _trampolines[typeIndex];

    /// <summary>Compiles the validated module's functions (all now, or stubs for later) and installs them.</summary>
    public static ModuleCode Compile(Engine engine, Kiln.FrontEnd.IndexSpaces spaces, string? moduleName, bool[] interpreted)
    {
        var module = new ModuleCode(engine, spaces, moduleName, interpreted);
        // Auto compiles each function on the baseline on its first call, so start-up pays only for what runs.
        bool lazy = engine.Options.Compilation == CompilationMode.Lazy || engine.Options.Tier == Tier.Auto;
        var chunks = new List<CompiledChunk>();
        if (!lazy)
        {
            var watch = Stopwatch.StartNew();
            chunks.AddRange(module.CompileAll(module._setup, out long bodyBytes));
            module.CompileTime += watch.Elapsed;
            foreach (CompiledChunk c in chunks)
            {
                module.CompileCpuTime += c.CpuTime;
            }
            module.BodyBytes += bodyBytes;
        }
        module.InstallInitialBatch(chunks, lazy);
        return module;
    }

    /// <summary>
    /// Installs code read from a serialized module (<see cref="SerializedModule"/>): every compiled function is in
    /// <paramref name="chunks"/>, so there are no lazy stubs, and the chunks and the trampolines are sealed as one batch.
    /// </summary>
    public static ModuleCode Load(Engine engine, Kiln.FrontEnd.IndexSpaces spaces, string? moduleName, bool[] interpreted, IReadOnlyList<CompiledChunk> chunks)
    {
        // Tier.Auto: the loops and call_indirect sites validation records size the OSR data and the profiles after the
        // code table, which the loaded code addresses (SECURITY: a table sized without them would be read and written
        // out of bounds), and the tier-up compiles bodies: validate them now.
        bool validated = engine.Options.Tier == Tier.Auto;
        if (validated)
        {
            ModuleValidator.Validate(spaces.Module);
        }
        var module = new ModuleCode(engine, spaces, moduleName, interpreted) { _bodiesValidated = validated };
        module.InstallInitialBatch([.. chunks], lazy: false);
        return module;
    }

    /// <summary>
    /// SECURITY: compilers rely on validity; the bodies of a loaded module's compiled functions were not validated on
    /// load (see <see cref="Load"/>), so they are, once, before any compiler reads them.
    /// </summary>
    private void EnsureBodiesValidated()
    {
        lock (_lock)
        {
            if (!_bodiesValidated)
            {
                ModuleValidator.Validate(_model);
                _bodiesValidated = true;
            }
        }
    }

    /// <summary>
    /// Compiles every function that is not interpreted again, into chunks that are not installed, for a serialized
    /// module: the compilers are deterministic (<c>RelocatableCodeTests</c>), so these are the bytes the module runs,
    /// and a module never serialized keeps no second copy of its code. Line tables are recorded when
    /// <paramref name="recordsLines"/> (they refer to the offsets of the Wasm bytes the module was read from).
    /// </summary>
    public List<CompiledChunk> CompileForSerialization(bool recordsLines)
    {
        EnsureBodiesValidated();
        return [.. CompileAll(_setup with { RecordsLines = recordsLines }, out _)];
    }

    /// <summary>The file name tools show for this module's code: its name, or <c>module.wasm</c> when it has none.</summary>
    private string SourceFile => string.IsNullOrEmpty(_moduleName) ? "module.wasm" : _moduleName;

    private string Prefix => _moduleName ?? "wasm";

    private string FunctionName(int definedIndex) =>
        $"{Prefix}!{_model.GetFunctionName(new FuncIndex((uint)(_model.ImportedFunctionCount + definedIndex)))}";

    /// <summary>Modules with fewer bytes of function bodies compile on the calling thread (threads cost more than they save).</summary>
    private const long ParallelThreshold = 512 * 1024;

    /// <summary>Compiles every function that is not interpreted, in ranges on parallel threads (see <see cref="SplitIntoRanges"/>).</summary>
    private CompiledChunk[] CompileAll(CompilerSetup setup, out long bodyBytes)
    {
        List<int[]> ranges = SplitIntoRanges(out bodyBytes);
        var functionChunks = new CompiledChunk[ranges.Count];
        void CompileRange(int r)
        {
            TimeSpan cpu = NativeStack.ThreadCpuTime();
            CompiledChunk chunk = _engine.CreateCompiler(setup).Compile(ranges[r]);
            chunk.CpuTime = NativeStack.ThreadCpuTime() - cpu;
            functionChunks[r] = chunk;
        }
        if (ranges.Count == 1)
        {
            CompileRange(0);
        }
        else
        {
            try
            {
                Parallel.For(0, ranges.Count, new ParallelOptions { MaxDegreeOfParallelism = ranges.Count }, CompileRange);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
        }
        return functionChunks;
    }

    /// <summary>
    /// Installs the module's first batch: <paramref name="chunks"/> (compiled or loaded functions), the entry
    /// trampolines and (lazy mode) the lazy stubs, sealed once; then fills the code table.
    /// </summary>
    private void InstallInitialBatch(List<CompiledChunk> chunks, bool lazy)
    {
        int n = _code.Length;
        (CompiledChunk stubs, int[] trampolineStarts, int[] lazyStarts) = BuildStubs(lazy);
        chunks.Add(stubs);
        // The stubs and trampolines are one item that is never retired, so this batch stays.
        Tiering.BatchLife life = Install(chunks, 1);
        foreach (CompiledChunk c in chunks)
        {
            foreach (CompiledFunction f in c.Functions)
            {
                _life[f.DefinedIndex] = life;
                _code[f.DefinedIndex] = c.Address + f.Start;
                _codeSize[f.DefinedIndex] = f.End - f.Start;
                _table[f.DefinedIndex] = c.Address + f.Start;
            }
        }
        for (int i = 0; i < n; i++)
        {
            if (lazy && !_interpreted[i])
            {
                _lazyStubs[i] = stubs.Address + lazyStarts[i];
                _table[i] = _lazyStubs[i];
            }
        }
        for (int t = 0; t < _trampolines.Length; t++)
        {
            if (trampolineStarts[t] >= 0)
            {
                _trampolines[t] = stubs.Address + trampolineStarts[t];
            }
        }
    }

    /// <summary>One entry trampoline per signature of a defined function, and (lazy mode) the lazy stubs.</summary>
    private (CompiledChunk Stubs, int[] TrampolineStarts, int[] LazyStarts) BuildStubs(bool lazy)
    {
        var asm = new Assembler(CpuFeatures.Host, 4096);
        var names = new List<(string, int, int)>();
        var trampolineStarts = new int[_trampolines.Length];
        Array.Fill(trampolineStarts, -1);
        foreach (uint typeIndex in _model.FunctionTypeIndices)
        {
            if (trampolineStarts[typeIndex] >= 0)
            {
                continue;
            }
            FuncType type = _model.Types[(int)typeIndex];
            asm.Align(16);
            trampolineStarts[typeIndex] = asm.Position;
            CompiledStubs.EmitEntryTrampoline(asm, SlotLayout.SlotCount(type.Params), SlotLayout.SlotCount(type.Results));
            names.Add(($"{Prefix}!entry_trampoline[{typeIndex}]", trampolineStarts[typeIndex], asm.Position));
        }
        var lazyStarts = new int[_code.Length];
        if (lazy)
        {
            Label common = asm.CreateLabel();
            int first = -1;
            for (int i = 0; i < _code.Length; i++)
            {
                if (_interpreted[i])
                {
                    continue;
                }
                asm.Align(16);
                lazyStarts[i] = asm.Position;
                first = first < 0 ? asm.Position : first;
                asm.Mov(OperandSize.S32, Gpr.Rsi, i);
                asm.Jmp(common);
            }
            asm.Align(16);
            int commonStart = asm.Position;
            CompiledStubs.EmitLazyCommon(asm, common);
            names.Add(($"{Prefix}!lazy_compile_stubs", first >= 0 ? first : commonStart, asm.Position));
        }
        var chunk = new CompiledChunk(asm.ToAssembledCode());
        chunk.Stubs.AddRange(names);
        return (chunk, trampolineStarts, lazyStarts);
    }

    /// <summary>
    /// Contiguous ranges of compiled defined functions of about equal body size, one per compiling thread:
    /// one range for small modules or when <see cref="EngineOptions.CompilationThreads"/> is 1.
    /// </summary>
    private List<int[]> SplitIntoRanges(out long totalBytes)
    {
        int n = _code.Length;
        totalBytes = 0;
        for (int i = 0; i < n; i++)
        {
            if (!_interpreted[i])
            {
                totalBytes += _model.Bodies[i].Code.Length;
            }
        }
        int threads = _engine.Options.CompilationThreads > 0 ? _engine.Options.CompilationThreads : Environment.ProcessorCount;
        if (_engine.Options.CompilationThreads == 0 && totalBytes < ParallelThreshold)
        {
            threads = 1;
        }
        threads = Math.Clamp(threads, 1, Math.Max(1, n));
        var ranges = new List<int[]>(threads);
        long share = (totalBytes / threads) + 1;
        var current = new List<int>();
        long bytes = 0;
        for (int i = 0; i < n; i++)
        {
            if (!_interpreted[i])
            {
                current.Add(i);
                bytes += _model.Bodies[i].Code.Length;
            }
            if (bytes >= share && ranges.Count < threads - 1)
            {
                ranges.Add([.. current]);
                current.Clear();
                bytes = 0;
            }
        }
        ranges.Add([.. current]);
        return ranges;
    }

    /// <summary>
    /// Compiles one function on its first call (lazy mode) and publishes it to every instance; later calls, through
    /// any instance, reuse it.
    /// </summary>
    public nint EnsureCompiled(int definedIndex)
    {
        Interlocked.Increment(ref _stubEntries[definedIndex]);
        nint existing = Volatile.Read(ref _code[definedIndex]);
        if (existing != 0)
        {
            return existing;
        }
        lock (_lock)
        {
            if (_code[definedIndex] != 0)
            {
                return _code[definedIndex];
            }
            EnsureBodiesValidated();
            var watch = Stopwatch.StartNew();
            TimeSpan cpu = NativeStack.ThreadCpuTime();
            IFunctionCompiler compiler = _lazyCompiler ??= _engine.CreateCompiler(_setup);
            CompiledChunk chunk = compiler.Compile([definedIndex]);
            CompileTime += watch.Elapsed;
            CompileCpuTime += NativeStack.ThreadCpuTime() - cpu;
            BodyBytes += _model.Bodies[definedIndex].Code.Length;
            Tiering.BatchLife life = Install([chunk]);
            CompiledFunction f = chunk.Functions[0];
            nint code = chunk.Address + f.Start;
            _life[definedIndex] = life;
            _codeSize[definedIndex] = f.End - f.Start;
            Volatile.Write(ref _code[definedIndex], code);
            Publish(definedIndex, code);
            return code;
        }
    }

    /// <summary>
    /// Called from code when defined function <paramref name="definedIndex"/>'s counter ran out: parks the counter far
    /// from zero (the function is not queued twice) and hands the function to the engine's tier-up queue.
    /// </summary>
    public void RequestTierUp(int definedIndex)
    {
        int* counter = (int*)((byte*)_table + CounterOffset(_code.Length, definedIndex));
        Volatile.Write(ref *counter, int.MaxValue);
        // Threads running the function in other stores may all have seen the counter run out before it was parked:
        // the first one queues it.
        if (Interlocked.Exchange(ref _tierUpRequested[definedIndex], 1) == 0)
        {
            _engine.TierUps?.Request(this, definedIndex);
        }
        // A moment when code of the module runs anyway: speculated sites that keep failing are found here too.
        _engine.CheckGuardFailures();
    }

    /// <summary>
    /// Compiles <paramref name="definedIndices"/> with the optimizing tier outside the install lock, installs the
    /// chunk with one seal and publishes each function to every instance. Functions the optimizing tier refuses keep
    /// their baseline code. The old code is retired (<see cref="Tiering.RetiredCode"/>): a frame may still run in it,
    /// so it is freed once no thread can be in it. Returns how many functions moved up. One caller at a time (the
    /// tier-up queue); re-tiers (<see cref="Retier"/>) may run beside it.
    /// </summary>
    public int TierUp(int[] definedIndices) => TierUp(definedIndices, [], out _);

    /// <summary>
    /// <see cref="TierUp(int[])"/> with on-stack-replacement entries for <paramref name="osrLoops"/> in the same chunk
    /// (each is stored in its loop's OSR entry, <see cref="OsrEntryOffset"/>); <paramref name="osrInstalled"/> counts
    /// them. A loop the optimizing tier refuses keeps running on the baseline and is not asked for again.
    /// </summary>
    public int TierUp(int[] definedIndices, int[] osrLoops, out int osrInstalled)
    {
        lock (_tierUpLock)
        {
            try
            {
                return CompileAndInstall(definedIndices, osrLoops, out osrInstalled);
            }
            finally
            {
                // What the optimizing tier refuses at one loop (call_indirect, v128 values) it refuses at every loop
                // of the function: the others are not asked for either.
                foreach (int loop in osrLoops)
                {
                    if (Volatile.Read(ref _osrState[loop]) != OsrState.Installed)
                    {
                        RefuseOsrOf(OsrFunction(loop));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Compiles defined function <paramref name="definedIndex"/> with the optimizing tier again and installs it
    /// (<see cref="Tiering.Retiering"/>: a speculated site kept failing and is now marked megamorphic). Runs beside the
    /// tier-up queue's compile of the same module rather than behind it: a long batch there would leave the failing
    /// guard in place for its whole duration. Returns 1 when the function was installed.
    /// </summary>
    public int Retier(int definedIndex) => CompileAndInstall([definedIndex], [], out _);

    /// <summary>What the optimizing compiler asks one compile's profiles, recording the sites it got a target for.</summary>
    private sealed class SiteRecorder(ModuleCode module) : ICallSiteProfileReader
    {
        public List<(int DefinedIndex, int Offset)> Sites { get; } = [];

        public int MonomorphicTarget(int definedIndex, int bytecodeOffset)
        {
            int target = module.MonomorphicTarget(definedIndex, bytecodeOffset);
            if (target >= 0)
            {
                lock (Sites)
                {
                    Sites.Add((definedIndex, module._profiles!.EntryOffset(definedIndex, bytecodeOffset)));
                }
            }
            return target;
        }
    }

    private int CompileAndInstall(int[] definedIndices, int[] osrLoops, out int osrInstalled)
    {
        osrInstalled = 0;
        EnsureBodiesValidated();
        // A compiler per compile: the queue's batch and a re-tier of the same module may compile at once.
        SiteRecorder? recorder = _profiles is null ? null : new SiteRecorder(this);
        Optimizing.OptimizingCompiler compiler = _engine.CreateTierUpCompiler(_setup, recorder);
        var osr = new (int DefinedIndex, int Loop, int Offset)[osrLoops.Length];
        for (int k = 0; k < osrLoops.Length; k++)
        {
            int d = OsrFunction(osrLoops[k]);
            osr[k] = (d, osrLoops[k], _osrLoops!.Offset(d, osrLoops[k]));
        }
        TimeSpan cpu = NativeStack.ThreadCpuTime();
        CompiledChunk chunk = compiler.Compile(definedIndices, osr);
        chunk.CpuTime = NativeStack.ThreadCpuTime() - cpu;
        // A function the optimizing tier refuses gets no OSR entry either.
        foreach (int d in definedIndices)
        {
            if (!chunk.Functions.Exists(f => f.DefinedIndex == d && f.OsrLoop < 0))
            {
                RefuseOsrOf(d);
            }
        }
        if (chunk.Functions.Count == 0)
        {
            return 0;
        }
        Tiering.BatchLife life = Install([chunk]);
        int moved = 0;
        // What this install replaces, retired below once the epoch has moved past the unpublish.
        var retired = new List<(Tiering.BatchLife Life, int Bytes)>();
        lock (_lock)
        {
            foreach (CompiledFunction f in chunk.Functions)
            {
                nint code = chunk.Address + f.Start;
                if (f.OsrLoop >= 0)
                {
                    // Read by baseline code at the loop's header (its OSR path), never called through the code table.
                    _osrLife[f.OsrLoop] = life;
                    Volatile.Write(ref *(nint*)((byte*)_table + OsrEntryOffset(_code.Length, f.OsrLoop)), code);
                    Volatile.Write(ref _osrState[f.OsrLoop], OsrState.Installed);
                    osrInstalled++;
                    continue;
                }
                if (_life[f.DefinedIndex] is { } old)
                {
                    retired.Add((old, _codeSize[f.DefinedIndex]));
                }
                _life[f.DefinedIndex] = life;
                _baselineRetired[f.DefinedIndex] = true;
                _codeSize[f.DefinedIndex] = f.End - f.Start;
                Volatile.Write(ref _code[f.DefinedIndex], code);
                Publish(f.DefinedIndex, code);
                moved++;
            }
            // OSR entries are entered only from their function's baseline code: they go with it.
            for (int loop = 0; loop < _osrLife.Length; loop++)
            {
                if (_osrLife[loop] is { } osrLife && !_osrRetired[loop] && _baselineRetired[OsrFunction(loop)])
                {
                    _osrRetired[loop] = true;
                    retired.Add((osrLife, 0));
                }
            }
            WatchSpeculatedSites(chunk, recorder?.Sites ?? []);
        }
        if (retired.Count > 0 && _engine.RetiredCode is { } retiredCode)
        {
            // Every store that unpublished the old code is done: code stamped with the new epoch is unreachable to
            // any thread that enters Wasm from now on.
            long stamp = retiredCode.Epochs.Advance();
            foreach ((Tiering.BatchLife old, int bytes) in retired)
            {
                retiredCode.Retire(old, stamp, bytes);
            }
            retiredCode.Reclaim();
        }
        lock (_lock)
        {
            TierUpCpuTime += chunk.CpuTime;
        }
        _engine.TieringStatistics?.RecordSpeculated(chunk.SpeculatedCallSites);
        return moved;
    }

    /// <summary>
    /// Watches the sites that the functions of <paramref name="chunk"/> may speculate at, from their guard-failure
    /// count now on; a function compiled again without a site stops being watched there. Runs under <see cref="_lock"/>.
    /// </summary>
    private void WatchSpeculatedSites(CompiledChunk chunk, List<(int DefinedIndex, int Offset)> speculating)
    {
        var compiled = new HashSet<int>();
        foreach (CompiledFunction f in chunk.Functions)
        {
            if (f.OsrLoop < 0)
            {
                compiled.Add(f.DefinedIndex);
            }
        }
        foreach (KeyValuePair<int, (int DefinedIndex, long Base)> w in _watchedSites.ToArray())
        {
            if (compiled.Contains(w.Value.DefinedIndex))
            {
                _watchedSites.Remove(w.Key);
            }
        }
        foreach ((int d, int offset) in speculating)
        {
            _watchedSites[offset] = (d, GuardFailuresAt(offset));
        }
    }

    private long GuardFailuresAt(int entryOffset) =>
        Volatile.Read(ref *(long*)((byte*)_table + entryOffset + CallSiteProfiles.GuardFailuresOffset));

    /// <summary>
    /// Finds speculated sites whose guard failed <see cref="EngineOptions.RetierGuardFailures"/> times since their
    /// code was installed: marks each site megamorphic in its profile (the next compile does not speculate there, so
    /// no site ping-pongs) and queues its function for the optimizing tier again, at most
    /// <see cref="Tiering.Retiering.MaxRetiersPerFunction"/> times. Returns how many functions were queued.
    /// </summary>
    public int CheckGuardFailures()
    {
        if (_profiles is null)
        {
            return 0;
        }
        List<int>? retier = null;
        lock (_lock)
        {
            if (_watchedSites.Count == 0)
            {
                return 0;
            }
            int threshold = _engine.Options.RetierGuardFailures;
            foreach (KeyValuePair<int, (int DefinedIndex, long Base)> w in _watchedSites.ToArray())
            {
                if (GuardFailuresAt(w.Key) - w.Value.Base < threshold)
                {
                    continue;
                }
                _watchedSites.Remove(w.Key);
                Volatile.Write(ref *(nint*)((byte*)_table + w.Key), CallSiteProfiles.Megamorphic);
                int d = w.Value.DefinedIndex;
                if (_retiers[d] < Tiering.Retiering.MaxRetiersPerFunction && !(retier?.Contains(d) ?? false))
                {
                    _retiers[d]++;
                    (retier ??= []).Add(d);
                }
            }
        }
        if (retier is null)
        {
            return 0;
        }
        foreach (int d in retier)
        {
            _engine.TierUps?.RequestRetier(this, d);
        }
        return retier.Count;
    }

    /// <inheritdoc/>
    public int MonomorphicTarget(int definedIndex, int bytecodeOffset)
    {
        int at = _profiles?.EntryOffset(definedIndex, bytecodeOffset) ?? -1;
        if (at < 0)
        {
            return -1;
        }
        nint seen = Volatile.Read(ref *(nint*)((byte*)_table + at));
        if (seen == 0 || seen == CallSiteProfiles.Megamorphic)
        {
            return -1;
        }
        lock (_lock)
        {
            if (_resolvedTargets.TryGetValue(seen, out int known))
            {
                return known;
            }
            // The pointer is some live instance's funcref of one of the module's functions (imported ones included);
            // a function of another module reached through a shared table resolves to none.
            int found = -1;
            foreach (WeakReference<Instance> w in _instances)
            {
                if (w.TryGetTarget(out Instance? instance) && !instance.Store.IsReleased)
                {
                    for (int i = 0; i < instance.Functions.Length && found < 0; i++)
                    {
                        if (instance.Functions[i] is { } f && (nint)f.FuncRef == seen)
                        {
                            found = i;
                        }
                    }
                }
                if (found >= 0)
                {
                    break;
                }
            }
            _resolvedTargets[seen] = found;
            return found;
        }
    }

    /// <summary>Guard failures of optimized code that speculated on a call_indirect target, over all the module's sites.</summary>
    public long GuardFailures()
    {
        if (_profiles is null)
        {
            return 0;
        }
        long total = 0;
        for (int s = 0; s < _profiles.SiteCount; s++)
        {
            total += Volatile.Read(ref *(long*)((byte*)_table + _profiles.Start + (CallSiteProfiles.EntrySize * s) + CallSiteProfiles.GuardFailuresOffset));
        }
        return total;
    }

    /// <summary>The defined function loop <paramref name="loop"/> belongs to.</summary>
    private int OsrFunction(int loop)
    {
        int lo = 0;
        int hi = _code.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_osrLoops!.First(mid) <= loop)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /// <summary>No OSR entry for the loops of defined function <paramref name="definedIndex"/> that have none installed.</summary>
    private void RefuseOsrOf(int definedIndex)
    {
        for (int loop = _osrLoops!.First(definedIndex); loop < _osrLoops.First(definedIndex + 1); loop++)
        {
            if (Volatile.Read(ref _osrState[loop]) != OsrState.Installed)
            {
                RefuseOsr(loop);
            }
        }
    }

    /// <summary>No OSR entry for <paramref name="loop"/>: the baseline stops asking (its forced counter is parked).</summary>
    private void RefuseOsr(int loop)
    {
        Volatile.Write(ref _osrState[loop], OsrState.Refused);
        Volatile.Write(ref *(int*)((byte*)_table + OsrCounterOffset(_code.Length, _osrLoops!.Count, loop)), int.MaxValue);
    }

    /// <summary>
    /// Called from baseline code at the header of loop <paramref name="loop"/> of defined function
    /// <paramref name="definedIndex"/> when its OSR path is taken: an OSR poll of the store found the loop running, or
    /// (<see cref="EngineOptions.OsrBackEdges"/>) its back-edge counter ran out. Clears the store's poll; returns the
    /// loop's OSR entry when one is installed (the baseline then moves its state into it), else 0 after asking for one
    /// once the loop has been seen often enough (<see cref="OsrSamplesToCompile"/> polls, or at once when forced).
    /// </summary>
    public nint OsrEnter(Vm.VmStoreContext* context, int definedIndex, int loop)
    {
        // A plain byte store: byte 0 (the interrupt) is never written here, so a concurrent interrupt is not lost.
        Volatile.Write(ref ((byte*)context)[VmOffsets.StoreOsrPoll], (byte)0);
        nint entry = Volatile.Read(ref *(nint*)((byte*)_table + OsrEntryOffset(_code.Length, loop)));
        if (entry == 0 && Volatile.Read(ref _osrState[loop]) == OsrState.None)
        {
            bool forced = _engine.Options.OsrBackEdges > 0;
            if ((forced || Interlocked.Increment(ref _osrSamples[loop]) >= OsrSamplesToCompile)
                && Interlocked.CompareExchange(ref _osrState[loop], OsrState.Requested, OsrState.None) == OsrState.None)
            {
                // The whole function moves up too (later calls), in the same batch when the queue is not synchronous.
                RequestTierUp(definedIndex);
                _engine.TierUps?.RequestOsr(this, loop);
                entry = Volatile.Read(ref *(nint*)((byte*)_table + OsrEntryOffset(_code.Length, loop)));
            }
        }
        if (entry != 0)
        {
            _engine.TieringStatistics?.RecordOsrEntry();
        }
        return entry;
    }

    /// <summary>
    /// Polls (one per <see cref="Tiering.OsrSampler.Interval"/>) that must find a loop running before its OSR entry is
    /// compiled: two, so a loop that merely happened to run at one tick is not compiled, while any loop that runs for
    /// a few tens of milliseconds is.
    /// </summary>
    public const int OsrSamplesToCompile = 2;

    /// <summary>CPU time the optimizing tier spent on this module's tier-ups.</summary>
    public TimeSpan TierUpCpuTime { get; private set; }

    /// <summary>
    /// Makes <paramref name="code"/> the entry of defined function <paramref name="definedIndex"/> everywhere: one
    /// store into the code table reaches every instance's direct calls; the live instances' funcrefs and slots are
    /// rewritten (they are per instance). Runs under <see cref="_lock"/>.
    /// </summary>
    private void Publish(int definedIndex, nint code)
    {
        Volatile.Write(ref _table[definedIndex], code);
        for (int i = _instances.Count - 1; i >= 0; i--)
        {
            if (_instances[i].TryGetTarget(out Instance? instance) && !instance.Store.IsReleased)
            {
                instance.SetEntry(_model.ImportedFunctionCount + definedIndex, code);
            }
            else
            {
                _instances.RemoveAt(i);
            }
        }
        for (int i = _importers.Count - 1; i >= 0; i--)
        {
            (WeakReference<Instance> importer, int slot, int index) = _importers[i];
            if (!importer.TryGetTarget(out Instance? instance) || instance.Store.IsReleased)
            {
                _importers.RemoveAt(i);
            }
            else if (index == definedIndex)
            {
                instance.SetImportEntry(slot, code);
            }
        }
    }

    /// <summary>
    /// Registers <paramref name="instance"/> for later installs and runs <paramref name="createFunctions"/> (which
    /// reads <see cref="GetEntry"/>) under the install lock, so no install falls between the two.
    /// </summary>
    public void Register(Instance instance, Action createFunctions)
    {
        lock (_lock)
        {
            _instances.Add(new WeakReference<Instance>(instance));
            createFunctions();
        }
    }

    /// <summary>
    /// Registers import slot <paramref name="slot"/> of <paramref name="importer"/>, which holds
    /// <paramref name="function"/> of this module's <paramref name="definer"/>: installs rewrite it as they rewrite the
    /// definer's funcref, and it is filled here, under the install lock, with the entry of now. Without this the slot
    /// would keep calling code that a tier-up retires and frees.
    /// </summary>
    public void RegisterImporter(Instance importer, int slot, Instance definer, Func function)
    {
        int index = Array.IndexOf(definer.Functions, function) - _model.ImportedFunctionCount;
        if (index < 0 || _interpreted[index])
        {
            return;
        }
        // SECURITY: the importer's store waits on this module's install lock before it frees its vmctx, too.
        importer.Store.UsesModuleCode(this);
        lock (_lock)
        {
            _importers.Add((new WeakReference<Instance>(importer), slot, index));
            importer.SetImportEntry(slot, Volatile.Read(ref function.FuncRef->Code));
        }
    }

    /// <summary>
    /// Called by a store that has marked itself released, before it frees its native memory: waits for an install
    /// that may be writing into the store's funcrefs (later installs see the mark and skip the store).
    /// </summary>
    public void ReleaseStore()
    {
        lock (_lock)
        {
        }
    }

    /// <summary>
    /// Installs chunks of this module (functions or stubs) and keeps the batch and its trap sites; returns the batch's
    /// life, counting its functions and OSR entries plus <paramref name="permanentItems"/> that are never retired.
    /// </summary>
    private Tiering.BatchLife Install(IReadOnlyList<CompiledChunk> chunks, int permanentItems = 0)
    {
        CodeInstaller.Installed installed = CodeInstaller.Install(_engine, chunks, FunctionName, SourceFile);
        int items = permanentItems;
        foreach (CompiledChunk c in chunks)
        {
            items += c.Functions.Count;
        }
        lock (_batches)
        {
            _batches.RemoveAll(b => b.IsDisposed);
            _batches.Add(installed.Batch);
        }
        lock (_trapSites)
        {
            _trapSites.RemoveAll(r => r.IsDisposed);
            _trapSites.AddRange(installed.TrapSites);
        }
        return new Tiering.BatchLife(installed.Batch, items);
    }

    /// <summary>
    /// How often a call entered defined function <paramref name="definedIndex"/> through its lazy stub (the first call
    /// compiles; a later entry means some caller still pointed at the stub), for tests and diagnostics.
    /// </summary>
    public int GetLazyStubEntries(int definedIndex) => Volatile.Read(ref _stubEntries[definedIndex]);

    /// <summary>Compiled functions (index, name, address, size), for disassembly listings and diagnostics.</summary>
    public IEnumerable<CodeSymbol> GetCompiledFunctions()
    {
        for (int i = 0; i < _code.Length; i++)
        {
            nint code = Volatile.Read(ref _code[i]);
            if (code != 0)
            {
                yield return new CodeSymbol(FunctionName(i), code, _codeSize[i]);
            }
        }
    }

    /// <summary>Addresses of every unchecked memory access registered with the trap handler (guard pages), for tests.</summary>
    public IReadOnlyList<nint> GetTrapSiteAddresses()
    {
        var addresses = new List<nint>();
        lock (_trapSites)
        {
            foreach (TrapSiteRegistration r in _trapSites)
            {
                if (!r.IsDisposed)
                {
                    foreach (int offset in r.GetSiteOffsets())
                    {
                        addresses.Add(r.CodeStart + offset);
                    }
                }
            }
        }
        return addresses;
    }

    /// <summary>
    /// A copy of the machine code of <paramref name="function"/> if it is a function's current code, else null. Under
    /// the install lock: code that is still published there cannot have been retired, so it is still mapped
    /// (<see cref="Tier.Auto"/> frees replaced code).
    /// </summary>
    public byte[]? CopyCurrentCode(CodeSymbol function)
    {
        lock (_lock)
        {
            for (int i = 0; i < _code.Length; i++)
            {
                if (_code[i] == function.Address && _codeSize[i] == function.Size && FunctionName(i) == function.Name)
                {
                    return GetCode(function).ToArray();
                }
            }
            return null;
        }
    }

    /// <summary>The machine code of a compiled function (valid while it is not replaced: <see cref="Tier.Auto"/> frees replaced code).</summary>
    public ReadOnlySpan<byte> GetCode(CodeSymbol function) => new((void*)function.Address, function.Size);
}

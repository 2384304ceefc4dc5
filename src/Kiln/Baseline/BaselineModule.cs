using System.Diagnostics;
using Kiln.Jit;
using Kiln.Jit.Linking;
using Kiln.Jit.Traps;
using Kiln.Jit.X64;
using Kiln.Vm;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// A module's baseline code: every compiled function, one entry trampoline per signature that a
/// defined function has, and (lazy mode) one stub per function that compiles it on first call. The
/// code is shared by all instances (it reaches instance state only through vmctx). Eager
/// compilation writes everything as one batch sealed once (large modules compile ranges of
/// functions on several threads, each into its own assembler, then install them together); lazy
/// compilation adds one batch per function compiled. Batches live as long as the engine's code memory.
/// </summary>
internal sealed unsafe class BaselineModule
{
    private readonly Engine _engine;
    private readonly WasmModule _model;
    private readonly Kiln.Wasm.Validation.ValidationContext _context;
    private readonly int[] _signatureIds;
    private readonly string? _moduleName;
    private readonly bool[] _interpreted;
    private readonly nint[] _code;
    private readonly int[] _codeSize;
    private readonly nint[] _lazyStubs;
    private readonly nint[] _trampolines;
    private readonly List<CodeBatch> _batches = [];
    private readonly List<TrapSiteRegistration> _trapSites = [];
    private readonly object _lock = new();
    private BaselineCompiler? _lazyCompiler;

    private BaselineModule(Engine engine, Kiln.Wasm.Validation.ValidationContext context, int[] signatureIds, string? moduleName, bool[] interpreted)
    {
        WasmModule model = context.Module;
        _engine = engine;
        _context = context;
        _model = model;
        _signatureIds = signatureIds;
        _moduleName = moduleName;
        _interpreted = interpreted;
        int n = model.FunctionTypeIndices.Count;
        _code = new nint[n];
        _codeSize = new int[n];
        _lazyStubs = new nint[n];
        _trampolines = new nint[model.Types.Count];
    }

    /// <summary>Wall-clock time spent compiling function bodies (eager batch plus lazy compiles).</summary>
    public TimeSpan CompileTime { get; private set; }

    /// <summary>CPU time of the compiling thread spent on function bodies.</summary>
    public TimeSpan CompileCpuTime { get; private set; }

    /// <summary>Bytes of Wasm function bodies compiled.</summary>
    public long BodyBytes { get; private set; }

    /// <summary>True when defined function <paramref name="definedIndex"/> runs on the interpreter.</summary>
    public bool IsInterpreted(int definedIndex) => _interpreted[definedIndex];

    /// <summary>What a new instance's slot holds: the compiled code, or the lazy stub until the first call.</summary>
    public nint GetEntry(int definedIndex) => Volatile.Read(ref _code[definedIndex]) is var c && c != 0 ? c : _lazyStubs[definedIndex];

    public nint GetTrampoline(uint typeIndex) => _trampolines[typeIndex];

    /// <summary>Compiles the validated module's functions (all now, or stubs for later) and seals the batch.</summary>
    public static BaselineModule Compile(Engine engine, Kiln.Wasm.Validation.ValidationContext context, int[] signatureIds, string? moduleName, bool[] interpreted)
    {
        var module = new BaselineModule(engine, context, signatureIds, moduleName, interpreted);
        module.CompileInitialBatch(engine.Options.Compilation == CompilationMode.Lazy);
        return module;
    }

    private BaselineCompiler NewCompiler() =>
        new(_context, _signatureIds, _engine.Options.ConsumeFuel, CpuFeatures.Host)
        {
            RecordsLines = _engine.CodeObserver is not null,
            GuardPages = _engine.UsesGuardPages,
        };

    /// <summary>The file name tools show for this module's code: its name, or <c>module.wasm</c> when it has none.</summary>
    private string SourceFile => string.IsNullOrEmpty(_moduleName) ? "module.wasm" : _moduleName;

    /// <summary>The symbol of a function just compiled by <paramref name="compiler"/>, with its line table and frame.</summary>
    private (string Name, int Start, int End, CodeLineTable? Lines, CodeFrame? Frame) FunctionSymbol(BaselineCompiler compiler, int definedIndex, int start, int end)
    {
        CodeLine[]? lines = compiler.TakeLines(end - start);
        return (FunctionName(definedIndex), start, end, lines is null ? null : new CodeLineTable(SourceFile, lines), compiler.LastFrame(end - start));
    }

    private string FunctionName(int definedIndex) =>
        $"{_moduleName ?? "wasm"}!{_model.GetFunctionName(new FuncIndex((uint)(_model.ImportedFunctionCount + definedIndex)))}";

    /// <summary>Modules with fewer bytes of function bodies compile on the calling thread (threads cost more than they save).</summary>
    private const long ParallelThreshold = 512 * 1024;

    /// <summary>One assembler's worth of code: functions compiled on one thread, or the stubs.</summary>
    private sealed class Chunk
    {
        public Chunk(BaselineCompiler compiler) => Compiler = compiler;

        public BaselineCompiler Compiler { get; }

        public List<(int Defined, int Start, int End, int Patch, int Frame)> Functions { get; } = [];

        public List<(string Name, int Start, int End, CodeLineTable? Lines, CodeFrame? Frame)> Symbols { get; } = [];

        public TimeSpan Cpu { get; set; }

        public nint Address { get; set; }

        /// <summary>Code offsets of the chunk's unchecked memory accesses (guard pages), ascending.</summary>
        public int[] TrapSites { get; private set; } = [];

        /// <summary>Offset of the out-of-bounds stub the trap sites resume at.</summary>
        public int TrapRecovery { get; private set; } = -1;

        /// <summary>Collects the trap sites after the compiler's EndBatch.</summary>
        public void TakeTrapSites()
        {
            TrapSites = Compiler.TakeTrapSites(out int recovery);
            TrapRecovery = recovery;
        }
    }

    private void CompileInitialBatch(bool lazy)
    {
        int n = _code.Length;
        var watch = Stopwatch.StartNew();
        var chunks = new List<Chunk>();
        long bodyBytes = 0;
        if (!lazy)
        {
            List<(int First, int End)> ranges = SplitIntoRanges(out bodyBytes);
            var functionChunks = new Chunk[ranges.Count];
            void CompileRange(int r)
            {
                TimeSpan cpu = NativeStack.ThreadCpuTime();
                var chunk = new Chunk(NewCompiler());
                chunk.Compiler.BeginBatch();
                for (int i = ranges[r].First; i < ranges[r].End; i++)
                {
                    if (_interpreted[i])
                    {
                        continue;
                    }
                    int start = chunk.Compiler.CompileFunction(i, out int patch, out int frame);
                    int end = chunk.Compiler.Assembler.Position;
                    chunk.Functions.Add((i, start, end, patch, frame));
                    chunk.Symbols.Add(FunctionSymbol(chunk.Compiler, i, start, end));
                }
                chunk.Compiler.EndBatch();
                chunk.TakeTrapSites();
                chunk.Cpu = NativeStack.ThreadCpuTime() - cpu;
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
            chunks.AddRange(functionChunks);
        }
        CompileTime += watch.Elapsed;
        foreach (Chunk c in chunks)
        {
            CompileCpuTime += c.Cpu;
        }
        BodyBytes += bodyBytes;

        // The stubs: one entry trampoline per signature of a defined function, and the lazy stubs.
        var stubs = new Chunk(NewCompiler());
        Assembler asm = stubs.Compiler.Assembler;
        stubs.Compiler.BeginBatch();
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
            BaselineStubs.EmitEntryTrampoline(asm, SlotLayout.SlotCount(type.Params), SlotLayout.SlotCount(type.Results));
            stubs.Symbols.Add(($"{_moduleName ?? "wasm"}!entry_trampoline[{typeIndex}]", trampolineStarts[typeIndex], asm.Position, null, null));
        }
        var lazyStarts = new int[n];
        if (lazy)
        {
            Label common = asm.CreateLabel();
            int first = -1;
            for (int i = 0; i < n; i++)
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
            BaselineStubs.EmitLazyCommon(asm, common, BaselineRuntime.LazyCompileAddress);
            stubs.Symbols.Add(($"{_moduleName ?? "wasm"}!lazy_compile_stubs", first >= 0 ? first : commonStart, asm.Position, null, null));
        }
        stubs.Compiler.EndBatch();
        chunks.Add(stubs);

        Install(chunks);
        foreach (Chunk c in chunks)
        {
            foreach ((int defined, int start, int end, _, _) in c.Functions)
            {
                _code[defined] = c.Address + start;
                _codeSize[defined] = end - start;
            }
        }
        for (int i = 0; i < n; i++)
        {
            if (lazy && !_interpreted[i])
            {
                _lazyStubs[i] = stubs.Address + lazyStarts[i];
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

    /// <summary>
    /// Contiguous ranges of defined functions of about equal body size, one per compiling thread:
    /// one range for small modules or when <see cref="EngineOptions.CompilationThreads"/> is 1.
    /// </summary>
    private List<(int First, int End)> SplitIntoRanges(out long totalBytes)
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
        var ranges = new List<(int, int)>(threads);
        long share = (totalBytes / threads) + 1;
        int begin = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++)
        {
            bytes += _interpreted[i] ? 0 : _model.Bodies[i].Code.Length;
            if (bytes >= share && ranges.Count < threads - 1)
            {
                ranges.Add((begin, i + 1));
                begin = i + 1;
                bytes = 0;
            }
        }
        ranges.Add((begin, n));
        return ranges;
    }

    /// <summary>Compiles one function on its first call (lazy mode); later calls and other instances reuse it.</summary>
    public nint EnsureCompiled(int definedIndex)
    {
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
            BaselineCompiler compiler = _lazyCompiler ??= NewCompiler();
            var watch = Stopwatch.StartNew();
            TimeSpan cpu = NativeStack.ThreadCpuTime();
            var chunk = new Chunk(compiler);
            compiler.BeginBatch();
            // The compiler is reused: a compile that failed earlier may have left sites behind.
            compiler.ResetTrapSites();
            int start = compiler.CompileFunction(definedIndex, out int patch, out int frame);
            int end = compiler.Assembler.Position;
            compiler.EndBatch();
            chunk.TakeTrapSites();
            chunk.Functions.Add((definedIndex, start, end, patch, frame));
            chunk.Symbols.Add(FunctionSymbol(compiler, definedIndex, start, end));
            CompileTime += watch.Elapsed;
            CompileCpuTime += NativeStack.ThreadCpuTime() - cpu;
            BodyBytes += _model.Bodies[definedIndex].Code.Length;
            Install([chunk]);
            _codeSize[definedIndex] = end - start;
            Volatile.Write(ref _code[definedIndex], chunk.Address + start);
            return chunk.Address + start;
        }
    }

    /// <summary>
    /// Copies every chunk's code and constants into one new batch, applies each chunk's relocations
    /// and frame sizes through the writable view, seals once (W^X: one permission change for the
    /// batch; the code is never writable and executable at once), then tells the engine's code
    /// observer. Sets each chunk's code address.
    /// </summary>
    private void Install(IReadOnlyList<Chunk> chunks)
    {
        // Exact capacities (items are 16-byte aligned), so the seal leaves no unused page behind.
        int codeCapacity = 0, dataCapacity = 0;
        foreach (Chunk c in chunks)
        {
            int code = c.Compiler.Assembler.Code.Length;
            int data = c.Compiler.Assembler.ReadOnlyData.Length;
            if (code > 0)
            {
                codeCapacity = ((codeCapacity + 15) & ~15) + code;
            }
            if (code > 0 && data > 0)
            {
                dataCapacity = ((dataCapacity + 15) & ~15) + data;
            }
        }
        using CodeBatchBuilder builder = _engine.CodeMemory.CreateBatch(codeCapacity, dataCapacity);
        var symbols = new List<CodeSymbol>();
        foreach (Chunk c in chunks)
        {
            Assembler asm = c.Compiler.Assembler;
            if (asm.Code.IsEmpty)
            {
                continue;
            }
            CodeItem codeItem = builder.AddFunction(asm.Code);
            nint codeAddress = builder.GetExecutableAddress(codeItem);
            nint dataAddress = 0;
            Span<byte> writableData = default;
            if (!asm.ReadOnlyData.IsEmpty)
            {
                CodeItem dataItem = builder.AddReadOnlyData(asm.ReadOnlyData, 16);
                dataAddress = builder.GetExecutableAddress(dataItem);
                writableData = builder.GetWritableSpan(dataItem);
            }
            Span<byte> writableCode = builder.GetWritableSpan(codeItem);
            Relocator.Apply(writableCode, writableData, asm.Relocations, new RelocationContext((ulong)codeAddress, (ulong)dataAddress, [], null));
            foreach ((_, _, _, int patch, int frame) in c.Functions)
            {
                BitConverter.TryWriteBytes(writableCode.Slice(patch, 4), frame);
            }
            c.Address = codeAddress;
            foreach ((string name, int start, int end, CodeLineTable? lines, CodeFrame? frame) in c.Symbols)
            {
                symbols.Add(new CodeSymbol(name, codeAddress + start, end - start, lines, frame));
            }
        }
        CodeBatch batch = builder.Seal();
        lock (_batches)
        {
            _batches.Add(batch);
        }
        // Before any entry point is published: a fault at a site must find its range. The registrations are tied to
        // the batch and withdrawn before its pages are unmapped.
        foreach (Chunk c in chunks)
        {
            if (c.TrapSites.Length > 0)
            {
                TrapSiteRegistration sites = TrapHandler.Register(batch, c.Address, c.Compiler.Assembler.Code.Length, c.TrapSites, c.Address + c.TrapRecovery);
                lock (_trapSites)
                {
                    _trapSites.Add(sites);
                }
            }
        }
        // The engine's observer: the embedder's own, behind perf map / jitdump / GDB registration when those are on.
        _engine.CodeObserver?.OnCodeSealed(symbols);
    }

    /// <summary>Compiled functions (index, name, address, size), for disassembly listings and diagnostics.</summary>
    public IEnumerable<CodeSymbol> GetCompiledFunctions()
    {
        for (int i = 0; i < _code.Length; i++)
        {
            if (_code[i] != 0)
            {
                yield return new CodeSymbol(FunctionName(i), _code[i], _codeSize[i]);
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

    /// <summary>The machine code of a compiled function (valid while the engine lives).</summary>
    public ReadOnlySpan<byte> GetCode(CodeSymbol function) => new((void*)function.Address, function.Size);
}

using System.Diagnostics;
using Kiln.Jit;
using Kiln.Jit.Linking;
using Kiln.Jit.X64;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// A module's baseline code: every compiled function, one entry trampoline per signature that a
/// defined function has, and (lazy mode) one stub per function that compiles it on first call. The
/// code is shared by all instances (it reaches instance state only through vmctx). Eager
/// compilation writes everything as one batch sealed once; lazy compilation adds one batch per
/// function compiled. Batches live as long as the engine's code memory.
/// </summary>
internal sealed unsafe class BaselineModule
{
    private readonly Engine _engine;
    private readonly WasmModule _model;
    private readonly int[] _signatureIds;
    private readonly string? _moduleName;
    private readonly bool[] _interpreted;
    private readonly nint[] _code;
    private readonly int[] _codeSize;
    private readonly nint[] _lazyStubs;
    private readonly nint[] _trampolines;
    private readonly List<CodeBatch> _batches = [];
    private readonly object _lock = new();
    private BaselineCompiler? _lazyCompiler;

    private BaselineModule(Engine engine, WasmModule model, int[] signatureIds, string? moduleName, bool[] interpreted)
    {
        _engine = engine;
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

    /// <summary>Bytes of Wasm function bodies compiled.</summary>
    public long BodyBytes { get; private set; }

    /// <summary>True when defined function <paramref name="definedIndex"/> runs on the interpreter.</summary>
    public bool IsInterpreted(int definedIndex) => _interpreted[definedIndex];

    /// <summary>What a new instance's slot holds: the compiled code, or the lazy stub until the first call.</summary>
    public nint GetEntry(int definedIndex) => Volatile.Read(ref _code[definedIndex]) is var c && c != 0 ? c : _lazyStubs[definedIndex];

    public nint GetTrampoline(uint typeIndex) => _trampolines[typeIndex];

    /// <summary>Compiles <paramref name="model"/>'s functions (all now, or stubs for later) and seals the batch.</summary>
    public static BaselineModule Compile(Engine engine, WasmModule model, int[] signatureIds, string? moduleName, bool[] interpreted)
    {
        var module = new BaselineModule(engine, model, signatureIds, moduleName, interpreted);
        module.CompileInitialBatch(engine.Options.Compilation == CompilationMode.Lazy);
        return module;
    }

    private BaselineCompiler NewCompiler() =>
        new(_model, _signatureIds, _engine.Options.ConsumeFuel, CpuFeatures.Host);

    private string FunctionName(int definedIndex) =>
        $"{_moduleName ?? "wasm"}!{_model.GetFunctionName(new FuncIndex((uint)(_model.ImportedFunctionCount + definedIndex)))}";

    private void CompileInitialBatch(bool lazy)
    {
        BaselineCompiler compiler = NewCompiler();
        Assembler asm = compiler.Assembler;
        compiler.BeginBatch();
        int n = _code.Length;
        var starts = new int[n];
        var ends = new int[n];
        var patches = new List<(int Offset, int Value)>();
        var symbols = new List<(string Name, int Start, int End)>();
        Array.Fill(starts, -1);
        var watch = Stopwatch.StartNew();
        long bodyBytes = 0;
        if (!lazy)
        {
            for (int i = 0; i < n; i++)
            {
                if (_interpreted[i])
                {
                    continue;
                }
                starts[i] = compiler.CompileFunction(i, out int patch, out int frame);
                ends[i] = asm.Position;
                patches.Add((patch, frame));
                bodyBytes += _model.Bodies[i].Code.Length;
                symbols.Add((FunctionName(i), starts[i], ends[i]));
            }
        }
        CompileTime += watch.Elapsed;
        BodyBytes += bodyBytes;

        // One entry trampoline per signature of a defined function.
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
            BaselineStubs.EmitEntryTrampoline(asm, type.Params.Length, type.Results.Length);
            symbols.Add(($"{_moduleName ?? "wasm"}!entry_trampoline[{typeIndex}]", trampolineStarts[typeIndex], asm.Position));
        }

        var lazyStarts = new int[n];
        if (lazy)
        {
            Label common = asm.CreateLabel();
            for (int i = 0; i < n; i++)
            {
                if (_interpreted[i])
                {
                    continue;
                }
                asm.Align(16);
                lazyStarts[i] = asm.Position;
                asm.Mov(OperandSize.S32, Gpr.Rsi, i);
                asm.Jmp(common);
            }
            asm.Align(16);
            int commonStart = asm.Position;
            BaselineStubs.EmitLazyCommon(asm, common, BaselineRuntime.LazyCompileAddress);
            symbols.Add(($"{_moduleName ?? "wasm"}!lazy_compile_stubs", lazyStarts.Length > 0 ? Math.Min(commonStart, FirstLazy(lazyStarts)) : commonStart, asm.Position));
        }
        compiler.EndBatch();

        nint codeAddress = Install(asm, patches, symbols);
        for (int i = 0; i < n; i++)
        {
            if (starts[i] >= 0)
            {
                _code[i] = codeAddress + starts[i];
                _codeSize[i] = ends[i] - starts[i];
            }
            else if (lazy && !_interpreted[i])
            {
                _lazyStubs[i] = codeAddress + lazyStarts[i];
            }
        }
        for (int t = 0; t < _trampolines.Length; t++)
        {
            if (trampolineStarts[t] >= 0)
            {
                _trampolines[t] = codeAddress + trampolineStarts[t];
            }
        }
    }

    private int FirstLazy(int[] lazyStarts)
    {
        for (int i = 0; i < lazyStarts.Length; i++)
        {
            if (!_interpreted[i])
            {
                return lazyStarts[i];
            }
        }
        return int.MaxValue;
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
            compiler.BeginBatch();
            int start = compiler.CompileFunction(definedIndex, out int patch, out int frame);
            int end = compiler.Assembler.Position;
            compiler.EndBatch();
            CompileTime += watch.Elapsed;
            BodyBytes += _model.Bodies[definedIndex].Code.Length;
            nint address = Install(compiler.Assembler, [(patch, frame)], [(FunctionName(definedIndex), start, end)]);
            _codeSize[definedIndex] = end - start;
            Volatile.Write(ref _code[definedIndex], address + start);
            return address + start;
        }
    }

    /// <summary>
    /// Copies the assembled code and constants into a new batch, applies relocations and frame sizes
    /// through the writable view, seals (W^X: one permission change, the code is never writable
    /// and executable at once), then tells the engine's code observer. Returns the code's address.
    /// </summary>
    private nint Install(Assembler asm, IReadOnlyList<(int Offset, int Value)> patches, IReadOnlyList<(string Name, int Start, int End)> symbols)
    {
        ReadOnlySpan<byte> code = asm.Code;
        ReadOnlySpan<byte> data = asm.ReadOnlyData;
        using CodeBatchBuilder builder = _engine.CodeMemory.CreateBatch(code.Length, data.Length);
        CodeItem codeItem = builder.AddFunction(code);
        nint codeAddress = builder.GetExecutableAddress(codeItem);
        nint dataAddress = 0;
        Span<byte> writableData = default;
        if (!data.IsEmpty)
        {
            CodeItem dataItem = builder.AddReadOnlyData(data, 16);
            dataAddress = builder.GetExecutableAddress(dataItem);
            writableData = builder.GetWritableSpan(dataItem);
        }
        Span<byte> writableCode = builder.GetWritableSpan(codeItem);
        Relocator.Apply(writableCode, writableData, asm.Relocations, new RelocationContext((ulong)codeAddress, (ulong)dataAddress, [], null));
        foreach ((int offset, int value) in patches)
        {
            BitConverter.TryWriteBytes(writableCode.Slice(offset, 4), value);
        }
        CodeBatch batch = builder.Seal();
        lock (_batches)
        {
            _batches.Add(batch);
        }
        if (_engine.Options.CodeObserver is { } observer)
        {
            var list = new CodeSymbol[symbols.Count];
            for (int i = 0; i < list.Length; i++)
            {
                list[i] = new CodeSymbol(symbols[i].Name, codeAddress + symbols[i].Start, symbols[i].End - symbols[i].Start);
            }
            observer.OnCodeSealed(list);
        }
        return codeAddress;
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

    /// <summary>The machine code of a compiled function (valid while the engine lives).</summary>
    public ReadOnlySpan<byte> GetCode(CodeSymbol function) => new((void*)function.Address, function.Size);
}

using System.Diagnostics;
using Kiln.Wasi;
using Kiln.Wasm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Text;
using Kiln.Wasm.Validation;

namespace Kiln.Cli.Run;

/// <summary>
/// Loads, links and runs one module for <c>kiln run</c>: decode (binary or text by the magic
/// bytes), validate, compile for the tier, link WASI preview1 with the granted capabilities, then
/// call <c>--invoke</c>'s export or <c>_start</c>. Every failure becomes a one-line message and a
/// documented exit status (<see cref="ExitCodes"/>); a trap also prints the Wasm backtrace.
/// </summary>
internal sealed class Runner(RunOptions options, TextWriter stdout, TextWriter stderr)
{
    private readonly Stopwatch _clock = new();
    private bool _isText;
    /// <summary>The tier the run uses: the options', or a serialized module's own when none was asked for.</summary>
    private Tier _tier = options.Tier;

    private TimeSpan _decodeTime, _validateTime, _compileTime, _instantiateTime, _runTime, _runCpuStart, _runCpu;

    public int Run()
    {
        try
        {
            return RunCore();
        }
        catch (WasmModuleException e) when (_isText && e.Line == 0)
        {
            // The validator locates errors by binary offset, which a text module does not have.
            string where = e.FunctionIndex is { } f ? $" (in function {f})" : "";
            return Fail(ExitCodes.BadModule, $"{options.File}: invalid module: {e.Reason}{where}");
        }
        catch (WasmModuleException e)
        {
            return Fail(ExitCodes.BadModule, $"{options.File}: {e.Message}");
        }
        catch (SerializedModuleException e)
        {
            return Fail(ExitCodes.BadModule, $"{options.File}: cannot load the serialized module: {e.Message}");
        }
        catch (UnsupportedFeatureException e)
        {
            return Fail(ExitCodes.BadModule, $"{options.File}: unsupported: {e.Message}");
        }
        catch (LinkException e)
        {
            return Fail(ExitCodes.BadModule, $"{options.File}: link error: {e.Message}");
        }
        catch (ResourceLimitException e)
        {
            return Fail(ExitCodes.BadModule, $"{options.File}: resource limit: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(ExitCodes.BadModule, e.Message);
        }
        catch (FormatException e)
        {
            return Fail(ExitCodes.Usage, e.Message);
        }
        catch (NativeCodeException e) when (e.Facility == NativeCodeFacility.Diagnostics)
        {
            // The environment contradicts the flags (e.g. DOTNET_PerfMapEnabled), or the profiler's file cannot be written.
            string flag = options.Profiler != CodeProfiler.None ? "--profile" : "--debug-info";
            return Fail(ExitCodes.Usage, $"{flag}: {e.Message}");
        }
        catch (SandboxUnavailableException e)
        {
            return Fail(ExitCodes.IsolationFailed, $"isolation: {e.Message}; not running the guest");
        }
        catch (InternalErrorException e)
        {
            return Fail(ExitCodes.Internal, $"internal error: {e.Message}");
        }
        catch (Exception e)
        {
            // A bug in Kiln, not in the user's input: still one line, not a .NET stack trace.
            return Fail(ExitCodes.Internal, $"internal error: {e.GetType().Name}: {e.Message}");
        }
    }

    private int RunCore()
    {
        if (Directory.Exists(options.File))
        {
            throw new IOException($"{options.File} is a directory, not a module");
        }
        byte[] bytes = File.ReadAllBytes(options.File);
        // A serialized module (kiln compile -o) is recognised by its magic, whatever the file is called; it is
        // decoded, validated and installed by Module.Deserialize below.
        bool serialized = Module.IsSerializedModule(bytes);
        WasmModule? model = null;
        if (!serialized)
        {
            _clock.Restart();
            _isText = !bytes.AsSpan().StartsWith("\0asm"u8);
            model = _isText ? TextParser.ParseModule(bytes, options.File) : ModuleReader.Read(bytes);
            _decodeTime = _clock.Elapsed;

            _clock.Restart();
            ModuleValidator.Validate(model);
            _validateTime = _clock.Elapsed;
        }

        // A serialized module holds code of one tier: without --tier it runs on that one.
        if (serialized && !options.TierChosen && Module.SerializedTier(bytes) is { } fileTier)
        {
            _tier = fileTier;
        }
        var engineOptions = new EngineOptions
        {
            Tier = _tier,
            ConsumeFuel = options.Fuel is not null,
            InterruptChecks = options.InterruptChecks,
            OnStackReplacement = options.OnStackReplacement,
            Profiler = options.Profiler,
            DebugInfo = options.DebugInfo,
            Limits = options.MaxMemoryBytes is { } max
                ? new StoreLimits { MaxMemoryPages = (uint)Math.Min(max / 65536, 65536) }
                : new StoreLimits(),
        };
        Engine engine;
        try
        {
            engine = new Engine(engineOptions);
        }
        catch (UnsupportedFeatureException e)
        {
            return Fail(ExitCodes.BadModule, $"--tier: {e.Message}");
        }
        catch (Exception e) when (e is ArgumentException or NativeCodeException { Facility: NativeCodeFacility.CodeMemory })
        {
            // A bad KILN_BOUNDS_CHECKS or KILN_CODE_MEMORY: the environment is part of the command line.
            return Fail(ExitCodes.Usage, e.Message);
        }
        using Engine ownedEngine = engine;
        if (options.Verbose)
        {
            stderr.WriteLine($"kiln run: tier {TierName}, diagnostics: {engine.DescribeDiagnostics()}");
        }
        _clock.Restart();
        // Backtraces name the module by its name section, else by the file name (a serialized module keeps the name it was compiled with).
        Module module = model is null
            ? Module.Deserialize(engine, bytes)
            : Module.FromWasmModule(engine, model, model.Names.ModuleName ?? Path.GetFileNameWithoutExtension(options.File));
        _compileTime = _clock.Elapsed;

        using var store = new Store(engine);
        if (options.Fuel is { } fuel)
        {
            store.SetFuel(fuel);
        }
        using var interrupt = new CancellationTokenSource();
        // --isolate: the directories are opened inside the confined file system, never on the host's tree.
        IsolatedRun.ConfineFileSystemIfChild(options, stderr);
        WasiConfiguration config = new WasiConfiguration()
            .InheritStdio()
            .WithArguments([Path.GetFileName(options.File), .. options.Invoke is null ? options.Arguments : []])
            .WithInterruptToken(interrupt.Token);
        foreach (KeyValuePair<string, string> kv in options.Environment)
        {
            config.WithEnvironment(kv.Key, kv.Value);
        }
        foreach (DirectoryGrant d in options.Directories)
        {
            config.PreopenDirectory(d.HostPath, d.GuestPath, d.ReadOnly);
        }
        using WasiContext wasi = config.Build();
        var linker = new Linker(engine);
        wasi.AddToLinker(linker);
        if (options.TrapUnknownImports)
        {
            IReadOnlyList<string> traps = linker.DefineUnknownImportsAsTraps(module);
            if (options.Verbose && traps.Count > 0)
            {
                stderr.WriteLine($"kiln run: {traps.Count} unknown imports trap when called: {string.Join(", ", traps.Take(5))}{(traps.Count > 5 ? ", ..." : "")}");
            }
        }

        // The timeout runs from instantiation (a start function counts) to the end: the token
        // interrupts Wasm code (at its next loop header or call) and wakes a WASI sleep.
        using CancellationTokenRegistration interruptRegistration = options.InterruptChecks ? store.InterruptOn(interrupt.Token) : default;
        if (options.Timeout is { } timeout)
        {
            interrupt.CancelAfter(timeout);
        }
        // --isolate: from here on the guest's code runs, so the child seals itself first.
        IsolatedRun.EnterIfChild(options, stderr);
        Instance? instance = null;
        try
        {
            _clock.Restart();
            instance = linker.Instantiate(store, module);
            _instantiateTime = _clock.Elapsed;
            _clock.Restart();
            _runCpuStart = ThreadCpuClock.Now();
            int status = Execute(instance, module);
            _runTime = _clock.Elapsed;
            _runCpu = ThreadCpuClock.Now() - _runCpuStart;
            return status;
        }
        catch (TrapException trap) when (WasiExitException.TryGetExitCode(trap, out int code))
        {
            _runTime = _clock.Elapsed;
            _runCpu = ThreadCpuClock.Now() - _runCpuStart;
            return code;
        }
        catch (TrapException trap)
        {
            _runTime = _clock.Elapsed;
            string detail = trap.InnerException is { } inner && inner is not WasiExitException ? $" ({inner.Message})" : "";
            string hint = trap.Code switch
            {
                TrapCode.Interrupted when options.Timeout is not null => $" (the --timeout of {options.Timeout.Value.TotalSeconds:0.###}s expired)",
                _ => "",
            };
            stderr.WriteLine($"kiln run: trap: {trap.Message}{detail}{hint}");
            PrintBacktrace(trap.Backtrace);
            return ExitCodes.Trap;
        }
        finally
        {
            wasi.FlushStreams();
            if (options.Stats)
            {
                PrintStats(engine, module, instance, store);
            }
        }
    }

    private int Execute(Instance instance, Module module)
    {
        if (options.Invoke is { } name)
        {
            // A WASI reactor initialises itself before its exports are called.
            instance.GetFunction("_initialize")?.Invoke();
            Func func = instance.GetFunction(name)
                ?? throw new FormatException($"the module exports no function named '{name}'");
            var ps = func.Type.Params;
            if (options.Arguments.Count != ps.Length)
            {
                throw new FormatException($"'{name}' takes {ps.Length} argument(s) ({string.Join(" ", ps.Select(p => p.ToText()))}), got {options.Arguments.Count}");
            }
            var args = new Value[ps.Length];
            for (int i = 0; i < ps.Length; i++)
            {
                args[i] = InvokeValues.Parse(ps[i], options.Arguments[i]);
            }
            foreach (Value result in func.Invoke(args))
            {
                stdout.WriteLine(InvokeValues.Format(result));
            }
            stdout.Flush();
            return 0;
        }
        if (instance.GetFunction("_start") is { } start)
        {
            start.Invoke();
            return 0;
        }
        if (module.HasStartFunction)
        {
            return 0; // The start function ran during instantiation.
        }
        throw new FormatException($"{options.File}: nothing to run: the module exports no _start function and has no start function (use --invoke NAME)");
    }

    private string TierName => _tier switch
    {
        Tier.Interpreter => "interp",
        Tier.Optimizing => "opt",
        Tier.Auto => "auto",
        _ => "baseline",
    };

    private void PrintStats(Engine engine, Module module, Instance? instance, Store store)
    {
        string tier = TierName;
        ulong memoryBytes = 0;
        if (instance is not null)
        {
            foreach (Extern e in instance.Exports.Values)
            {
                if (e is Memory m)
                {
                    memoryBytes = Math.Max(memoryBytes, m.Length);
                }
            }
        }
        stderr.WriteLine($"kiln stats: decode {Ms(_decodeTime)} ms, validate {Ms(_validateTime)} ms, compile ({tier}) {Ms(_compileTime)} ms, instantiate {Ms(_instantiateTime)} ms, run {Ms(_runTime)} ms ({Ms(_runCpu)} ms CPU on the guest's thread)");
        // The interpreter emits no machine code, so it has no code memory: 0 code bytes and no W^X permission changes.
        long machineCode = 0;
        IReadOnlyList<CodeSymbol> functions = module.CompiledFunctions;
        foreach (CodeSymbol f in functions)
        {
            machineCode += f.Size;
        }
        stderr.WriteLine($"kiln stats: code bytes ({tier}) {machineCode} in {functions.Count} functions from {module.CompiledBodyBytes} bytes of Wasm bodies, "
            + $"compiler {Ms(module.CompileTime)} ms ({Ms(module.CompileCpuTime)} ms CPU)");
        if (engine.TieringStatistics is { } tiering)
        {
            stderr.WriteLine("kiln stats: " + tiering.Describe());
        }
        if (engine.OptimizingStatistics is { } optimizing)
        {
            foreach (string line in optimizing.Describe().Split('\n'))
            {
                stderr.WriteLine("kiln stats: " + line.TrimStart());
            }
        }
        if (engine.GetCodeMemoryStatistics() is { } code)
        {
            // Dual mapping seals by unmapping the writable view, so its permission changes are 0 and its unmaps count instead.
            stderr.WriteLine($"kiln stats: code memory ({code.Strategy}) {code.BytesUsed} bytes used, {code.PagesCommitted} pages committed, "
                + $"permission changes {code.PermissionChanges}, mmap {code.MapCalls}, munmap {code.UnmapCalls}, batches sealed {code.BatchesSealed}, freed {code.BatchesFreed}");
        }
        else
        {
            stderr.WriteLine($"kiln stats: code memory ({tier}) none, permission changes 0");
        }
        // Linear memory never shrinks, so its final size is its peak.
        stderr.WriteLine($"kiln stats: peak linear memory {memoryBytes} bytes, host working set {Environment.WorkingSet / 1024} KiB (peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1024} KiB)");
        if (options.Fuel is not null)
        {
            stderr.WriteLine($"kiln stats: fuel left {store.GetFuel()}");
        }
    }

    /// <summary>One frame a line, innermost first; a run of identical frames (deep recursion) is one line with a count.</summary>
    private void PrintBacktrace(IReadOnlyList<WasmFrame> frames)
    {
        for (int i = 0; i < frames.Count;)
        {
            int run = 1;
            while (i + run < frames.Count && frames[i + run] == frames[i])
            {
                run++;
            }
            stderr.WriteLine(run == 1 ? $"  {i}: {frames[i]}" : $"  {i}: {frames[i]} (and {run - 1} more identical frames)");
            i += run;
        }
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private int Fail(int status, string message)
    {
        stderr.WriteLine($"kiln run: {message}");
        return status;
    }
}

using System.Runtime.InteropServices;

namespace Kiln.Jit.Diagnostics;

/// <summary>
/// Tells profilers, debuggers and unwinders about generated code: after a batch is sealed, the code generator calls
/// <see cref="Register(CodeBatch, IReadOnlyList{JitFunction})"/> with a name, frame layout and optional line table per function, and, as the options ask,
/// the functions go to the perf map or the jitdump, an ELF object per batch goes to GDB, and the batch's
/// <c>.eh_frame</c> goes to libgcc's unwinder. GDB and unwinder registrations are undone when the batch is freed.
/// Files and the GDB shim are set up in the constructor, so a configuration that cannot work fails at start-up.
/// </summary>
/// <remarks>
/// Cost: with every option off, <see cref="IsEnabled"/> is false and a generator should not even build the function
/// list. One instance may serve many threads: the perf map and jitdump serialize whole records, and GDB's list is
/// updated under a lock.
/// </remarks>
public sealed class JitDiagnostics
{
    private readonly JitDiagnosticsOptions _options;
    private readonly PerfMap? _perfMap;
    private readonly JitDump? _jitDump;
    private readonly GdbJitInterface? _gdb;
    private readonly bool _unwind;

    /// <summary>Sets up what <paramref name="options"/> ask for; throws <see cref="JitDiagnosticsException"/> when something cannot work here.</summary>
    public JitDiagnostics(JitDiagnosticsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        if (options.IsEnabled && !OperatingSystem.IsLinux())
        {
            throw new JitDiagnosticsException("perf maps, jitdump, the GDB JIT interface and unwind registration are implemented for Linux only.");
        }
        _perfMap = options.Profiler == JitProfiler.PerfMap ? PerfMap.Open(options.PerfMapPath) : null;
        _jitDump = options.Profiler == JitProfiler.JitDump ? JitDump.Open(options.JitDumpDirectory) : null;
        _gdb = options.DebugInfo ? GdbJitInterface.Instance : null;
        _unwind = options.DebugInfo || options.UnwindInfo;
        if (_unwind && !NativeLibrary.TryLoad("libgcc_s.so.1", out _))
        {
            throw new JitDiagnosticsException("Unwind registration needs libgcc_s.so.1 (__register_frame), which cannot be loaded here.");
        }
    }

    /// <summary>Diagnostics with everything off.</summary>
    public static JitDiagnostics Disabled { get; } = new(new JitDiagnosticsOptions());

    public JitDiagnosticsOptions Options => _options;

    /// <summary>Whether registering does anything at all.</summary>
    public bool IsEnabled => _options.IsEnabled;

    /// <summary>
    /// Whether anything reads the frame layouts (jitdump, GDB, the unwinder): when only the perf map is on, a generator
    /// may pass <see cref="FrameLayout.NoFrame"/> rather than work out or infer its frames.
    /// </summary>
    public bool UsesFrameLayouts => _jitDump is not null || _gdb is not null || _unwind;

    /// <summary>The perf map being written, or null.</summary>
    public string? PerfMapPath => _perfMap?.Path;

    /// <summary>The jitdump file being written, or null.</summary>
    public string? JitDumpPath => _jitDump?.FilePath;

    /// <summary>The GDB shim object loaded into the process, or null.</summary>
    public string? GdbShimPath => _gdb?.ShimPath;

    /// <summary>One line for humans: which integrations are on and where their files are.</summary>
    public string Describe()
    {
        if (!IsEnabled)
        {
            return "off";
        }
        List<string> parts = [];
        if (_perfMap is not null)
        {
            parts.Add($"perf map {_perfMap.Path}");
        }
        if (_jitDump is not null)
        {
            parts.Add($"jitdump {_jitDump.FilePath}");
        }
        if (_gdb is not null)
        {
            parts.Add($"GDB JIT interface ({_gdb.ShimPath})");
        }
        if (_unwind)
        {
            parts.Add("unwind info (__register_frame)");
        }
        return string.Join(", ", parts);
    }

    /// <summary>
    /// Announces the <paramref name="functions"/> of a sealed <paramref name="batch"/>, each described by a
    /// <see cref="CodeItem"/>. Returns the registration, which the batch also disposes when it is freed; disposing it
    /// earlier withdraws the GDB object and unwind info.
    /// </summary>
    public JitRegistration Register(CodeBatch batch, IReadOnlyList<JitFunction> functions)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(functions);
        if (!IsEnabled || functions.Count == 0)
        {
            return JitRegistration.Empty;
        }
        if (batch.Strategy == CodeMemoryStrategy.DualMapping && (_perfMap is not null || _gdb is not null))
        {
            throw new JitDiagnosticsException(
                "Perf maps and GDB need code in anonymous memory: use CodeMemoryStrategy.Mprotect (JitDiagnosticsOptions.RequiredCodeMemoryStrategy) " +
                "or the jitdump profiler, which works with dual mapping.");
        }
        var addresses = new long[functions.Count];
        for (int i = 0; i < functions.Count; i++)
        {
            CodeItem item = functions[i].Item ?? throw new ArgumentException($"'{functions[i].Name}' is described by an address, not by an item of this batch.", nameof(functions));
            addresses[i] = batch.GetAddress(item);
        }
        JitRegistration registration = RegisterCore(functions, addresses, batch.CodeAddress, batch.CodeBytes);
        if (registration != JitRegistration.Empty)
        {
            try
            {
                batch.DisposeBeforeFree(registration);
            }
            catch (ObjectDisposedException)
            {
                // Freed meanwhile on another thread: unwinders and GDB must not keep pointing at unmapped code.
                registration.Dispose();
                throw;
            }
        }
        return registration;
    }

    /// <summary>
    /// Announces sealed code described by absolute addresses (all of it executable and mapped for as long as the
    /// registration lives). The caller disposes the registration before the code is freed. The code must be in
    /// memory of the strategy <see cref="JitDiagnosticsOptions.RequiredCodeMemoryStrategy"/> names.
    /// </summary>
    public JitRegistration Register(IReadOnlyList<JitFunction> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        if (!IsEnabled || functions.Count == 0)
        {
            return JitRegistration.Empty;
        }
        var addresses = new long[functions.Count];
        long start = long.MaxValue;
        long end = long.MinValue;
        for (int i = 0; i < functions.Count; i++)
        {
            if (functions[i].Item is not null || functions[i].Address == 0)
            {
                throw new ArgumentException($"'{functions[i].Name}' is described by a batch item: register it with its batch.", nameof(functions));
            }
            addresses[i] = functions[i].Address;
            start = Math.Min(start, addresses[i]);
            end = Math.Max(end, addresses[i] + functions[i].Size);
        }
        return RegisterCore(functions, addresses, (nint)start, checked((int)(end - start)));
    }

    private JitRegistration RegisterCore(IReadOnlyList<JitFunction> functions, long[] addresses, nint codeStart, int codeBytes)
    {
        if (_perfMap is not null)
        {
            var lines = new (long, int, string)[functions.Count];
            for (int i = 0; i < functions.Count; i++)
            {
                lines[i] = (addresses[i], functions[i].Size, functions[i].Name);
            }
            _perfMap.Append(lines);
        }
        if (_jitDump is not null)
        {
            var records = new (string, long, int, FrameLayout, IReadOnlyList<SourceLocation>)[functions.Count];
            for (int i = 0; i < functions.Count; i++)
            {
                JitFunction f = functions[i];
                records[i] = (f.Name, addresses[i], f.Size, f.Frame, f.Lines);
            }
            _jitDump.WriteFunctions(records);
        }
        if (!_unwind && _gdb is null)
        {
            return JitRegistration.Empty;
        }

        var cfi = new CfiFunction[functions.Count];
        for (int i = 0; i < functions.Count; i++)
        {
            cfi[i] = new CfiFunction(addresses[i], functions[i].Size, functions[i].Frame);
        }
        byte[] ehFrame = EhFrame.Build(cfi, EhFramePointers.Absolute);
        UnwindRegistration? unwind = null;
        GdbJitInterface.Registration? gdb = null;
        try
        {
            if (_unwind)
            {
                unwind = UnwindRegistration.Register(ehFrame);
            }
            if (_gdb is not null)
            {
                gdb = _gdb.Register(BuildGdbObject(functions, addresses, codeStart, codeBytes, ehFrame));
            }
            return new JitRegistration(unwind, gdb);
        }
        catch
        {
            gdb?.Dispose();
            unwind?.Dispose();
            throw;
        }
    }

    internal static byte[] BuildGdbObject(IReadOnlyList<JitFunction> functions, long[] addresses, nint codeStart, int codeBytes, byte[] ehFrame)
    {
        var symbols = new GdbJitObject.Symbol[functions.Count];
        var lineTables = new (long, int, IReadOnlyList<SourceLocation>)[functions.Count];
        for (int i = 0; i < functions.Count; i++)
        {
            symbols[i] = new GdbJitObject.Symbol(functions[i].Name, addresses[i], functions[i].Size);
            lineTables[i] = (addresses[i], functions[i].Size, functions[i].Lines);
        }
        DebugLineSections? debug = DebugLineSections.Build(codeStart, codeBytes, lineTables);
        return GdbJitObject.Build(codeStart, codeBytes, symbols, ehFrame, debug);
    }
}

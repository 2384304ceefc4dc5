using Kiln.Jit.Diagnostics;

namespace Kiln;

/// <summary>
/// Connects the engine's compiled code to perf and GDB: the code observer that the compilers call after each seal,
/// turning every <see cref="CodeSymbol"/> into a <see cref="JitFunction"/> for <see cref="JitDiagnostics"/> (the
/// frame layout and line table the compiler reports, or a layout read from the code itself for stubs that report
/// none), then passing the symbols on to
/// the embedder's own observer. The registrations live as long as the engine's code and are withdrawn before it is
/// freed. Failures reach the embedder as <see cref="NativeCodeException"/>, never as the compiler layer's exception.
/// </summary>
internal sealed class EngineDiagnostics : ICodeObserver, IDisposable
{
    private readonly JitDiagnostics? _diagnostics;
    private readonly ICodeObserver? _next;
    // Per batch's symbol list (by reference): its GDB object and unwind info, withdrawn when the batch is freed.
    private readonly Dictionary<IReadOnlyList<CodeSymbol>, JitRegistration> _registrations = new(ReferenceEqualityComparer.Instance);

    private EngineDiagnostics(JitDiagnostics? diagnostics, ICodeObserver? next)
    {
        _diagnostics = diagnostics;
        _next = next;
    }

    /// <summary>The options for <see cref="JitDiagnostics"/> that an engine's options ask for.</summary>
    public static JitDiagnosticsOptions OptionsFor(EngineOptions options) => new()
    {
        Profiler = options.Profiler switch
        {
            CodeProfiler.PerfMap => JitProfiler.PerfMap,
            CodeProfiler.JitDump => JitProfiler.JitDump,
            _ => JitProfiler.None,
        },
        DebugInfo = options.DebugInfo,
    };

    /// <summary>The observer the compilers call: this one when diagnostics are on, else the embedder's (or none).</summary>
    public static (ICodeObserver? Observer, EngineDiagnostics? Diagnostics) Create(EngineOptions options)
    {
        JitDiagnosticsOptions jit = OptionsFor(options);
        if (!jit.IsEnabled)
        {
            return (options.CodeObserver, null);
        }
        var diagnostics = new EngineDiagnostics(NativeCodeException.Translate(() => new JitDiagnostics(jit)), options.CodeObserver);
        return (diagnostics, diagnostics);
    }

    public string Describe() => _diagnostics?.Describe() ?? "off";

    public unsafe void OnCodeSealed(IReadOnlyList<CodeSymbol> symbols)
    {
        if (_diagnostics is not null && symbols.Count > 0)
        {
            var functions = new JitFunction[symbols.Count];
            for (int i = 0; i < functions.Length; i++)
            {
                CodeSymbol s = symbols[i];
                FrameLayout frame = !_diagnostics.UsesFrameLayouts ? FrameLayout.NoFrame : LayoutOf(s.Frame, new ReadOnlySpan<byte>((void*)s.Address, s.Size));
                functions[i] = new JitFunction(s.Name, s.Address, s.Size, frame, ToSourceLocations(s.Lines));
            }
            JitRegistration registration = NativeCodeException.Translate(() => _diagnostics.Register(functions));
            lock (_registrations)
            {
                _registrations.Add(symbols, registration);
            }
        }
        _next?.OnCodeSealed(symbols);
    }

    /// <summary>
    /// The frame layout unwinders get for a symbol: the one its compiler reports (every epilogue, so code after an early
    /// return is described as inside the frame again), or, for stubs that report none, one read from its code.
    /// </summary>
    internal static FrameLayout LayoutOf(CodeFrame? reported, ReadOnlySpan<byte> code)
    {
        if (reported is not { } f)
        {
            return FrameLayout.Infer(code);
        }
        FrameLayout layout = FrameLayout.RbpFrame(f.AfterPushRbp, f.AfterMovRbp);
        foreach ((int start, int end) in f.Epilogues)
        {
            layout.WithEpilogue(start, end);
        }
        return layout;
    }

    /// <summary>A batch is being freed (retired code): GDB and the unwinder forget it before its pages go.</summary>
    public void OnCodeFreed(IReadOnlyList<CodeSymbol> symbols)
    {
        JitRegistration? registration;
        lock (_registrations)
        {
            _registrations.Remove(symbols, out registration);
        }
        // The perf map is append-only: a later mapping of the same addresses is appended after this one's lines.
        registration?.Dispose();
        _next?.OnCodeFreed(symbols);
    }

    /// <summary>A Wasm line table as perf and GDB take it: the module as the file, the bytecode offset as the line.</summary>
    private static SourceLocation[]? ToSourceLocations(CodeLineTable? table)
    {
        if (table is null || table.Entries.Count == 0)
        {
            return null;
        }
        var locations = new SourceLocation[table.Entries.Count];
        for (int i = 0; i < locations.Length; i++)
        {
            CodeLine line = table.Entries[i];
            // Lines count from 1 and a module's code section never starts at byte 0 (the header is 8 bytes).
            locations[i] = new SourceLocation(line.CodeOffset, table.File, line.BytecodeOffset);
        }
        return locations;
    }

    /// <summary>Withdraws the GDB objects and unwind info; runs before the engine frees its code.</summary>
    public void Dispose()
    {
        JitRegistration[] registrations;
        lock (_registrations)
        {
            registrations = [.. _registrations.Values];
            _registrations.Clear();
        }
        foreach (JitRegistration registration in registrations)
        {
            registration.Dispose();
        }
    }
}

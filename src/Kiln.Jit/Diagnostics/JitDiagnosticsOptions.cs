namespace Kiln.Jit.Diagnostics;

/// <summary>
/// What <see cref="JitDiagnostics"/> tells the outside world about generated code. Everything is off by default, in
/// which case nothing is opened, loaded or written.
/// </summary>
public sealed class JitDiagnosticsOptions
{
    /// <summary>The profiler integration (perf map or jitdump), or none.</summary>
    public JitProfiler Profiler { get; init; } = JitProfiler.None;

    /// <summary>
    /// Debugging: every batch is registered with GDB's JIT interface (symbols, unwind info, line tables) and its
    /// <c>.eh_frame</c> with the system unwinder. Needs the mprotect code memory strategy: GDB cannot plant software
    /// breakpoints in the read-only shared view of a dual mapping.
    /// </summary>
    public bool DebugInfo { get; init; }

    /// <summary>
    /// Registers each batch's <c>.eh_frame</c> with libgcc's unwinder (<c>__register_frame</c>) so <c>backtrace()</c>
    /// and native crash reporters walk through generated frames. Implied by <see cref="DebugInfo"/>.
    /// </summary>
    public bool UnwindInfo { get; init; }

    /// <summary>Where the jitdump goes; null means <c>$KILN_JITDUMP_DIR</c>, else a new <c>~/.debug/jit/kiln-*</c> directory.</summary>
    public string? JitDumpDirectory { get; init; }

    /// <summary>Another file for the perf map than <c>/tmp/perf-PID.map</c> (for tests and tools); null for perf's.</summary>
    public string? PerfMapPath { get; init; }

    /// <summary>Whether any integration is on.</summary>
    public bool IsEnabled => Profiler != JitProfiler.None || DebugInfo || UnwindInfo;

    /// <summary>
    /// The code memory strategy these options need: mprotect for perf maps and debugging (anonymous memory), else
    /// Auto. An engine passes it to <see cref="CodeMemoryOptions.Strategy"/>.
    /// </summary>
    public CodeMemoryStrategy RequiredCodeMemoryStrategy =>
        Profiler == JitProfiler.PerfMap || DebugInfo ? CodeMemoryStrategy.Mprotect : CodeMemoryStrategy.Auto;
}

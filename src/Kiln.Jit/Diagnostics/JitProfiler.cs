namespace Kiln.Jit.Diagnostics;

/// <summary>Which profiler learns the names of generated code.</summary>
public enum JitProfiler
{
    /// <summary>None: nothing is written and registration costs nothing.</summary>
    None,

    /// <summary>
    /// <c>/tmp/perf-PID.map</c>, read by <c>perf report</c> directly. Needs the mprotect code memory strategy (perf
    /// names only anonymous memory from a map) and the .NET runtime's own perf map off.
    /// </summary>
    PerfMap,

    /// <summary>
    /// <c>jit-PID.dump</c> with code bytes, unwinding and line info, for <c>perf record -k 1</c> then
    /// <c>perf inject --jit</c>. Works with both code memory strategies and next to the runtime's perf map.
    /// </summary>
    JitDump,
}

namespace Kiln;

/// <summary>How compiled code is named for <c>perf</c> (<see cref="EngineOptions.Profiler"/>).</summary>
public enum CodeProfiler
{
    /// <summary>Nothing is written and registration costs nothing.</summary>
    None,

    /// <summary>
    /// <c>/tmp/perf-PID.map</c>, read by <c>perf report</c> directly. Needs the mprotect code memory
    /// strategy (perf names only anonymous memory from a map) and the .NET runtime's own perf map off.
    /// </summary>
    PerfMap,

    /// <summary><c>jit-PID.dump</c> with code bytes, unwinding and line info, for <c>perf record -k 1</c> then <c>perf inject --jit</c>.</summary>
    JitDump,
}

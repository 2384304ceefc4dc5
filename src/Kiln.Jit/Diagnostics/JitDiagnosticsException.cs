namespace Kiln.Jit.Diagnostics;

/// <summary>
/// A profiler or debugger integration that was asked for and cannot work here (a file that cannot be written, a
/// conflicting perf map, a missing library). Raised when the diagnostics are set up, never half-way through
/// installing a batch, so code is either fully registered or the embedder learns at start-up why it will not be.
/// </summary>
public sealed class JitDiagnosticsException : Exception
{
    public JitDiagnosticsException(string message) : base(message)
    {
    }

    public JitDiagnosticsException(string message, Exception inner) : base(message, inner)
    {
    }
}

namespace Kiln.Wasi;

/// <summary>
/// The guest called <c>proc_exit</c>. Thrown from the host function so that every Wasm frame
/// unwinds; the runtime reports it as a <see cref="TrapException"/> whose
/// <see cref="Exception.InnerException"/> is this exception, and <see cref="TryGetExitCode"/>
/// recognises that shape.
/// </summary>
public sealed class WasiExitException(int exitCode) : Exception($"the program exited with status {exitCode}")
{
    /// <summary>The status the guest passed to proc_exit.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>True when <paramref name="exception"/> is, or is a trap caused by, a proc_exit.</summary>
    public static bool TryGetExitCode(Exception exception, out int exitCode)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is WasiExitException exit)
            {
                exitCode = exit.ExitCode;
                return true;
            }
        }
        exitCode = 0;
        return false;
    }
}

namespace Kiln.Isolation;

/// <summary>
/// How an isolated child ended. The child writes its exit status to the status pipe itself (<see cref="Sandbox"/>), so
/// a status with no such line means it was killed: by a signal whose number is the exit status minus 128 (the init
/// shell's and .NET's convention for a child that died of a signal).
/// </summary>
public sealed record IsolationOutcome(int ExitCode, bool EnteredSandbox, int? ReportedExitCode, IsolationPolicy Policy)
{
    private const int Sigkill = 9;
    private const int Sigsegv = 11;
    private const int Sigxcpu = 24;
    private const int Sigxfsz = 25;
    private const int Sigsys = 31;
    private const int Sigabrt = 6;

    /// <summary>The signal that killed the child, when it did not exit by itself.</summary>
    public int? Signal => ReportedExitCode is null && ExitCode > 128 && ExitCode < 128 + 65 ? ExitCode - 128 : null;

    /// <summary>Why the child was killed, for a user, or null when it exited by itself (or never reached the sandbox).</summary>
    public string? Describe()
    {
        if (Signal is not { } signal || !EnteredSandbox)
        {
            return null;
        }
        return signal switch
        {
            Sigsys => "killed by the seccomp filter: the program made a system call outside the isolation policy (SIGSYS)",
            Sigxcpu => $"killed: the CPU-time limit of {Policy.CpuSeconds} s was exceeded (SIGXCPU)",
            Sigkill when Policy.CpuSeconds is not null => $"killed (SIGKILL), probably by the CPU-time limit of {Policy.CpuSeconds} s",
            Sigkill => "killed (SIGKILL)",
            Sigxfsz => $"killed: the file-size limit of {Policy.FileSizeBytes} bytes was exceeded (SIGXFSZ)",
            Sigsegv => "crashed (SIGSEGV)",
            Sigabrt => "aborted (SIGABRT)",
            _ => $"killed by signal {signal}",
        };
    }
}

using System.Runtime.InteropServices;
using Kiln.Isolation.Native;

namespace Kiln.Isolation.Seccomp;

/// <summary>
/// A built seccomp-bpf program (<see cref="SeccompFilterBuilder"/>) and its installation. Installing is one way: a
/// filter can only be added to, never removed or loosened, and it is inherited across <c>execve</c> and by every thread
/// and child created afterwards.
/// </summary>
public sealed unsafe class SeccompFilter
{
    internal SeccompFilter(SockFilter[] program) => Program = program;

    /// <summary>The instructions, for inspection and tests.</summary>
    public IReadOnlyList<SockFilter> Program { get; }

    /// <summary>
    /// Sets <c>PR_SET_NO_NEW_PRIVS</c> (without it an unprivileged process may not install a filter, and with it an
    /// <c>execve</c> of a set-uid program cannot gain privileges) and installs the filter. With
    /// <paramref name="allThreads"/> it uses <c>seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC)</c>, so every
    /// existing thread of the process gets it at once (the .NET runtime has several: GC, finalizer, tiered JIT, timers);
    /// otherwise <c>prctl(PR_SET_SECCOMP)</c> filters the calling thread only.
    /// </summary>
    /// <exception cref="SeccompException">The kernel refused (no seccomp, or a thread that cannot be synchronised).</exception>
    public void Install(bool allThreads = true)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("seccomp filters are built for Linux x86-64");
        }
        if (LibC.Prctl(LibC.PrSetNoNewPrivs, 1, 0, 0, 0) != 0)
        {
            throw new SeccompException($"prctl(PR_SET_NO_NEW_PRIVS) failed: {LibC.Describe(Marshal.GetLastPInvokeError())}");
        }
        SockFilter[] program = [.. Program];
        fixed (SockFilter* instructions = program)
        {
            var fprog = new LibC.SockFprog { Length = (ushort)program.Length, Filter = instructions };
            if (allThreads)
            {
                long result = LibC.Syscall(LibC.SysSeccomp, LibC.SeccompSetModeFilter, LibC.SeccompFilterFlagTsync, (nuint)(&fprog));
                if (result > 0)
                {
                    throw new SeccompException($"seccomp(SECCOMP_FILTER_FLAG_TSYNC) could not synchronise thread {result}");
                }
                if (result < 0)
                {
                    throw new SeccompException($"seccomp(SECCOMP_SET_MODE_FILTER) failed: {LibC.Describe(Marshal.GetLastPInvokeError())}");
                }
            }
            else if (LibC.Prctl(LibC.PrSetSeccomp, LibC.SeccompModeFilter, (nuint)(&fprog), 0, 0) != 0)
            {
                throw new SeccompException($"prctl(PR_SET_SECCOMP) failed: {LibC.Describe(Marshal.GetLastPInvokeError())}");
            }
        }
    }
}

/// <summary>The kernel refused to install a seccomp filter.</summary>
public sealed class SeccompException(string message) : Exception(message);

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Kiln.Isolation.Native;
using Kiln.Isolation.Seccomp;

namespace Kiln.Isolation;

/// <summary>
/// The child's half of isolation: once the program has loaded and compiled what it runs and opened the directories it
/// grants, <see cref="Enter"/> sets the resource limits and installs the seccomp filter on every thread. Nothing after
/// that can widen them. A child started by <see cref="IsolatedProcess"/> finds its policy in the environment
/// (<see cref="EnterIfRequested"/>) and tells the parent, through a status pipe, that it entered the sandbox and how it
/// exited, so the parent can tell a normal exit from a kill. A pipe and not a file: RLIMIT_FSIZE limits every regular
/// file the child writes, and a small limit must not silence the report.
/// </summary>
public static unsafe class Sandbox
{
    /// <summary>The environment variable that carries the policy (<see cref="IsolationPolicy.Serialize"/>) to the child.</summary>
    public const string PolicyVariable = "KILN_ISOLATION";

    /// <summary>The environment variable naming the inherited descriptor (the write end of a pipe) the child reports to.</summary>
    public const string StatusVariable = "KILN_ISOLATION_STATUS_FD";

    private static int s_status = -1;

    /// <summary>True once this process has entered a sandbox.</summary>
    public static bool IsEntered { get; private set; }

    /// <summary>The policy the parent asked for, or null when this process was not started isolated.</summary>
    /// <exception cref="FormatException">The variable is set but is not a policy.</exception>
    public static IsolationPolicy? RequestedPolicy =>
        Environment.GetEnvironmentVariable(PolicyVariable) is { Length: > 0 } text ? IsolationPolicy.Parse(text) : null;

    /// <summary>
    /// When the parent created a mount namespace for this process, replaces its file system with a minimal root that
    /// holds <paramref name="grants"/> (<see cref="FileSystemConfinement"/>); call it before opening them. Returns false
    /// when there is nothing to do (not isolated, or no mount namespace).
    /// </summary>
    /// <exception cref="InvalidOperationException">A mount step failed.</exception>
    public static bool ConfineFileSystemIfRequested(IEnumerable<FileSystemConfinement.Grant> grants)
    {
        if (RequestedPolicy is not { ConfineFileSystem: true })
        {
            return false;
        }
        FileSystemConfinement.Apply(grants);
        return true;
    }

    /// <summary>Enters the sandbox the parent asked for, if any; returns what was applied, or null when none was asked for.</summary>
    public static SandboxReport? EnterIfRequested() => RequestedPolicy is { } policy ? Enter(policy) : null;

    /// <summary>
    /// Applies <paramref name="policy"/>'s resource limits and seccomp filter to this process. Call it after everything
    /// that needs a denied call is done (module compiled, preopened directories open, output streams created) and before
    /// any untrusted code runs.
    /// </summary>
    /// <exception cref="SeccompException">The kernel refused the filter; the process must not go on as if isolated.</exception>
    /// <exception cref="InvalidOperationException">A sandbox was already entered, or a limit could not be set.</exception>
    public static SandboxReport Enter(IsolationPolicy policy)
    {
        if (IsEntered)
        {
            throw new InvalidOperationException("this process has already entered a sandbox");
        }
        if (Environment.GetEnvironmentVariable(StatusVariable) is { Length: > 0 } statusFd)
        {
            s_status = int.Parse(statusFd, NumberStyles.None, CultureInfo.InvariantCulture);
            // Not passed on: nothing this process might start should be able to report in its name.
            LibC.Fcntl(s_status, LibC.FSetfd, LibC.FdCloexec);
        }
        var limits = new List<string>();
        // No core dumps: a killed child must not write its memory (the guest's data) to disk.
        SetLimit(LibC.RlimitCore, 0, 0);
        if (policy.AddressSpaceBytes is { } addressSpace)
        {
            ulong mapped = MappedBytes();
            ulong limit = checked(mapped + addressSpace);
            SetLimit(LibC.RlimitAs, limit, limit);
            limits.Add(FormattableString.Invariant($"address space {addressSpace} bytes beyond the {mapped} mapped"));
        }
        if (policy.CpuSeconds is { } cpu)
        {
            // RLIMIT_CPU counts the whole process's CPU time: the budget starts from what start-up used. SIGXCPU at the soft
            // limit ends the process (the runtime does not handle it); the hard limit's SIGKILL a second later is the backstop.
            ulong used = (ulong)Math.Ceiling(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
            SetLimit(LibC.RlimitCpu, used + (ulong)cpu, used + (ulong)cpu + 1);
            limits.Add(FormattableString.Invariant($"CPU {cpu} s beyond the {used} s used"));
        }
        if (policy.OpenFiles is { } files)
        {
            int highest = HighestOpenDescriptor();
            ulong limit = (ulong)(highest + 1 + files);
            SetLimit(LibC.RlimitNofile, limit, limit);
            limits.Add(FormattableString.Invariant($"descriptors below {limit}"));
        }
        if (policy.FileSizeBytes is { } size)
        {
            SetLimit(LibC.RlimitFsize, size, size);
            // Without this, the write that crosses the limit kills the process with SIGXFSZ; ignored, it fails with EFBIG.
            LibC.Signal(LibC.Sigxfsz, 1 /* SIG_IGN */);
            limits.Add(FormattableString.Invariant($"files up to {size} bytes"));
        }
        SeccompAction denied = policy.OnDenied switch
        {
            DeniedSyscallAction.KillProcess => SeccompAction.KillProcess,
            DeniedSyscallAction.Audit => SeccompAction.Log,
            _ => SeccompAction.Errno(1 /* EPERM */),
        };
        SeccompFilter filter = SyscallPolicy.Build(Environment.ProcessId, denied);
        filter.Install(allThreads: true);
        IsEntered = true;
        if (s_status >= 0)
        {
            WriteStatus("entered");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => WriteStatus(FormattableString.Invariant($"exit {Environment.ExitCode}"));
        }
        return new SandboxReport(limits, filter.Program.Count, denied);
    }

    /// <summary>
    /// Records the exit status for the parent now. Optional: on a normal exit (<c>Main</c> returning, <c>Environment.Exit</c>)
    /// the sandbox reports <see cref="Environment.ExitCode"/> from a ProcessExit handler, which sees <c>Main</c>'s return
    /// value; a status recorded here is the one the parent uses.
    /// </summary>
    public static void ReportExit(int status)
    {
        Environment.ExitCode = status;
        WriteStatus(FormattableString.Invariant($"exit {status}"));
        if (s_status >= 0)
        {
            LibC.Close(s_status);
            s_status = -1;
        }
    }

    /// <summary>One line, in one write (shorter than PIPE_BUF, so it arrives whole); a failure is ignored, as the parent then reports a kill.</summary>
    private static void WriteStatus(string line)
    {
        if (s_status < 0)
        {
            return;
        }
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(line + "\n");
        fixed (byte* p = bytes)
        {
            LibC.Write(s_status, p, (nuint)bytes.Length);
        }
    }

    private static void SetLimit(int resource, ulong soft, ulong hard)
    {
        var limit = new LibC.RLimit { Current = soft, Maximum = hard };
        if (LibC.Setrlimit(resource, &limit) != 0)
        {
            throw new InvalidOperationException($"setrlimit({resource}) failed: {LibC.Describe(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>VmSize: the address space the process has mapped, which is what RLIMIT_AS counts.</summary>
    private static ulong MappedBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmSize:", StringComparison.Ordinal))
            {
                string kib = line["VmSize:".Length..].Trim().Split(' ')[0];
                return ulong.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException("/proc/self/status has no VmSize line");
    }

    private static int HighestOpenDescriptor()
    {
        int highest = 2;
        foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
            {
                highest = Math.Max(highest, fd);
            }
        }
        return highest;
    }
}

/// <summary>What <see cref="Sandbox.Enter"/> applied: the limits (described), the filter's length, the action for denied calls.</summary>
public sealed record SandboxReport(IReadOnlyList<string> Limits, int FilterInstructions, SeccompAction DeniedAction)
{
    public override string ToString() =>
        $"seccomp filter of {FilterInstructions} instructions (denied calls: {DeniedAction})" + (Limits.Count > 0 ? "; limits: " + string.Join(", ", Limits) : "");
}

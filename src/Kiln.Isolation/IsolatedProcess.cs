using System.Diagnostics;
using System.Globalization;
using Kiln.Isolation.Native;

namespace Kiln.Isolation;

/// <summary>
/// The parent's half of isolation: starts a program as a child in new namespaces (where the kernel allows them) with
/// the policy in its environment, and explains how it ended. The child enters the sandbox itself
/// (<see cref="Sandbox.EnterIfRequested"/>) once it has loaded what it runs.
/// </summary>
/// <remarks>
/// Namespaces cannot be created from inside a .NET process: <c>unshare(CLONE_NEWUSER)</c> fails with EINVAL in a
/// multi-threaded process and the runtime has threads before <c>Main</c>; mount and pid namespaces likewise need a
/// single-threaded caller or a fork. So the child is started through util-linux's <c>unshare</c>, which creates them
/// and then executes the program. With a new pid namespace the first process is its init, which ignores every signal
/// it has no handler for (SIGXCPU from the CPU limit included): a shell is that init and runs the program as its child,
/// so limits and kills act on the program as they would outside.
/// </remarks>
public sealed class IsolatedProcess : IDisposable
{
    private readonly int _statusRead;

    private IsolatedProcess(Process process, int statusRead, NamespaceReport namespaces, IsolationPolicy policy)
    {
        Process = process;
        _statusRead = statusRead;
        Namespaces = namespaces;
        Policy = policy;
    }

    /// <summary>The started child (through <c>unshare</c> and its init shell when namespaces are applied).</summary>
    public Process Process { get; }

    /// <summary>Which namespaces the child runs in, and why any were not created.</summary>
    public NamespaceReport Namespaces { get; }

    public IsolationPolicy Policy { get; }

    /// <summary>
    /// Starts <paramref name="startInfo"/>'s program isolated by <paramref name="policy"/>. The start info's file name,
    /// arguments, environment and redirections are used as given; the policy is added to the environment.
    /// </summary>
    /// <exception cref="IsolationException">Namespaces were required and could not be created.</exception>
    public static IsolatedProcess Start(ProcessStartInfo startInfo, IsolationPolicy policy)
    {
        NamespaceReport namespaces = policy.Namespaces ? NamespaceReport.Probe(policy.UnshareProgram) : NamespaceReport.NotRequested;
        if (policy.Namespaces && policy.RequireNamespaces && namespaces.NotApplied.Count > 0)
        {
            throw new IsolationException($"namespaces required but not applied: {string.Join(", ", namespaces.NotApplied)} ({namespaces.Reason})");
        }
        (int statusRead, int statusWrite) = CreateStatusPipe();
        var child = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = startInfo.RedirectStandardInput,
            RedirectStandardOutput = startInfo.RedirectStandardOutput,
            RedirectStandardError = startInfo.RedirectStandardError,
            WorkingDirectory = startInfo.WorkingDirectory,
        };
        child.Environment.Clear();
        foreach ((string key, string? value) in startInfo.Environment)
        {
            child.Environment[key] = value;
        }
        child.Environment[Sandbox.PolicyVariable] = (policy with { ConfineFileSystem = namespaces.Applied.Contains("mount") }).Serialize();
        child.Environment[Sandbox.StatusVariable] = statusWrite.ToString(CultureInfo.InvariantCulture);
        // The runtime's diagnostics server listens on a Unix socket and its debugger transport makes FIFOs: neither is
        // wanted in a sandbox, and both would need calls the filter refuses.
        child.Environment["DOTNET_EnableDiagnostics"] = "0";
        if (namespaces.Applied.Count > 0)
        {
            child.FileName = namespaces.UnshareProgram!;
            foreach (string flag in namespaces.UnshareArguments)
            {
                child.ArgumentList.Add(flag);
            }
            child.ArgumentList.Add("--");
            child.ArgumentList.Add("/bin/sh");
            child.ArgumentList.Add("-c");
            // Not exec: the shell stays the namespace's init and the program is an ordinary process under it.
            child.ArgumentList.Add("\"$@\"; exit $?");
            child.ArgumentList.Add("kiln-isolated");
            child.ArgumentList.Add(startInfo.FileName);
        }
        else
        {
            child.FileName = startInfo.FileName;
        }
        foreach (string argument in startInfo.ArgumentList)
        {
            child.ArgumentList.Add(argument);
        }
        try
        {
            return new IsolatedProcess(Process.Start(child)!, statusRead, namespaces, policy);
        }
        catch
        {
            LibC.Close(statusRead);
            throw;
        }
        finally
        {
            // The child has its copy; with the parent's closed, the pipe belongs to the child.
            LibC.Close(statusWrite);
        }
    }

    /// <summary>
    /// A pipe whose write end the child inherits (it is the one descriptor without close-on-exec) and whose read end stays
    /// here, non-blocking: another process started meanwhile may inherit the write end too, so the parent reads what is
    /// there once the child has exited instead of waiting for end-of-file.
    /// </summary>
    private static unsafe (int Read, int Write) CreateStatusPipe()
    {
        int* fds = stackalloc int[2];
        if (LibC.Pipe2(fds, 0) != 0)
        {
            throw new IsolationException($"pipe2 failed: {LibC.Describe(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
        }
        LibC.Fcntl(fds[0], LibC.FSetfd, LibC.FdCloexec);
        LibC.Fcntl(fds[0], LibC.FSetfl, LibC.ONonblock);
        return (fds[0], fds[1]);
    }

    /// <summary>Waits for the child and explains how it ended.</summary>
    public IsolationOutcome WaitForExit()
    {
        Process.WaitForExit();
        string[] status = ReadStatus().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        bool entered = status.Contains("entered");
        int? reported = null;
        foreach (string line in status)
        {
            if (line.StartsWith("exit ", StringComparison.Ordinal) && int.TryParse(line[5..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int code))
            {
                reported = code;
            }
        }
        return new IsolationOutcome(Process.ExitCode, entered, reported, Policy);
    }

    private unsafe string ReadStatus()
    {
        var text = new System.Text.StringBuilder();
        byte* buffer = stackalloc byte[512];
        nint n;
        while ((n = LibC.Read(_statusRead, buffer, 512)) > 0)
        {
            text.Append(System.Text.Encoding.ASCII.GetString(buffer, (int)n));
        }
        return text.ToString();
    }

    public void Dispose()
    {
        Process.Dispose();
        LibC.Close(_statusRead);
    }
}

/// <summary>A requirement of the isolation policy could not be met; nothing was started.</summary>
public sealed class IsolationException(string message) : Exception(message);

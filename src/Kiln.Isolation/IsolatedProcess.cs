using System.Diagnostics;
using System.Globalization;

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
    private readonly string _statusPath;

    private IsolatedProcess(Process process, string statusPath, NamespaceReport namespaces, IsolationPolicy policy)
    {
        Process = process;
        _statusPath = statusPath;
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
        string statusPath = Path.GetTempFileName();
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
        child.Environment[Sandbox.PolicyVariable] = policy.Serialize();
        child.Environment[Sandbox.StatusVariable] = statusPath;
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
            return new IsolatedProcess(Process.Start(child)!, statusPath, namespaces, policy);
        }
        catch
        {
            File.Delete(statusPath);
            throw;
        }
    }

    /// <summary>Waits for the child and explains how it ended.</summary>
    public IsolationOutcome WaitForExit()
    {
        Process.WaitForExit();
        string[] status = File.Exists(_statusPath) ? File.ReadAllLines(_statusPath) : [];
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

    public void Dispose()
    {
        Process.Dispose();
        File.Delete(_statusPath);
    }
}

/// <summary>A requirement of the isolation policy could not be met; nothing was started.</summary>
public sealed class IsolationException(string message) : Exception(message);

using System.Diagnostics;

namespace Kiln.Isolation.Tests;

/// <summary>
/// A guest that reaches a deliberately vulnerable host function (Kiln.Isolation.TestHost) tries each thing the isolation
/// must stop. Each attempt is first shown to succeed in the same host run unconfined, so a test cannot pass because
/// the attempt was broken; then under <see cref="IsolatedProcess"/> it must be refused (EPERM) or the child killed, and
/// the parent must say why.
/// </summary>
public sealed class IsolatedHostFunctionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kiln-isolation-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal sealed record Run(IsolationOutcome Outcome, NamespaceReport Namespaces, string Stdout, string Stderr);

    internal static Run Isolated(IsolationPolicy policy, params string[] hostArguments)
    {
        var psi = new ProcessStartInfo(ExternalTools.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(ExternalTools.BesideTests("Kiln.Isolation.TestHost.dll"));
        foreach (string a in hostArguments)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        using IsolatedProcess child = IsolatedProcess.Start(psi, policy);
        Task<string> stdout = child.Process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = child.Process.StandardError.ReadToEndAsync();
        if (!child.Process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            child.Process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the isolated test host did not finish: {string.Join(' ', hostArguments)}");
        }
        IsolationOutcome outcome = child.WaitForExit();
        return new Run(outcome, child.Namespaces, stdout.Result, stderr.Result);
    }

    private static string Unconfined(params string[] hostArguments)
    {
        ProcessResult r = ExternalTools.Run(ExternalTools.DotnetHost, [ExternalTools.BesideTests("Kiln.Isolation.TestHost.dll"), .. hostArguments], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("sandbox: none", r.Stdout);
        return r.Stdout;
    }

    [Theory]
    [InlineData("socket", "-")]
    [InlineData("kill-parent", "-")]
    public void AnAttemptThatWorksUnconfinedIsRefusedWithEperm(string action, string argument)
    {
        Assert.Contains($"{action}: ok", Unconfined("attempt", action, argument));
        Run run = Isolated(new IsolationPolicy(), "attempt", action, argument);
        Assert.True(run.Outcome.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.True(run.Outcome.EnteredSandbox);
        Assert.Equal(0, run.Outcome.ReportedExitCode);
        Assert.Null(run.Outcome.Describe());
        Assert.Contains("sandbox: seccomp filter", run.Stdout);
        Assert.Contains($"{action}: EPERM", run.Stdout);
    }

    [Fact]
    public void ExecutingAProgramIsRefused()
    {
        // Unconfined, the process becomes /bin/echo, which prints its (empty) argument line instead of the result.
        Assert.DoesNotContain("exec:", Unconfined("attempt", "exec", "/bin/echo"));
        Run run = Isolated(new IsolationPolicy(), "attempt", "exec", "/bin/echo");
        Assert.Contains("exec: EPERM", run.Stdout);
        Assert.Equal(0, run.Outcome.ExitCode);
    }

    [Fact]
    public void CreatingAHostFileOutsideThePreopensIsRefused()
    {
        string allowed = Path.Combine(_dir, "unconfined.txt");
        Assert.Contains("create: ok", Unconfined("attempt", "create", allowed));
        Assert.True(File.Exists(allowed));
        string target = Path.Combine(_dir, "isolated.txt");
        Run run = Isolated(new IsolationPolicy(), "attempt", "create", target);
        Assert.Contains("create: EPERM", run.Stdout);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void ReadingAHostFileFindsNothingInTheConfinedFileSystem()
    {
        string secret = Path.Combine(_dir, "secret.txt");
        File.WriteAllText(secret, "secret");
        Assert.Contains("read: ok", Unconfined("attempt", "read", secret));
        Run run = Isolated(new IsolationPolicy(), "attempt", "read", secret);
        if (run.Namespaces.Applied.Contains("mount"))
        {
            Assert.Contains("; file system confined", run.Stdout);
            Assert.Contains("read: ENOENT", run.Stdout);
            Assert.Contains("read: ENOENT", Isolated(new IsolationPolicy(), "attempt", "read", "/etc/passwd").Stdout);
        }
        else
        {
            // Seccomp cannot see paths: without a mount namespace a read-only open of a host file succeeds, and the
            // report says the mount namespace is missing.
            Assert.Contains("mount", run.Namespaces.NotApplied);
            Assert.Contains("read: ok", run.Stdout);
        }
    }

    [Theory]
    [InlineData("ptrace", "1")]
    // A forked .NET process is not usable (the runtime's other threads do not exist in the child), so fork has no
    // unconfined control here; the filter's clone rule is also checked call by call in SyscallPolicyTests.
    [InlineData("fork", "-")]
    public void ProcessControlIsRefused(string action, string argument)
    {
        Run run = Isolated(new IsolationPolicy(), "attempt", action, argument);
        Assert.Contains($"{action}: EPERM", run.Stdout);
        Assert.Equal(0, run.Outcome.ExitCode);
    }

    [Fact]
    public void InKillModeADeniedCallKillsTheChildAndTheParentSaysSo()
    {
        Run run = Isolated(new IsolationPolicy { OnDenied = DeniedSyscallAction.KillProcess }, "attempt", "exec", "/bin/echo");
        Assert.True(run.Outcome.EnteredSandbox);
        Assert.Null(run.Outcome.ReportedExitCode);
        Assert.Equal(31, run.Outcome.Signal);
        Assert.Equal(128 + 31, run.Outcome.ExitCode);
        Assert.DoesNotContain("exec:", run.Stdout);
        Assert.Contains("killed by the seccomp filter", run.Outcome.Describe());
    }

    [Fact]
    public void TheCpuLimitKillsASpinningHostCall()
    {
        Run run = Isolated(new IsolationPolicy { CpuSeconds = 1 }, "attempt", "spin", "-");
        Assert.True(run.Outcome.EnteredSandbox, run.Stdout + run.Stderr);
        Assert.Equal(24, run.Outcome.Signal);
        Assert.Equal("killed: the CPU-time limit of 1 s was exceeded (SIGXCPU)", run.Outcome.Describe());
    }

    [Fact]
    public void TheAddressSpaceLimitRefusesALargeMapping()
    {
        Assert.Contains("map: ok", Unconfined("attempt", "map", "1024"));
        Run within = Isolated(new IsolationPolicy { AddressSpaceBytes = 2UL << 30 }, "attempt", "map", "1024");
        Assert.Contains("map: ok", within.Stdout);
        Run beyond = Isolated(new IsolationPolicy { AddressSpaceBytes = 256UL << 20 }, "attempt", "map", "1024");
        Assert.Contains("map: ENOMEM", beyond.Stdout);
        Assert.Equal(0, beyond.Outcome.ExitCode);
    }

    [Fact]
    public void WithoutUnshareTheNamespacesAreNamedAsNotAppliedAndTheRestStillHolds()
    {
        var policy = new IsolationPolicy { UnshareProgram = Path.Combine(_dir, "no-such-unshare") };
        Run run = Isolated(policy, "attempt", "socket", "-");
        Assert.Equal(["user", "mount", "pid", "net", "ipc", "uts"], run.Namespaces.NotApplied);
        Assert.Empty(run.Namespaces.Applied);
        Assert.Contains("namespaces not applied: user, mount, pid, net, ipc, uts", run.Namespaces.Describe());
        Assert.Contains("no-such-unshare does not exist", run.Namespaces.Describe());
        Assert.Contains("socket: EPERM", run.Stdout);
        IsolationException e = Assert.Throws<IsolationException>(() => Isolated(policy with { RequireNamespaces = true }, "attempt", "socket", "-"));
        Assert.Contains("namespaces required but not applied", e.Message);
    }

    [Fact]
    public void AUserNamespaceTheSystemRefusesIsNamedWithTheReason()
    {
        // An unshare that answers as a container refusing user namespaces does, and otherwise runs the real one.
        string unshare = Path.Combine(_dir, "unshare");
        File.WriteAllText(unshare, """
            #!/bin/sh
            case " $* " in *" --user "*) echo "unshare: unshare failed: Operation not permitted" >&2; exit 1;; esac
            exec unshare "$@"
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(unshare, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Run run = Isolated(new IsolationPolicy { UnshareProgram = unshare }, "attempt", "socket", "-");
        Assert.Contains("user", run.Namespaces.NotApplied);
        Assert.DoesNotContain("user", run.Namespaces.Applied);
        Assert.Equal("unshare: unshare failed: Operation not permitted", run.Namespaces.Reason);
        Assert.StartsWith("namespaces not applied: user", run.Namespaces.Describe());
        Assert.Contains("socket: EPERM", run.Stdout);
        Assert.Equal(0, run.Outcome.ExitCode);
    }

    [Fact]
    public void NamespacesAreAppliedWhereTheKernelAllowsThemAndNamedWhereItDoesNot()
    {
        Run run = Isolated(new IsolationPolicy(), "attempt", "kill-parent", "-");
        Assert.Contains("kill-parent: EPERM", run.Stdout);
        if (run.Namespaces.NotApplied.Count > 0)
        {
            // A container that refuses them: the report says which and why.
            Assert.False(string.IsNullOrEmpty(run.Namespaces.Reason));
            Assert.Contains("namespaces not applied:", run.Namespaces.Describe());
        }
        else
        {
            Assert.Equal(["user", "mount", "pid", "net", "ipc", "uts"], run.Namespaces.Applied);
        }
    }
}

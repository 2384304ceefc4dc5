using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using Kiln.Isolation;

namespace Kiln.Cli.Run;

/// <summary>
/// <c>kiln run --isolate</c>: the parent starts <c>kiln</c> again, with the same command line, as an isolated child
/// (<see cref="IsolatedProcess"/>: new namespaces where allowed, the policy in its environment) and reports how it
/// ended; the child runs as usual and enters the sandbox (<see cref="Sandbox"/>: rlimits and the seccomp filter) after
/// the module is compiled, WASI's directories are open and the linker is ready, just before instantiation runs any
/// guest code. Kept apart from <see cref="Runner"/>, which only calls <see cref="EnterIfChild"/>.
/// </summary>
internal static class IsolatedRun
{
    /// <summary>The options of <c>kiln run</c> that configure isolation.</summary>
    internal sealed class Options
    {
        public Option<string?> Isolate { get; } = new("--isolate")
        {
            Description = "run in an isolated child process: new namespaces where allowed, rlimits, a seccomp filter. "
                + "--isolate=strict refuses to run without the namespaces; =kill kills on a denied system call instead of EPERM; "
                + "=audit logs instead of denying (to measure); combine with commas",
        };

        public Option<string?> Cpu { get; } = new("--isolate-cpu") { Description = "with --isolate: CPU seconds the run may use (RLIMIT_CPU)" };

        public Option<string?> AddressSpace { get; } = new("--isolate-address-space") { Description = "with --isolate: address space the run may map beyond what the runtime has mapped (RLIMIT_AS): bytes or with K, M, G" };

        public Option<string?> Files { get; } = new("--isolate-files") { Description = "with --isolate: descriptors the run may open (RLIMIT_NOFILE)" };

        public Option<string?> FileSize { get; } = new("--isolate-file-size") { Description = "with --isolate: largest file the run may write (RLIMIT_FSIZE): bytes or with K, M, G" };

        public IEnumerable<Option> All => [Isolate, Cpu, AddressSpace, Files, FileSize];

        /// <summary>The policy the command line asks for, or null without <c>--isolate</c>.</summary>
        public IsolationPolicy? Parse(ParseResult result)
        {
            string? mode = result.GetValue(Isolate);
            bool anyLimit = result.GetValue(Cpu) is not null || result.GetValue(AddressSpace) is not null
                || result.GetValue(Files) is not null || result.GetValue(FileSize) is not null;
            if (mode is null)
            {
                return anyLimit ? throw new FormatException("the --isolate-* limits need --isolate") : null;
            }
            var policy = new IsolationPolicy();
            foreach (string word in mode.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                policy = word switch
                {
                    "on" => policy,
                    "strict" => policy with { RequireNamespaces = true },
                    "kill" => policy with { OnDenied = DeniedSyscallAction.KillProcess },
                    "audit" => policy with { OnDenied = DeniedSyscallAction.Audit },
                    _ => throw new FormatException($"unknown --isolate mode '{word}' (use strict, kill, audit)"),
                };
            }
            return policy with
            {
                CpuSeconds = result.GetValue(Cpu) is { } c ? PositiveInt("--isolate-cpu", c) : null,
                AddressSpaceBytes = result.GetValue(AddressSpace) is { } a ? OptionValues.ParseSize(a) : null,
                OpenFiles = result.GetValue(Files) is { } f ? PositiveInt("--isolate-files", f) : null,
                FileSizeBytes = result.GetValue(FileSize) is { } s ? OptionValues.ParseSize(s) : null,
            };
        }

        private static int PositiveInt(string flag, string text) =>
            int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0
                ? n
                : throw new FormatException($"{flag} takes a positive whole number, not '{text}'");
    }

    /// <summary>The value-taking options, for splitting the guest's arguments off the command line.</summary>
    public static readonly string[] ValueOptions = ["--isolate-cpu", "--isolate-address-space", "--isolate-files", "--isolate-file-size"];

    /// <summary>
    /// <c>--isolate</c> may stand alone or take a value after <c>=</c>; alone it would swallow FILE as its value, so it
    /// is spelled out before parsing.
    /// </summary>
    public static string Normalize(string token) => token == "--isolate" ? "--isolate=on" : token;

    /// <summary>True in the child that a parent <c>kiln run --isolate</c> started.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(Sandbox.PolicyVariable) is { Length: > 0 };

    /// <summary>In the isolated child, enters the sandbox; elsewhere does nothing.</summary>
    /// <exception cref="SandboxUnavailableException">The filter or a limit could not be applied.</exception>
    public static void EnterIfChild(RunOptions options, TextWriter stderr)
    {
        if (!IsChild)
        {
            return;
        }
        try
        {
            SandboxReport report = Sandbox.EnterIfRequested()!;
            if (options.Verbose)
            {
                stderr.WriteLine($"kiln run: isolation: {report}");
            }
        }
        catch (Exception e) when (e is Kiln.Isolation.Seccomp.SeccompException or InvalidOperationException or FormatException or PlatformNotSupportedException)
        {
            throw new SandboxUnavailableException(e.Message);
        }
    }

    /// <summary>In the isolated child with a mount namespace, pivots into a root holding only the granted directories.</summary>
    /// <exception cref="SandboxUnavailableException">A mount step failed.</exception>
    public static void ConfineFileSystemIfChild(RunOptions options, TextWriter stderr)
    {
        if (!IsChild)
        {
            return;
        }
        try
        {
            if (Sandbox.ConfineFileSystemIfRequested(options.Directories.Select(d => new FileSystemConfinement.Grant(d.HostPath, d.ReadOnly))) && options.Verbose)
            {
                stderr.WriteLine($"kiln run: isolation: file system confined to {options.Directories.Count} granted directories and the runtime's files");
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or FormatException)
        {
            throw new SandboxUnavailableException(e.Message);
        }
    }

    /// <summary>The child's status, recorded for the parent before <c>Main</c> returns it.</summary>
    public static int Finish(int status)
    {
        if (IsChild && Sandbox.IsEntered)
        {
            Sandbox.ReportExit(status);
        }
        return status;
    }

    /// <summary>The parent: starts the child and waits for it; its status is the child's.</summary>
    public static int RunParent(RunOptions options, IsolationPolicy policy, TextWriter stderr)
    {
        var psi = new ProcessStartInfo { UseShellExecute = false };
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("the kiln executable's path is unknown");
        psi.FileName = host;
        // Under `dotnet kiln.dll` the host is dotnet and needs the assembly; the kiln apphost and a native (AOT) kiln
        // start it by themselves. The path is built from the base directory, which a native kiln also has (an
        // assembly's Location is empty there).
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, Assembly.GetEntryAssembly()!.GetName().Name + ".dll"));
        }
        foreach (string argument in Environment.GetCommandLineArgs()[1..])
        {
            psi.ArgumentList.Add(argument);
        }
        IsolatedProcess child;
        try
        {
            child = IsolatedProcess.Start(psi, policy);
        }
        catch (IsolationException e)
        {
            stderr.WriteLine($"kiln run: isolation: {e.Message}; not running (--isolate=strict)");
            return ExitCodes.IsolationFailed;
        }
        using IsolatedProcess owned = child;
        if (policy.Namespaces && child.Namespaces.NotApplied.Count > 0)
        {
            stderr.WriteLine($"kiln run: isolation: {child.Namespaces.Describe()}; running with the rlimits and the seccomp filter only (--isolate=strict refuses)");
        }
        else if (options.Verbose)
        {
            stderr.WriteLine($"kiln run: isolation: {child.Namespaces.Describe()}");
        }
        IsolationOutcome outcome = child.WaitForExit();
        if (outcome.Describe() is { } killed)
        {
            stderr.WriteLine($"kiln run: isolated run {killed}");
        }
        return outcome.ExitCode;
    }
}

/// <summary>The isolated child could not enter its sandbox; it must not run the guest.</summary>
internal sealed class SandboxUnavailableException(string message) : Exception(message);

using System.Globalization;

namespace Kiln.Isolation;

/// <summary>What a denied system call does.</summary>
public enum DeniedSyscallAction
{
    /// <summary>The call fails with EPERM, so the program sees an ordinary error and may report it.</summary>
    Eperm,

    /// <summary>The whole process is killed at once (SIGSYS); the parent reports it.</summary>
    KillProcess,

    /// <summary>Nothing is denied: every call outside the policy runs and is logged (to measure a policy, never to enforce one).</summary>
    Audit,
}

/// <summary>
/// How a child process is confined: namespaces (applied by the parent when it starts the child), resource limits and
/// the seccomp filter (applied by the child itself, <see cref="Sandbox.Enter"/>, once it has loaded what it needs).
/// The limits are budgets counted from the moment the child enters the sandbox, because a .NET process has already
/// reserved tens of GiB of address space, used CPU time and opened dozens of descriptors before its first line runs.
/// </summary>
public sealed record IsolationPolicy
{
    /// <summary>Start the child in new user, mount, pid, network, IPC and UTS namespaces where the kernel allows it.</summary>
    public bool Namespaces { get; init; } = true;

    /// <summary>
    /// In a new mount namespace, replace the child's file system with a minimal root holding only the granted directories
    /// and the runtime's files (<see cref="FileSystemConfinement"/>). Set by <see cref="IsolatedProcess"/> for the child
    /// when it created the mount namespace.
    /// </summary>
    public bool ConfineFileSystem { get; init; }

    /// <summary>Refuse to start when a requested namespace cannot be created (<c>--isolate=strict</c>), instead of going on without it.</summary>
    public bool RequireNamespaces { get; init; }

    /// <summary>Bytes of address space the child may map beyond what it had mapped on entering the sandbox (RLIMIT_AS).</summary>
    public ulong? AddressSpaceBytes { get; init; }

    /// <summary>Seconds of CPU time the child may use after entering the sandbox (RLIMIT_CPU: SIGXCPU, then SIGKILL a second later).</summary>
    public int? CpuSeconds { get; init; }

    /// <summary>Descriptors the child may open beyond those open on entering the sandbox (RLIMIT_NOFILE).</summary>
    public int? OpenFiles { get; init; }

    /// <summary>Largest file the child may write, in bytes (RLIMIT_FSIZE); a write past it fails with EFBIG.</summary>
    public ulong? FileSizeBytes { get; init; }

    /// <summary>What a system call outside the policy does.</summary>
    public DeniedSyscallAction OnDenied { get; init; } = DeniedSyscallAction.Eperm;

    /// <summary>The <c>unshare</c> program (util-linux) that creates the namespaces; null to look for it on PATH.</summary>
    public string? UnshareProgram { get; init; }

    /// <summary>The policy as one environment-variable value, for the child (<see cref="Parse"/> reads it back).</summary>
    public string Serialize()
    {
        var parts = new List<string> { $"deny={OnDenied.ToString().ToLowerInvariant()}" };
        if (ConfineFileSystem)
        {
            parts.Add("fs=1");
        }
        if (AddressSpaceBytes is { } a)
        {
            parts.Add(FormattableString.Invariant($"as={a}"));
        }
        if (CpuSeconds is { } c)
        {
            parts.Add(FormattableString.Invariant($"cpu={c}"));
        }
        if (OpenFiles is { } n)
        {
            parts.Add(FormattableString.Invariant($"nofile={n}"));
        }
        if (FileSizeBytes is { } f)
        {
            parts.Add(FormattableString.Invariant($"fsize={f}"));
        }
        return string.Join(';', parts);
    }

    /// <summary>Reads <see cref="Serialize"/>'s form: the child-side fields (limits and the denied action).</summary>
    /// <exception cref="FormatException">The text is not a policy.</exception>
    public static IsolationPolicy Parse(string text)
    {
        var policy = new IsolationPolicy();
        foreach (string part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string key = eq < 0 ? part : part[..eq];
            string value = eq < 0 ? "" : part[(eq + 1)..];
            policy = key switch
            {
                "deny" => policy with
                {
                    OnDenied = value switch
                    {
                        "eperm" => DeniedSyscallAction.Eperm,
                        "killprocess" => DeniedSyscallAction.KillProcess,
                        "audit" => DeniedSyscallAction.Audit,
                        _ => throw new FormatException($"isolation policy: unknown deny action '{value}'"),
                    },
                },
                "fs" => policy with { ConfineFileSystem = value == "1" },
                "as" => policy with { AddressSpaceBytes = ulong.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) },
                "cpu" => policy with { CpuSeconds = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) },
                "nofile" => policy with { OpenFiles = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) },
                "fsize" => policy with { FileSizeBytes = ulong.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) },
                _ => throw new FormatException($"isolation policy: unknown field '{key}'"),
            };
        }
        return policy;
    }
}

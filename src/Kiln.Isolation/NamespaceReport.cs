using System.Diagnostics;

namespace Kiln.Isolation;

/// <summary>
/// The namespaces a child gets: found by running <c>unshare</c> with smaller and smaller sets until one works (each try
/// costs about 7 ms here). <see cref="Reason"/> is the first refusal, in unshare's words.
/// </summary>
public sealed record NamespaceReport(IReadOnlyList<string> Applied, IReadOnlyList<string> NotApplied, string? Reason, string? UnshareProgram, IReadOnlyList<string> UnshareArguments)
{
    private static readonly string[] s_all = ["user", "mount", "pid", "net", "ipc", "uts"];

    /// <summary>
    /// The sets tried, most isolated first: all six; without the user namespace (root in a container that refuses user
    /// namespaces can still create the others); network, IPC and UTS alone (a new pid namespace needs /proc mounted
    /// again, which some container profiles refuse).
    /// </summary>
    private static readonly (string[] Names, string[] Arguments)[] s_attempts =
    [
        (s_all, ["--user", "--map-root-user", "--mount", "--pid", "--fork", "--mount-proc", "--net", "--ipc", "--uts"]),
        (["mount", "pid", "net", "ipc", "uts"], ["--mount", "--pid", "--fork", "--mount-proc", "--net", "--ipc", "--uts"]),
        (["net", "ipc", "uts"], ["--net", "--ipc", "--uts"]),
    ];

    /// <summary>No namespaces were asked for.</summary>
    public static NamespaceReport NotRequested { get; } = new([], [], null, null, []);

    /// <summary>One line for a user: what was applied and, if anything was not, what and why.</summary>
    public string Describe() =>
        NotApplied.Count == 0
            ? $"namespaces: {string.Join(", ", Applied)}"
            : $"namespaces not applied: {string.Join(", ", NotApplied)} ({Reason})" + (Applied.Count > 0 ? $"; applied: {string.Join(", ", Applied)}" : "");

    internal static NamespaceReport Probe(string? unshareProgram)
    {
        string? unshare = unshareProgram ?? FindOnPath("unshare");
        if (unshare is null || !File.Exists(unshare))
        {
            return new([], s_all, unshare is null ? "unshare (util-linux) is not on PATH" : $"{unshare} does not exist", null, []);
        }
        string? firstRefusal = null;
        foreach ((string[] names, string[] arguments) in s_attempts)
        {
            string? refusal = TryUnshare(unshare, arguments);
            if (refusal is null)
            {
                return new(names, [.. s_all.Except(names)], firstRefusal, unshare, arguments);
            }
            firstRefusal ??= refusal;
        }
        return new([], s_all, firstRefusal, null, []);
    }

    /// <summary>Runs <c>unshare FLAGS -- /bin/true</c>; null when it worked, else unshare's message.</summary>
    private static string? TryUnshare(string unshare, string[] arguments)
    {
        var psi = new ProcessStartInfo(unshare) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        psi.ArgumentList.Add("--");
        psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exit 0");
        try
        {
            using Process p = Process.Start(psi)!;
            string error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? null : (error.Trim() is { Length: > 0 } e ? e.ReplaceLineEndings(" ") : $"unshare exited with {p.ExitCode}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{unshare}: {e.Message}";
        }
    }

    private static string? FindOnPath(string program)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

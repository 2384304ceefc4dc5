using System.Diagnostics;

namespace Kiln.Tests.Differential;

/// <summary>
/// Finds the outside programs the differential tests drive (binaryen's wasm-opt, node) on PATH and
/// runs them with a time limit. Tests that need a missing tool are skipped with a message naming
/// it, except in CI (<c>CI=true</c>), where the test runs and fails so a broken setup is noticed.
/// </summary>
internal static class ExternalTools
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? WasmOpt { get; } = Find("wasm-opt");

    public static string? Node { get; } = Find("node");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The skip reason when any of <paramref name="tools"/> is missing, else null.</summary>
    public static string? MissingReason(params string[] tools)
    {
        string[] missing = tools.Where(t => Find(t) is null).ToArray();
        if (missing.Length == 0 || InCi)
        {
            return null;
        }
        return $"{string.Join(" and ", missing)} not found on PATH (scripts/install-deps.sh installs binaryen; node is needed too)";
    }

    public static string Require(string? path, string tool) =>
        path ?? throw new InvalidOperationException($"{tool} not found on PATH (scripts/install-deps.sh installs it)");

    /// <summary>Runs a program to completion; returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(program)} did not finish within {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string? Find(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Kiln.slnx")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("repository root (Kiln.slnx) not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs outside tools: skipped naming them when absent, except in CI.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        if (ExternalTools.MissingReason(tools) is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs outside tools: skipped naming them when absent, except in CI.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools)
    {
        if (ExternalTools.MissingReason(tools) is { } reason)
        {
            Skip = reason;
        }
    }
}

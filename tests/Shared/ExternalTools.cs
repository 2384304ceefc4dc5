using System.Diagnostics;
using Xunit;

namespace Kiln.TestSupport;

/// <summary>What a finished outside program printed; deconstructs to (exit, stdout, stderr) or (exit, both).</summary>
internal readonly record struct ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public void Deconstruct(out int exitCode, out string output)
    {
        exitCode = ExitCode;
        output = Stdout + Stderr;
    }
}

/// <summary>
/// The one place the tests of every project find and run outside programs (gdb, perf, readelf, binaryen's wasm-opt,
/// node, wabt, the probe programs, the kiln CLI) with a time limit. This file is linked into each test project
/// (tests/Shared). Tests that need a missing tool are skipped with a message naming it, except in CI (<c>CI=true</c>),
/// where they run and fail: CI installs the tools (scripts/install-deps.sh), so a missing one there is a broken setup.
/// </summary>
internal static class ExternalTools
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? WasmOpt { get; } = Find("wasm-opt");

    public static string? Node { get; } = Find("node");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException($"{name} is not installed: scripts/install-deps.sh installs it");

    public static string Require(string? path, string tool) =>
        path ?? throw new InvalidOperationException($"{tool} is not installed: scripts/install-deps.sh installs it");

    /// <summary>The skip reason when the platform is not Linux or any of <paramref name="tools"/> is missing (outside CI), else null.</summary>
    public static string? MissingReason(params string[] tools)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Kiln's tool tests are Linux-only";
        }
        string[] missing = [.. tools.Where(t => Find(t) is null)];
        return missing.Length == 0 || InCi ? null : $"not installed: {string.Join(", ", missing)} (scripts/install-deps.sh installs them)";
    }

    /// <summary>The dotnet host that runs child .NET programs (the probes, the kiln CLI).</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : Require("dotnet");

    /// <summary>An assembly the test project copies beside the tests by referencing its project (a probe program, kiln.dll).</summary>
    public static string BesideTests(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, fileName);
        Assert.True(File.Exists(path), $"{path} is missing: the test project references its project to copy it here");
        return path;
    }

    /// <summary>
    /// Runs a program to completion, without the environment that would change how a .NET child runs its code: the
    /// runtime's own perf map would conflict with Kiln's, <c>KILN_CODE_MEMORY</c> would override the code-memory
    /// strategy a test chose, and a crash dump only costs time. Throws <see cref="TimeoutException"/> past <paramref name="timeout"/>.
    /// </summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, byte[]? input = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("DOTNET_PerfMapEnabled");
        start.Environment.Remove("KILN_CODE_MEMORY");
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.BaseStream.Write(input);
        }
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s");
        }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
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

/// <summary>A fact needing outside tools: skipped naming them where one is missing, except under CI=true, where it fails.</summary>
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

/// <summary>A theory needing outside tools: skipped naming them where one is missing, except under CI=true.</summary>
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

/// <summary>
/// A fact needing <c>perf record</c> to sample. Kernels may forbid it (perf_event_paranoid, seccomp in containers), CI
/// included, so it is skipped with perf's own answer when a trial recording fails.
/// </summary>
public sealed class PerfSamplingFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_whyNot = new(() =>
    {
        if (!OperatingSystem.IsLinux())
        {
            return "perf is Linux-only";
        }
        if (ExternalTools.Find("perf") is not { } perf)
        {
            // CI installs perf: there a missing perf is a broken setup, so the test runs and fails on Require("perf").
            return ExternalTools.InCi ? null : "perf is not installed (scripts/install-deps.sh installs linux-perf)";
        }
        string data = Path.Combine(Path.GetTempPath(), $"kiln-perf-probe-{Environment.ProcessId}.data");
        try
        {
            (int exit, string output) = ExternalTools.Run(perf, ["record", "-e", "cpu-clock", "-k", "1", "-o", data, "--", "true"], TimeSpan.FromSeconds(60));
            string paranoid = File.Exists("/proc/sys/kernel/perf_event_paranoid") ? File.ReadAllText("/proc/sys/kernel/perf_event_paranoid").Trim() : "absent";
            return exit == 0 ? null : $"the kernel does not let perf record sample here (perf_event_paranoid={paranoid}): {output.Trim()}";
        }
        finally
        {
            File.Delete(data);
        }
    });

    public PerfSamplingFactAttribute() => Skip = s_whyNot.Value;
}

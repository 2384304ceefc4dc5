using System.Diagnostics;

namespace Kiln.Tests.Support;

/// <summary>Runs external tools (gdb, perf) and the Kiln.GdbProbe program for the engine diagnostics tests.</summary>
internal static class ExternalTools
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException($"{name} is not installed: scripts/install-deps.sh installs it");

    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : Require("dotnet");

    public static string ProbeDll
    {
        get
        {
            string probe = Path.Combine(AppContext.BaseDirectory, "Kiln.GdbProbe.dll");
            Assert.True(File.Exists(probe), $"{probe} is missing: the test project references Kiln.GdbProbe to copy it here");
            return probe;
        }
    }

    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>A fact needing external tools: skipped with the reason where one is missing, except under CI=true, where it fails.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        string[] missing = [.. tools.Where(t => ExternalTools.Find(t) is null)];
        if (!OperatingSystem.IsLinux())
        {
            Skip = "gdb and perf tests are Linux-only";
        }
        else if (missing.Length > 0 && !ExternalTools.InCi)
        {
            Skip = $"not installed: {string.Join(", ", missing)} (scripts/install-deps.sh installs them)";
        }
    }
}

/// <summary>A fact needing <c>perf record</c> to sample: skipped with perf's answer where the kernel forbids it, CI included.</summary>
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

using System.Diagnostics;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>Finds and runs the external tools the diagnostics are checked with (gdb, perf, readelf, nm).</summary>
internal static class Tools
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException($"{name} is not installed: scripts/install-deps.sh installs it");

    private static readonly Lazy<string> s_jitDumpDirectory = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"kiln-test-jitdump-{Environment.ProcessId}");
        // One jitdump per process (perf's rule): every test of this process shares it; it goes when the process does.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary directory is harmless.
            }
        };
        return dir;
    });

    /// <summary>The directory of this test process's jitdump.</summary>
    public static string JitDumpDirectory => s_jitDumpDirectory.Value;

    /// <summary>The dotnet host that runs the probe.</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : Require("dotnet");

    /// <summary>Kiln.Jit.GdbProbe.dll, copied beside the tests by the project reference.</summary>
    public static string ProbeDll
    {
        get
        {
            string probe = Path.Combine(AppContext.BaseDirectory, "Kiln.Jit.GdbProbe.dll");
            Assert.True(File.Exists(probe), $"{probe} is missing: the test project references Kiln.Jit.GdbProbe to copy it here");
            return probe;
        }
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, byte[]? input = null)
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
        // The runtime's own perf map would conflict with Kiln's (see PerfMap), and a crash dump would only cost time.
        start.Environment.Remove("DOTNET_PerfMapEnabled");
        start.Environment.Remove(CodeMemory.StrategyEnvironmentVariable);
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        if (environment is not null)
        {
            foreach ((string name, string value) in environment)
            {
                start.Environment[name] = value;
            }
        }
        using Process process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.BaseStream.Write(input);
        }
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s\n{stdout.Result}\n{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>
/// A fact that needs external tools. Where one is missing it is skipped with the reason, except under CI=true, where
/// it runs and fails: CI installs the tools (scripts/install-deps.sh), so a missing one there is a broken setup.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "perf, gdb and the ELF tools are Linux-only";
            return;
        }
        string[] missing = [.. tools.Where(t => Tools.Find(t) is null)];
        if (missing.Length > 0 && !Tools.InCi)
        {
            Skip = $"not installed: {string.Join(", ", missing)} (scripts/install-deps.sh installs them)";
        }
    }
}

/// <summary>
/// A fact that needs <c>perf record</c> to sample this process. Kernels may forbid it (perf_event_paranoid, seccomp in
/// containers), CI included, so it is skipped with perf's own answer when a one-second trial recording fails.
/// </summary>
public sealed class PerfSamplingFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_whyNot = new(ProbeSampling);

    public PerfSamplingFactAttribute()
    {
        Skip = s_whyNot.Value;
    }

    private static string? ProbeSampling()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "perf is Linux-only";
        }
        string? perf = Tools.Find("perf");
        if (perf is null)
        {
            // CI installs perf: there a missing perf is a broken setup, so the test runs and fails on Require("perf").
            return Tools.InCi ? null : "perf is not installed (scripts/install-deps.sh installs linux-perf)";
        }
        string paranoid = File.Exists("/proc/sys/kernel/perf_event_paranoid") ? File.ReadAllText("/proc/sys/kernel/perf_event_paranoid").Trim() : "absent";
        string output = Path.Combine(Path.GetTempPath(), $"kiln-perf-probe-{Environment.ProcessId}.data");
        try
        {
            (int exit, string stdout, string stderr) = Tools.Run(perf, ["record", "-e", "cpu-clock", "-k", "1", "-o", output, "--", "true"], TimeSpan.FromSeconds(60));
            return exit == 0
                ? null
                : $"the kernel does not let perf record sample here (perf_event_paranoid={paranoid}, uid {Environment.GetEnvironmentVariable("UID") ?? "?"}): {(stdout + stderr).Trim()}";
        }
        finally
        {
            File.Delete(output);
        }
    }
}

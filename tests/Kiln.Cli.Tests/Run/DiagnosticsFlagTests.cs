using System.Globalization;
using System.Text.RegularExpressions;

namespace Kiln.Cli.Tests.Run;

/// <summary>
/// <c>kiln run --profile</c>, <c>--debug-info</c>, <c>--verbose</c> and the code statistics of <c>--stats</c>: each run is a
/// child process, so its perf map and jitdump are named by the child's pid and read after it exits.
/// </summary>
public sealed partial class DiagnosticsFlagTests : IDisposable
{
    private const string Module = """
        (module $calc
          (func $square (export "square") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
          (func $sum_squares (export "sum_squares") (param i32 i32) (result i32)
            (i32.add (call $square (local.get 0)) (call $square (local.get 1)))))
        """;

    /// <summary>The test host may itself run with the .NET perf map on; the child must not inherit it (that is the conflict case).</summary>
    private static readonly Dictionary<string, string?> s_noRuntimePerfMap = new()
    {
        ["DOTNET_PerfMapEnabled"] = null,
        ["COMPlus_PerfMapEnabled"] = null,
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("kiln-run-diag-").FullName;
    private readonly string _wat;

    public DiagnosticsFlagTests()
    {
        _wat = Path.Combine(_dir, "calc.wat");
        File.WriteAllText(_wat, Module);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PerfMapNamesTheModulesFunctions()
    {
        KilnProcess.Result r = KilnProcess.Run(["run", "--profile=perfmap", "--invoke", "sum_squares", _wat, "3", "4"], environment: s_noRuntimePerfMap);
        string map = $"/tmp/perf-{r.Pid}.map";
        try
        {
            Assert.True(r.Status == 0, r.StderrText);
            Assert.Equal("25\n", r.StdoutText);
            Assert.True(File.Exists(map), $"{map} was not written");
            string[] lines = File.ReadAllLines(map);
            // perf's format: START SIZE NAME, both numbers hex.
            foreach (string line in lines)
            {
                Assert.Matches(PerfMapLine(), line);
            }
            Assert.Contains(lines, l => l.EndsWith(" calc!square", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.EndsWith(" calc!sum_squares", StringComparison.Ordinal));
            Assert.All(lines.Where(l => l.Contains("calc!", StringComparison.Ordinal)),
                l => Assert.True(long.Parse(l.Split(' ')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) > 0, l));
        }
        finally
        {
            File.Delete(map);
        }
    }

    [Fact]
    public void JitDumpIsWrittenToKilnJitdumpDir()
    {
        string dumpDir = Directory.CreateDirectory(Path.Combine(_dir, "jit")).FullName;
        var environment = new Dictionary<string, string?>(s_noRuntimePerfMap) { ["KILN_JITDUMP_DIR"] = dumpDir };
        KilnProcess.Result r = KilnProcess.Run(["run", "--profile", "jitdump", "--verbose", "--invoke", "square", _wat, "7"], environment: environment);
        Assert.True(r.Status == 0, r.StderrText);
        Assert.Equal("49\n", r.StdoutText);
        string dump = Path.Combine(dumpDir, $"jit-{r.Pid}.dump");
        Assert.True(File.Exists(dump), $"{dump} was not written; stderr: {r.StderrText}");
        byte[] bytes = File.ReadAllBytes(dump);
        // The header starts with the magic 0x4A695444 ("JiTD") in the writer's byte order, little-endian here.
        Assert.True(bytes.Length > 40, $"{bytes.Length} bytes");
        Assert.Equal(0x4A695444u, BitConverter.ToUInt32(bytes, 0));
        // --verbose names the file the profiler writes.
        Assert.Contains("tier baseline", r.StderrText);
        Assert.Contains(dumpDir, r.StderrText);
    }

    [Fact]
    public void DebugInfoRuns()
    {
        KilnProcess.Result r = KilnProcess.Run(["run", "--debug-info", "--verbose", "--invoke", "sum_squares", _wat, "5", "6"], environment: s_noRuntimePerfMap);
        Assert.True(r.Status == 0, r.StderrText);
        Assert.Equal("61\n", r.StdoutText);
        Assert.Contains("GDB JIT interface", r.StderrText);
    }

    [Fact]
    public void VerboseWithoutDiagnosticsSaysOff()
    {
        KilnProcess.Result r = KilnProcess.Run("run", "--verbose", "--invoke", "square", _wat, "2");
        Assert.Equal(0, r.Status);
        Assert.Equal("4\n", r.StdoutText);
        // Without --tier, programs run on the auto tier where Kiln compiles (this machine).
        Assert.Contains("tier auto, diagnostics: off", r.StderrText);
    }

    [Theory]
    [InlineData("--profile=perfmap")]
    [InlineData("--profile=jitdump")]
    [InlineData("--debug-info")]
    public void DiagnosticsWithExplicitInterpreterTierAreAUsageError(string flag)
    {
        KilnProcess.Result r = KilnProcess.Run("run", "--tier", "interp", flag, "--invoke", "square", _wat, "2");
        Assert.Equal(2, r.Status);
        Assert.Equal("", r.StdoutText);
        Assert.Contains("cannot be used with --tier interp", r.StderrText);
        Assert.Contains(flag.Split('=')[0], r.StderrText);
    }

    [Fact]
    public void UnknownProfilerIsAUsageError()
    {
        KilnProcess.Result r = KilnProcess.Run("run", "--profile=vtune", "--invoke", "square", _wat, "2");
        Assert.Equal(2, r.Status);
        Assert.Contains("unknown profiler 'vtune' (use perfmap or jitdump)", r.StderrText);
    }

    [Fact]
    public void RuntimePerfMapConflictIsAClearUsageError()
    {
        var environment = new Dictionary<string, string?> { ["DOTNET_PerfMapEnabled"] = "1" };
        KilnProcess.Result r = KilnProcess.Run(["run", "--profile=perfmap", "--invoke", "square", _wat, "2"], environment: environment);
        File.Delete($"/tmp/perf-{r.Pid}.map"); // The .NET runtime's own map.
        Assert.Equal(2, r.Status);
        Assert.Equal("", r.StdoutText);
        Assert.StartsWith("kiln run: --profile: ", r.StderrText);
        Assert.Contains("DOTNET_PerfMapEnabled", r.StderrText);
        Assert.DoesNotContain("   at ", r.StderrText); // No .NET stack trace.
    }

    [Fact]
    public void StatsReportMachineCodeOnTheBaselineTier()
    {
        KilnProcess.Result r = KilnProcess.Run("run", "--tier", "baseline", "--stats", "--invoke", "sum_squares", _wat, "1", "2");
        Assert.True(r.Status == 0, r.StderrText);
        Assert.Equal("5\n", r.StdoutText);
        Match code = CodeBytesLine().Match(r.StderrText);
        Assert.True(code.Success, r.StderrText);
        Assert.Equal("baseline", code.Groups["tier"].Value);
        long machineCode = long.Parse(code.Groups["code"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(2, int.Parse(code.Groups["functions"].Value, CultureInfo.InvariantCulture));
        long bodyBytes = long.Parse(code.Groups["body"].Value, CultureInfo.InvariantCulture);
        // Two small bodies: some bytes of Wasm, more bytes of x86-64, both far below a page.
        Assert.InRange(bodyBytes, 8, 100);
        Assert.InRange(machineCode, bodyBytes, 4096);

        Match memory = CodeMemoryLine().Match(r.StderrText);
        Assert.True(memory.Success, r.StderrText);
        long used = long.Parse(memory.Groups["used"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(used, machineCode, 1 << 20);
        Assert.InRange(long.Parse(memory.Groups["pages"].Value, CultureInfo.InvariantCulture), 1, 64);
        Assert.InRange(long.Parse(memory.Groups["sealed"].Value, CultureInfo.InvariantCulture), 1, 16);
        // W^X: mprotect seals each batch (permission changes); dual mapping unmaps the writable view instead.
        long sealing = memory.Groups["strategy"].Value == "DualMapping"
            ? long.Parse(memory.Groups["munmap"].Value, CultureInfo.InvariantCulture)
            : long.Parse(memory.Groups["mprotect"].Value, CultureInfo.InvariantCulture);
        Assert.True(sealing > 0, r.StderrText);
        Assert.Contains("compile (baseline)", r.StderrText);
    }

    [Fact]
    public void StatsReportNoMachineCodeOnTheInterpreter()
    {
        KilnProcess.Result r = KilnProcess.Run("run", "--tier", "interp", "--stats", "--invoke", "sum_squares", _wat, "1", "2");
        Assert.Equal(0, r.Status);
        Match code = CodeBytesLine().Match(r.StderrText);
        Assert.True(code.Success, r.StderrText);
        Assert.Equal("interp", code.Groups["tier"].Value);
        Assert.Equal("0", code.Groups["code"].Value);
        Assert.Equal("0", code.Groups["functions"].Value);
        Assert.Contains("code memory (interp) none, permission changes 0", r.StderrText);
    }

    [GeneratedRegex(@"^[0-9a-f]+ [0-9a-f]+ \S.*$")]
    private static partial Regex PerfMapLine();

    [GeneratedRegex(@"code bytes \((?<tier>\w+)\) (?<code>\d+) in (?<functions>\d+) functions from (?<body>\d+) bytes of Wasm bodies, compiler [\d.]+ ms \([\d.]+ ms CPU\)")]
    private static partial Regex CodeBytesLine();

    [GeneratedRegex(@"code memory \((?<strategy>\w+)\) (?<used>\d+) bytes used, (?<pages>\d+) pages committed, permission changes (?<mprotect>\d+), mmap \d+, munmap (?<munmap>\d+), batches sealed (?<sealed>\d+)")]
    private static partial Regex CodeMemoryLine();
}
